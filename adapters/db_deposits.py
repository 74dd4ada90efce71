"""Merchant deposits kept in the platform database: freezes, releases and penalties.

The merchant row holds the balances (deposit, frozen part, required deposit); every change to them
is booked in the ledger under the caller's idempotency key in the same transaction, so a retried
call finds its entry and changes nothing.
"""

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from adapters.ledger_book import (
    PLATFORM_ACCOUNT,
    existing_receipt,
    lock_merchant,
    merchant_account,
    receipt,
    require_non_negative,
    utc_now,
    write_once,
)
from adapters.ports import PermanentFailure
from core.db import session_scope
from models.enums import LedgerKind
from models.platform import LedgerReceipt, MerchantStanding
from models.tables import LedgerEntry, Merchant, Penalty, RectificationInterview


class DbMerchantDeposits:
    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utc_now):
        self._engine = engine
        self._clock = clock

    def standing(self, merchant_id: str, since: datetime) -> MerchantStanding:
        with session_scope(self._engine) as session:
            merchant = session.get(Merchant, merchant_id)
            if merchant is None:
                raise PermanentFailure(f"unknown merchant {merchant_id!r}")
            penalties = session.exec(
                select(func.count())
                .select_from(Penalty)
                .where(Penalty.merchant_id == merchant_id, Penalty.created_at >= since)
            ).one()
            return MerchantStanding(
                merchant_id=merchant.id,
                deposit_minor=merchant.deposit_minor,
                frozen_minor=merchant.frozen_minor,
                deposit_required_minor=merchant.deposit_required_minor,
                risk_level=merchant.risk_level,
                trusted=merchant.trusted,
                listing_blocked_until=merchant.listing_blocked_until,
                penalties_in_window=penalties,
            )

    def freeze(self, key: str, complaint_id: str, merchant_id: str, amount_minor: int) -> LedgerReceipt:
        """Hold up to `amount_minor` of the deposit; a short deposit is frozen as far as it goes.

        The entry records what was actually frozen, which is what the matching unfreeze releases.
        """
        require_non_negative("freeze amount", amount_minor)

        def write(session: Session) -> LedgerReceipt:
            merchant = lock_merchant(session, merchant_id)
            frozen = min(amount_minor, merchant.deposit_minor - merchant.frozen_minor)
            merchant.frozen_minor += frozen
            session.add(merchant)
            return self._book(
                session,
                key,
                complaint_id,
                merchant_id,
                LedgerKind.DEPOSIT_FREEZE,
                frozen,
                payer=merchant_account(merchant_id),
                payee=PLATFORM_ACCOUNT,
                reference=f"requested {amount_minor}",
            )

        return self._once(key, LedgerKind.DEPOSIT_FREEZE, write)

    def unfreeze(self, key: str, complaint_id: str, merchant_id: str, amount_minor: int) -> LedgerReceipt:
        """Release what this complaint still holds on the merchant's deposit, at most `amount_minor`."""
        require_non_negative("unfreeze amount", amount_minor)

        def write(session: Session) -> LedgerReceipt:
            merchant = lock_merchant(session, merchant_id)
            held = self._held_for(session, complaint_id, merchant_id)
            released = min(amount_minor, held, merchant.frozen_minor)
            merchant.frozen_minor -= released
            session.add(merchant)
            return self._book(
                session,
                key,
                complaint_id,
                merchant_id,
                LedgerKind.DEPOSIT_UNFREEZE,
                released,
                payer=PLATFORM_ACCOUNT,
                payee=merchant_account(merchant_id),
                reference=f"requested {amount_minor}",
            )

        return self._once(key, LedgerKind.DEPOSIT_UNFREEZE, write)

    def apply_penalty(
        self,
        key: str,
        complaint_id: str,
        merchant_id: str,
        deduction_minor: int,
        listing_blocked_until: datetime,
        deposit_multiplier: int,
        repeat_offender: bool,
        interview_due: datetime | None = None,
    ) -> LedgerReceipt:
        """Deduct from the deposit, block listings, raise a repeat offender's required deposit: all or nothing.

        The deduction comes out of the unfrozen part of the deposit only: frozen money is held for a
        consumer's refund and is not the platform's to take. When that part is short, nothing is written.
        A rectification interview the penalty calls for (`interview_due`) is booked with it, keyed by the
        penalty, so the supervisors' task exists exactly when the penalty does.
        """
        require_non_negative("penalty deduction", deduction_minor)
        if deposit_multiplier < 1:
            raise ValueError(f"deposit multiplier must be >= 1, got {deposit_multiplier}")
        if listing_blocked_until.tzinfo is None:
            raise ValueError("listing_blocked_until must be timezone-aware")
        if interview_due is not None and interview_due.tzinfo is None:
            raise ValueError("interview_due must be timezone-aware")

        def write(session: Session) -> LedgerReceipt:
            merchant = lock_merchant(session, merchant_id)
            available = merchant.deposit_minor - merchant.frozen_minor
            if available < deduction_minor:
                raise PermanentFailure(
                    f"merchant {merchant_id} has {available} available of its deposit, penalty needs {deduction_minor}"
                )
            merchant.deposit_minor -= deduction_minor
            current_block = merchant.listing_blocked_until
            merchant.listing_blocked_until = (
                listing_blocked_until if current_block is None else max(current_block, listing_blocked_until)
            )
            if repeat_offender:
                merchant.deposit_required_minor *= deposit_multiplier
            session.add(merchant)
            session.add(
                Penalty(
                    idempotency_key=key,
                    complaint_id=complaint_id,
                    merchant_id=merchant_id,
                    deduction_minor=deduction_minor,
                    listing_blocked_until=listing_blocked_until,
                    repeat_offender=repeat_offender,
                    deposit_multiplier=deposit_multiplier,
                    created_at=self._clock(),
                )
            )
            if interview_due is not None:
                session.add(
                    RectificationInterview(
                        id=key,
                        complaint_id=complaint_id,
                        merchant_id=merchant_id,
                        due_at=interview_due,
                        created_at=self._clock(),
                    )
                )
            return self._book(
                session,
                key,
                complaint_id,
                merchant_id,
                LedgerKind.PENALTY,
                deduction_minor,
                payer=merchant_account(merchant_id),
                payee=PLATFORM_ACCOUNT,
                reference=None,
            )

        return self._once(key, LedgerKind.PENALTY, write)

    # ---- helpers -------------------------------------------------------------------------------

    def _once(self, key: str, kind: LedgerKind, write: Callable[[Session], LedgerReceipt]) -> LedgerReceipt:
        result, _ = write_once(self._engine, lambda session: existing_receipt(session, key, kind), write)
        return result

    def _book(
        self,
        session: Session,
        key: str,
        complaint_id: str,
        merchant_id: str,
        kind: LedgerKind,
        amount_minor: int,
        *,
        payer: str,
        payee: str,
        reference: str | None,
    ) -> LedgerReceipt:
        entry = LedgerEntry(
            idempotency_key=key,
            complaint_id=complaint_id,
            merchant_id=merchant_id,
            kind=kind.value,
            amount_minor=amount_minor,
            payer=payer,
            payee=payee,
            reference=reference,
            created_at=self._clock(),
        )
        session.add(entry)
        return receipt(entry, created=True)

    @staticmethod
    def _held_for(session: Session, complaint_id: str, merchant_id: str) -> int:
        """What this complaint's freezes still hold: frozen minus already released."""

        def total(kind: LedgerKind) -> int:
            return session.exec(
                select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0)).where(
                    LedgerEntry.complaint_id == complaint_id,
                    LedgerEntry.merchant_id == merchant_id,
                    LedgerEntry.kind == kind.value,
                )
            ).one()

        return total(LedgerKind.DEPOSIT_FREEZE) - total(LedgerKind.DEPOSIT_UNFREEZE)
