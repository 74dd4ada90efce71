"""Database-backed implementations of the platform ports (adapters.ports).

They serve the embedded stack, the demo and the tests; a real platform replaces them one by one.
Every method is one transaction; every effect is keyed by the caller's idempotency key.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from adapters.db_deposits import DbMerchantDeposits
from adapters.ledger_book import existing_receipt, find_entry, receipt, require_non_negative, utc_now, write_once
from adapters.ports import PermanentFailure
from core.db import session_scope
from models.enums import LedgerKind
from models.platform import LedgerReceipt, OrderLineRecord, OrderRecord
from models.tables import ConsumerLineTotal, LedgerEntry, Notification, Order, OrderLine

__all__ = ["DbMerchantDeposits", "DbNotifier", "DbOrderLookup", "DbPaymentGateway"]

# Entries that moved deposit balances: undoing one must go through MerchantDeposits, which keeps the
# balances and the ledger in step, never through a bare reversal entry.
_DEPOSIT_KINDS = {LedgerKind.DEPOSIT_FREEZE, LedgerKind.DEPOSIT_UNFREEZE, LedgerKind.PENALTY}
# Money that reaches the consumer for the order line itself: capped at what the line cost, across every
# case and round. Coupons are gifts and points are not money; neither counts against the cap.
CONSUMER_MONEY_KINDS = {LedgerKind.MERCHANT_REFUND, LedgerKind.PLATFORM_ADVANCE}


def unit_of(kind: LedgerKind) -> str:
    return "POINTS" if kind == LedgerKind.POINTS else "CNY"


class DbOrderLookup:
    def __init__(self, engine: Engine):
        self._engine = engine

    def find_order(self, order_id: str) -> OrderRecord | None:
        with session_scope(self._engine) as session:
            order = session.get(Order, order_id)
            if order is None:
                return None
            lines = session.exec(select(OrderLine).where(OrderLine.order_id == order_id).order_by(OrderLine.id)).all()
            return OrderRecord(
                id=order.id,
                consumer_id=order.consumer_id,
                merchant_id=order.merchant_id,
                paid_minor=order.paid_minor,
                currency=order.currency,
                placed_at=order.placed_at,
                shipped_at=order.shipped_at,
                promised_by=order.promised_by,
                delivered_at=order.delivered_at,
                carrier=order.carrier,
                tracking_number=order.tracking_number,
                tracking_status=order.tracking_status,
                lines=[
                    OrderLineRecord(
                        id=line.id,
                        sku=line.sku,
                        title=line.title,
                        category=line.category,
                        quantity=line.quantity,
                        paid_minor=line.paid_minor,
                    )
                    for line in lines
                ],
            )


class DbPaymentGateway:
    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utc_now):
        self._engine = engine
        self._clock = clock

    def pay(
        self,
        key: str,
        complaint_id: str,
        kind: LedgerKind,
        amount_minor: int,
        payer: str,
        payee: str,
        merchant_id: str | None = None,
        reference: str | None = None,
        order_line_id: str | None = None,
        line_paid_minor: int | None = None,
    ) -> LedgerReceipt:
        """Book one payment. A refund or platform advance for `order_line_id` is added to the line's
        running total in the same transaction; past what the line cost, the database refuses it
        (PermanentFailure). The cap is the order system's price of the line when it knows the line,
        else the caller's `line_paid_minor`."""
        require_non_negative("payment amount", amount_minor)
        kind = LedgerKind(kind)
        capped = kind in CONSUMER_MONEY_KINDS and order_line_id is not None
        if kind in CONSUMER_MONEY_KINDS and order_line_id is None and line_paid_minor is not None:
            raise PermanentFailure(f"{kind.value} {key!r} names a cap but no order line")
        if capped:
            self._ensure_line_total(order_line_id, line_paid_minor)

        def find_existing(session: Session) -> LedgerReceipt | None:
            found = existing_receipt(session, key, kind)
            if found is not None and found.amount_minor != amount_minor:
                raise PermanentFailure(
                    f"idempotency key {key!r} was already booked for {found.amount_minor}, not {amount_minor}"
                )
            return found

        def write(session: Session) -> LedgerReceipt:
            if capped:
                _add_to_line(session, order_line_id, amount_minor)
            entry = LedgerEntry(
                idempotency_key=key,
                complaint_id=complaint_id,
                merchant_id=merchant_id,
                kind=kind.value,
                amount_minor=amount_minor,
                currency=unit_of(kind),
                payer=payer,
                payee=payee,
                reference=reference,
                order_line_id=order_line_id if capped else None,
                created_at=self._clock(),
            )
            session.add(entry)
            return receipt(entry, created=True)

        result, _ = write_once(self._engine, find_existing, write)
        return result

    def consumer_total(self, order_line_id: str) -> int:
        """Refunds plus platform advances paid to the consumer for the line, net of reversals."""
        with session_scope(self._engine) as session:
            row = session.get(ConsumerLineTotal, order_line_id)
            return row.refunded_minor if row else 0

    def _ensure_line_total(self, order_line_id: str, line_paid_minor: int | None) -> None:
        """The line's running-total row, created once (its own transaction: a racing twin is harmless)."""
        with session_scope(self._engine) as session:
            if session.get(ConsumerLineTotal, order_line_id) is not None:
                return
            line = session.get(OrderLine, order_line_id)
            paid = line.paid_minor if line is not None else line_paid_minor
        if paid is None:
            raise PermanentFailure(f"order line {order_line_id!r} is unknown and no cap was given")
        try:
            with session_scope(self._engine) as session:
                session.add(ConsumerLineTotal(order_line_id=order_line_id, paid_minor=paid, refunded_minor=0))
        except IntegrityError:
            pass  # a concurrent payment for the same line created it first

    def reverse(self, key: str, original_key: str) -> LedgerReceipt | None:
        """Book the opposite of `original_key`; None when the original was never booked.

        An entry is reversed at most once (a unique index on reverses_key): reversing it again, under
        any key, answers with the reversal already booked.
        """

        def find_existing(session: Session) -> LedgerReceipt | None:
            found = existing_receipt(session, key, LedgerKind.REVERSAL)
            if found is not None:
                return found
            earlier = session.exec(select(LedgerEntry).where(LedgerEntry.reverses_key == original_key)).first()
            return None if earlier is None else receipt(earlier, created=False)

        def write(session: Session) -> LedgerReceipt | None:
            original = find_entry(session, original_key)
            if original is None:
                return None
            if original.kind in _DEPOSIT_KINDS or original.kind == LedgerKind.REVERSAL:
                raise PermanentFailure(
                    f"ledger entry {original_key!r} ({original.kind}) cannot be reversed through the payment gateway"
                )
            if original.order_line_id is not None:
                _add_to_line(session, original.order_line_id, -original.amount_minor)
            entry = LedgerEntry(
                idempotency_key=key,
                complaint_id=original.complaint_id,
                merchant_id=original.merchant_id,
                kind=LedgerKind.REVERSAL.value,
                amount_minor=original.amount_minor,
                currency=original.currency,
                payer=original.payee,
                payee=original.payer,
                reverses_key=original_key,
                reference=original.reference,
                created_at=self._clock(),
            )
            session.add(entry)
            return receipt(entry, created=True)

        result, _ = write_once(self._engine, find_existing, write)
        return result


