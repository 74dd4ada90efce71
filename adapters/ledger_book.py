"""Writing an effect exactly once per idempotency key, on SQLite and PostgreSQL alike.

Shared by the database-backed platform adapters. The rule: look for the key; if it is absent, write
the effect in one transaction. Two callers racing with the same key both pass the look-up, but the
unique constraint lets only one commit; the loser rolls back and answers with the winner's record.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from adapters.ports import PermanentFailure
from core.db import session_scope
from models.enums import LedgerKind
from models.platform import LedgerReceipt
from models.tables import LedgerEntry, Merchant

T = TypeVar("T")


def utc_now() -> datetime:
    return datetime.now(UTC)


def write_once(
    engine: Engine, find_existing: Callable[[Session], T | None], write: Callable[[Session], T]
) -> tuple[T, bool]:
    """Return (result, created). `write` runs in one transaction and only when nothing exists yet."""
    try:
        with session_scope(engine) as session:
            existing = find_existing(session)
            if existing is not None:
                return existing, False
            result = write(session)
            session.flush()
            return result, True
    except IntegrityError as exc:
        # Either a concurrent caller committed the same key first (then its record exists now), or
        # the write broke another constraint, which no retry can fix.
        with session_scope(engine) as session:
            existing = find_existing(session)
        if existing is None:
            raise PermanentFailure(f"refused by the database: {exc.orig}") from exc
        return existing, False


def receipt(entry: LedgerEntry, created: bool) -> LedgerReceipt:
    return LedgerReceipt(
        idempotency_key=entry.idempotency_key,
        kind=LedgerKind(entry.kind),
        amount_minor=entry.amount_minor,
        created=created,
    )


def find_entry(session: Session, key: str) -> LedgerEntry | None:
    return session.exec(select(LedgerEntry).where(LedgerEntry.idempotency_key == key)).first()


def existing_receipt(session: Session, key: str, kind: LedgerKind) -> LedgerReceipt | None:
    """The receipt already booked under `key`; refuses a key reused for a different kind of effect."""
    entry = find_entry(session, key)
    if entry is None:
        return None
    if entry.kind != kind:
        raise PermanentFailure(f"idempotency key {key!r} was already used for {entry.kind}, not {kind}")
    return receipt(entry, created=False)


def lock_merchant(session: Session, merchant_id: str) -> Merchant:
    """The merchant's current row, locked until the transaction ends, so balances cannot be lost.

    PostgreSQL takes a row lock with SELECT ... FOR UPDATE. SQLite ignores FOR UPDATE and runs plain
    SELECTs outside any transaction, so a no-op UPDATE first takes its database write lock.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.connection().execute(text("UPDATE merchant SET id = id WHERE id = :id"), {"id": merchant_id})
    merchant = session.exec(
        select(Merchant).where(Merchant.id == merchant_id).with_for_update().execution_options(populate_existing=True)
    ).first()
    if merchant is None:
        raise PermanentFailure(f"unknown merchant {merchant_id!r}")
    return merchant


def require_non_negative(name: str, amount_minor: int) -> None:
    if amount_minor < 0:
        raise ValueError(f"{name} must be >= 0 minor units, got {amount_minor}")


def merchant_account(merchant_id: str) -> str:
    return f"merchant:{merchant_id}"


PLATFORM_ACCOUNT = "platform"
