"""The tamper-evident audit log: one global, keyed hash chain over the `audit_log` table.

Each row's hash covers its content and the previous row's hash, so editing a row breaks its own hash,
and deleting, inserting or reordering rows breaks a link. Two formulas, told apart per row:

- legacy (v0, a bare 64-hex hash): sha256 of the canonical content plus prev_hash. Anyone can recompute it,
  so rows written before the key existed are protected by the anchors only (audit/anchors.py).
- keyed (v1, "h1:" + 64 hex): HMAC-SHA256 with AUDIT_CHAIN_KEY over prev_hash and the sha256 of the canonical
  content. The key is not in the database: a database writer without it cannot recompute a hash.

Keeping the content digest separate lets an offline proof show other cases' rows by digest only.
Appends use the caller's session: the record commits (or rolls back) together with the read model.
This module writes the chain and holds its formulas; audit/chain_verify.py walks it.
"""

import functools
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy import String, bindparam, select, text
from sqlmodel import Session

from models.tables import AuditLog

GENESIS_HASH = "0" * 64
KEYED_PREFIX = "h1:"
# Used only when DEV_MODE is on and no AUDIT_CHAIN_KEY is set; never accepted in production.
DEV_CHAIN_KEY = b"dev-only-audit-chain-key-change-me"

# One fixed key for pg_advisory_xact_lock: every appender in every process contends on the same
# lock, which is what a single chain needs. The value is arbitrary ("AUDITLOG" in ASCII) but must
# never change, or old and new code would append concurrently during a rolling deploy.
_PG_CHAIN_LOCK_KEY = 0x4155_4449_544C_4F47

_key_override: bytes | None = None


class ChainKeyMissing(RuntimeError):
    """No AUDIT_CHAIN_KEY outside DEV_MODE: nothing may be appended or verified with a guessable key."""


def use_chain_key(key: bytes | None) -> None:
    """Set the key explicitly (tests, offline tools); None goes back to the settings."""
    global _key_override
    _key_override = key


def chain_key() -> bytes:
    if _key_override is not None:
        return _key_override
    from core.settings import get_settings

    settings = get_settings()
    if settings.audit_chain_key is not None and settings.audit_chain_key.get_secret_value():
        return settings.audit_chain_key.get_secret_value().encode("utf-8")
    if settings.dev_mode:
        return DEV_CHAIN_KEY
    raise ChainKeyMissing("AUDIT_CHAIN_KEY is not set: the audit chain needs its key outside DEV_MODE")


def canonical_at(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("audit times must be timezone-aware UTC")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode(
        "utf-8"
    )


def _content(
    *,
    event_key: str,
    complaint_id: str | None,
    at: datetime,
    actor_kind: str,
    actor_id: str,
    action: str,
    reason: str,
    stage_before: str | None,
    stage_after: str | None,
    details: dict,
) -> dict[str, Any]:
    return {
        "event_key": event_key,
        "complaint_id": complaint_id,
        "at": canonical_at(at),
        "actor_kind": actor_kind,
        "actor_id": actor_id,
        "action": action,
        "reason": reason,
        "stage_before": stage_before,
        "stage_after": stage_after,
        "details": details,
    }


def compute_hash(
    *,
    event_key: str,
    complaint_id: str | None,
    at: datetime,
    actor_kind: str,
    actor_id: str,
    action: str,
    reason: str,
    stage_before: str | None,
    stage_after: str | None,
    details: dict,
    prev_hash: str,
) -> str:
    """The legacy (v0) formula: public, so anyone can recompute it. Kept to verify old rows."""
    content = _content(
        event_key=event_key,
        complaint_id=complaint_id,
        at=at,
        actor_kind=actor_kind,
        actor_id=actor_id,
        action=action,
        reason=reason,
        stage_before=stage_before,
        stage_after=stage_after,
        details=details,
    )
    return hashlib.sha256(_canonical({**content, "prev_hash": prev_hash})).hexdigest()


def content_digest(**fields: Any) -> str:
    """sha256 of a row's canonical content (without its link)."""
    return hashlib.sha256(_canonical(_content(**fields))).hexdigest()


def keyed_link(prev_hash: str, digest: str, key: bytes | None = None) -> str:
    mac = hmac.new(key or chain_key(), f"{prev_hash}\n{digest}".encode(), hashlib.sha256).hexdigest()
    return KEYED_PREFIX + mac


def is_keyed(hash_value: str) -> bool:
    return hash_value.startswith(KEYED_PREFIX)


def _row_fields(row: AuditLog) -> dict[str, Any]:
    return {
        "event_key": row.event_key,
        "complaint_id": row.complaint_id,
        "at": row.at,
        "actor_kind": row.actor_kind,
        "actor_id": row.actor_id,
        "action": row.action,
        "reason": row.reason,
        "stage_before": row.stage_before,
        "stage_after": row.stage_after,
        "details": row.details,
    }


def row_digest(row: AuditLog) -> str:
    return content_digest(**_row_fields(row))


def row_hash(row: AuditLog, key: bytes | None = None) -> str:
    """What the row's hash must be under the formula the row declares."""
    if is_keyed(row.hash):
        return keyed_link(row.prev_hash, row_digest(row), key)
    return compute_hash(**_row_fields(row), prev_hash=row.prev_hash)


def _normalize_details(details: dict | None) -> dict[str, Any]:
    """What is hashed must be exactly what the JSON column gives back: JSON-native values only."""
    if not details:
        return {}
    return json.loads(json.dumps(to_jsonable_python(details), allow_nan=False))


def _lock_chain(session: Session) -> None:
    """Serialize appenders until the caller's transaction ends, so two never read the same tail."""
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_CHAIN_LOCK_KEY})
    elif dialect == "sqlite":
        # pysqlite opens a transaction lazily at the first write. If the caller already wrote, this
        # connection holds SQLite's write lock; otherwise take it now (BEGIN IMMEDIATE) before reading
        # the tail, so a concurrent appender waits instead of forking the chain.
        raw = connection.connection.driver_connection
        if not raw.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        raise RuntimeError(f"audit chain locking is not implemented for {dialect}")


