"""Execution activities: deposits, payments, penalties. Idempotent by key; refusals are permanent."""

from temporalio import activity
from temporalio.exceptions import ApplicationError

from adapters.ports import MerchantDeposits, PaymentGateway, PermanentFailure
from models.activity_io import DepositHold, MoneyMovement, PenaltyOrder, ReversalOrder, StandingQuery
from models.platform import LedgerReceipt, MerchantStanding


def _permanent(err: PermanentFailure) -> ApplicationError:
    return ApplicationError(str(err), type="PermanentFailure", non_retryable=True)


class MoneyActivities:
    def __init__(self, deposits: MerchantDeposits, payments: PaymentGateway) -> None:
        self._deposits = deposits
        self._payments = payments

    @activity.defn(name="freeze_deposit")
    def freeze_deposit(self, hold: DepositHold) -> LedgerReceipt:
        try:
            return self._deposits.freeze(hold.key, hold.complaint_id, hold.merchant_id, hold.amount_minor)
        except PermanentFailure as err:
            raise _permanent(err) from err

    @activity.defn(name="unfreeze_deposit")
    def unfreeze_deposit(self, hold: DepositHold) -> LedgerReceipt:
        return self._deposits.unfreeze(hold.key, hold.complaint_id, hold.merchant_id, hold.amount_minor)

    @activity.defn(name="move_money")
    def move_money(self, m: MoneyMovement) -> LedgerReceipt:
        try:
            return self._payments.pay(
                m.key,
                m.complaint_id,
                m.kind,
                m.amount_minor,
                m.payer,
                m.payee,
                merchant_id=m.merchant_id,
                reference=m.reference,
                order_line_id=m.order_line_id,
                line_paid_minor=m.line_paid_minor,
            )
        except PermanentFailure as err:
            raise _permanent(err) from err

    @activity.defn(name="reverse_money")
    def reverse_money(self, r: ReversalOrder) -> LedgerReceipt | None:
        return self._payments.reverse(r.key, r.original_key)

    @activity.defn(name="merchant_standing")
    def merchant_standing(self, q: StandingQuery) -> MerchantStanding:
        return self._deposits.standing(q.merchant_id, q.since)

    @activity.defn(name="apply_penalty")
    def apply_penalty(self, p: PenaltyOrder) -> LedgerReceipt:
        try:
            return self._deposits.apply_penalty(
                p.key,
                p.complaint_id,
                p.merchant_id,
                p.deduction_minor,
                p.listing_blocked_until,
                p.deposit_multiplier,
                p.repeat_offender,
                p.rectification_interview_due,
            )
        except PermanentFailure as err:
            raise _permanent(err) from err