def _add_to_line(session: Session, order_line_id: str, delta_minor: int) -> None:
    """Move the line's running total. The UPDATE locks the row (PostgreSQL row lock, SQLite write lock)
    until the transaction ends, and the CHECK refunded_minor <= paid_minor refuses an overpayment."""
    session.connection().execute(
        update(ConsumerLineTotal)
        .where(ConsumerLineTotal.order_line_id == order_line_id)
        .values(refunded_minor=ConsumerLineTotal.refunded_minor + delta_minor)
    )


class DbNotifier:
    """An outbox: the notification row is the message; a delivery service would drain it."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utc_now):
        self._engine = engine
        self._clock = clock

    def send(self, key: str, recipient: str, template: str, complaint_id: str | None, body: dict[str, Any]) -> bool:
        def find_existing(session: Session) -> bool | None:
            return True if session.get(Notification, key) is not None else None

        def write(session: Session) -> bool:
            return add_notification(session, key, recipient, template, complaint_id, body, at=self._clock())

        _, created = write_once(self._engine, find_existing, write)
        return created


def add_notification(
    session: Session,
    key: str,
    recipient: str,
    template: str,
    complaint_id: str | None,
    body: dict[str, Any],
    *,
    at: datetime,
) -> bool:
    """The outbox row, in the caller's transaction; False when the key is already there (a retried send)."""
    if session.get(Notification, key) is not None:
        return False
    session.add(
        Notification(
            id=key, complaint_id=complaint_id, recipient=recipient, template=template, body=body, created_at=at
        )
    )
    return True