@functools.cache
def _append_queries() -> tuple[Any, Any]:
    """Built once: every audit record runs both, and a statement object keeps its SQLAlchemy cache key. Both
    are Core selects run on the session's connection: no ORM rows to build for an id or a hash. (Every append
    flushes its row, so both see this transaction's earlier appends without an autoflush.)"""
    table = AuditLog.__table__  # type: ignore[attr-defined]  # SQLModel sets it on every table model
    by_key = select(table.c.id).where(table.c.event_key == bindparam("event_key", type_=String()))
    newest = select(table.c.hash).order_by(table.c.id.desc()).limit(1)
    return by_key, newest


def append_record(
    session: Session,
    *,
    event_key: str,
    complaint_id: str | None,
    at: datetime,
    actor_kind: str,
    actor_id: str,
    action: str,
    reason: str = "",
    stage_before: str | None = None,
    stage_after: str | None = None,
    details: dict | None = None,
) -> AuditLog:
    """Append one keyed record to the chain; a retry with the same event_key returns the existing row.

    The caller commits. Under PostgreSQL the session must use READ COMMITTED (the default) so the
    tail read after the lock sees the previous appender's committed row.
    """
    key = chain_key()  # before the lock: a missing key refuses the write without touching the chain
    by_key, _ = _append_queries()
    prev_hash = _locked_tail(session)
    existing_id = session.connection().execute(by_key, {"event_key": event_key}).scalar()
    if existing_id is not None:
        existing = session.get(AuditLog, existing_id)
        assert existing is not None  # the lock is held: nobody deletes it meanwhile
        return existing
    entry = AuditEntry(
        event_key=event_key,
        complaint_id=complaint_id,
        at=at,
        actor_kind=str(actor_kind),
        actor_id=actor_id,
        action=action,
        reason=reason,
        stage_before=stage_before,
        stage_after=stage_after,
        details=details or {},
    )
    row = AuditLog(**_linked(entry, prev_hash, key))
    session.add(row)
    session.flush()
    session.info[_TAIL] = (session.get_transaction(), row.hash)
    return row


@dataclass(frozen=True)
class AuditEntry:
    """One record to append: `append_record`'s arguments, for `append_records`."""

    event_key: str
    complaint_id: str | None
    at: datetime
    actor_kind: str
    actor_id: str
    action: str
    reason: str = ""
    stage_before: str | None = None
    stage_after: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def fields(self) -> dict[str, Any]:
        """The entry as `append_record`'s keyword arguments (shallow: the details are not copied)."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def append_records(session: Session, entries: Sequence[AuditEntry]) -> None:
    """Append several records in order, as `append_record` would one by one, in three statements: the lock
    and tail (once per transaction), one lookup of every event key, one insert of the new rows. A key already
    in the chain (a retry) is skipped, as `append_record` returns it. The caller commits."""
    if not entries:
        return
    key = chain_key()
    prev_hash = _locked_tail(session)
    table = AuditLog.__table__  # type: ignore[attr-defined]  # SQLModel sets it on every table model
    keys = [entry.event_key for entry in entries]
    connection = session.connection()
    present = set(connection.execute(select(table.c.event_key).where(table.c.event_key.in_(keys))).scalars())
    rows = []
    for entry in entries:
        if entry.event_key in present:
            continue
        present.add(entry.event_key)  # the same key twice in one call: the first one stands
        row = _linked(entry, prev_hash, key)
        rows.append(row)
        prev_hash = row["hash"]
    if rows:
        connection.execute(table.insert(), rows)
        session.info[_TAIL] = (session.get_transaction(), prev_hash)


def _linked(entry: AuditEntry, prev_hash: str, key: bytes) -> dict[str, Any]:
    """The row's columns, chained to `prev_hash` with the keyed formula."""
    at_utc = entry.at.astimezone(UTC) if entry.at.tzinfo else entry.at  # a naive time is refused in canonical_at
    content = {
        **entry.fields(),
        "at": at_utc,
        "actor_kind": str(entry.actor_kind),
        "details": _normalize_details(entry.details),
    }
    return {**content, "prev_hash": prev_hash, "hash": keyed_link(prev_hash, content_digest(**content), key)}


_TAIL = "audit_chain_tail"  # session.info key: (the transaction holding the chain lock, the chain's tail hash)


def _locked_tail(session: Session) -> str:
    """The chain's tail hash, with the chain locked until the caller's transaction ends.

    Lock and tail are taken once per transaction: while this transaction holds the lock no other appender
    can move the tail, so after its own append the tail is the row it just wrote. A batch of records in
    one transaction (activities/records.py) thus locks once and reads the tail once.
    """
    transaction = session.get_transaction()
    held = session.info.get(_TAIL)
    if held is not None and transaction is not None and held[0] is transaction:
        return str(held[1])
    _lock_chain(session)
    _, newest = _append_queries()
    tail = session.connection().execute(newest).scalar() or GENESIS_HASH
    session.info[_TAIL] = (session.get_transaction(), tail)
    return tail
