"""Execution as a saga: every money step idempotent by key; a permanent failure compensates in reverse."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    import workflows.clocks as clocks
    from activities.money import MoneyActivities
    from activities.records import RecordActivities
    from models.activity_io import (
        DepositHold,
        MoneyMovement,
        PenaltyOrder,
        ReshipmentRecord,
        ReversalOrder,
        StandingQuery,
    )
    from models.case import ExecutionStep, OfferState
    from models.enums import (
        ActorKind,
        ClockName,
        ComplaintType,
        LedgerKind,
        OfferStatus,
        Outcome,
        Party,
        Stage,
        SupervisorDecision,
    )
    from models.platform import LedgerReceipt
    from policy import penalties
    from workflows.case import BrokenInvariant, Case

DEADLINE = (ActorKind.DEADLINE, "deadline:execution")
# docs/VERSIONING.md: cases started before it reuse round 1's merchant refund reference in later rounds.
REFUND_PER_ROUND = "merchant-refund-per-round"
# Penalties follow the case's type and liability (policy.penalties.by_type), not the tier; a repeat
# offender's rectification interview becomes a supervisor task with a deadline.
PENALTY_FOLLOWS_LIABILITY = "penalty-follows-liability"


def accepted_offer(case: Case) -> OfferState:
    for offer in reversed(case.state.offers):
        if offer.status == OfferStatus.ACCEPTED or offer.offer_id == case.facts.arbitrated_offer_id:
            return offer
    raise BrokenInvariant("stage execution expects an accepted (or arbitrated) offer, and the case has none")


def _money_retry(case: Case) -> RetryPolicy:
    e = case.policy.execution
    return RetryPolicy(
        initial_interval=e.retry_initial,
        maximum_interval=e.retry_maximum,
        maximum_attempts=e.retry_attempts,
        non_retryable_error_types=["PermanentFailure"],
    )


class _Saga:
    def __init__(self, case: Case, offer: OfferState) -> None:
        self.case, self.offer = case, offer
        self.done: list[tuple[str, str, int]] = []  # (step, key, amount) in order, for compensation
        self.frozen: tuple[str, int] | None = None

    def key(self, step: str) -> str:
        c = self.case
        return f"{c.state.complaint_id}:{self.offer.offer_id}:r{c.facts.execution_round}:{step}"

    async def _step(
        self, name: str, activity: Callable[[Any, Any], LedgerReceipt], arg: Any, amount: int, detail: str = ""
    ) -> LedgerReceipt:
        receipt = await self.case.activity(activity, arg, retry=_money_retry(self.case), timeout=timedelta(seconds=30))
        self.done.append((name, arg.key, receipt.amount_minor))
        self.case.state.execution.append(
            ExecutionStep(name=name, key=arg.key, status="done", amount_minor=receipt.amount_minor, detail=detail)
        )
        await self.case.record(
            "money_moved" if activity is MoneyActivities.move_money else name,
            details={
                "step": name,
                "key": arg.key,
                "amount_minor": receipt.amount_minor,
                "detail": detail,
                "first_time": receipt.created,
            },
        )
        return receipt

    async def pay(
        self, name: str, kind: LedgerKind, amount: int, payer: str, payee: str, reference: str | None = None
    ) -> None:
        s = self.case.state
        # Money to the consumer for the line is capped by the ledger at what the line cost, across rounds.
        capped = kind in (LedgerKind.MERCHANT_REFUND, LedgerKind.PLATFORM_ADVANCE)
        await self._step(
            name,
            MoneyActivities.move_money,
            MoneyMovement(
                key=self.key(name),
                complaint_id=s.complaint_id,
                kind=kind,
                amount_minor=amount,
                payer=payer,
                payee=payee,
                merchant_id=s.merchant_id,
                reference=reference,
                order_line_id=self.case.order.order_line_id if capped else None,
                line_paid_minor=self.case.order.paid_minor if capped else None,
            ),
            amount,
            f"{payer} → {payee}",
        )

    async def freeze(self, amount: int) -> None:
        s = self.case.state
        hold = DepositHold(
            key=self.key("freeze"), complaint_id=s.complaint_id, merchant_id=self.case.merchant_id, amount_minor=amount
        )
        receipt = await self._step("deposit_frozen", MoneyActivities.freeze_deposit, hold, amount)
        self.frozen = (hold.key, receipt.amount_minor)

    async def unfreeze(self, suffix: str = "unfreeze") -> None:
        if self.frozen is None:
            return
        s = self.case.state
        hold = DepositHold(
            key=self.key(suffix),
            complaint_id=s.complaint_id,
            merchant_id=self.case.merchant_id,
            amount_minor=self.frozen[1],
        )
        # Releasing a hold must eventually succeed: retried until it does, never compensated.
        await self.case.activity(MoneyActivities.unfreeze_deposit, hold)
        s.execution.append(
            ExecutionStep(name="deposit_unfrozen", key=hold.key, status="done", amount_minor=self.frozen[1])
        )
        await self.case.record("deposit_unfrozen", details={"key": hold.key, "amount_minor": self.frozen[1]})
        self.frozen = None


async def run(case: Case) -> None:
    while case.stage == Stage.EXECUTION:
        if await _execute(case):
            async with case.locked():
                for name in (ClockName.SOLUTION, ClockName.DISPUTE_LIMIT):
                    clocks.stop(case.state, name)
                await case.set_stage(Stage.REVIEW, "execution_completed")
            return
        await case.wait_for(lambda: case.facts.execution_decision is not None)
        async with case.locked():
            if case.stage == Stage.EXECUTION and case.facts.execution_decision == SupervisorDecision.RETRY_EXECUTION:
                case.facts.execution_decision = None
                case.facts.execution_round += 1
                case.state.outcome = None
                await case.record("execution_retried", details={"round": case.facts.execution_round})


async def _execute(case: Case) -> bool:
    saga = _Saga(case, accepted_offer(case))
    try:
        await _steps(case, saga)
        return True
    except ActivityError as err:
        cause = getattr(err.cause, "message", None) or str(err)
        async with case.locked():
            await _compensate(case, saga, cause)
        return False


async def _steps(case: Case, saga: _Saga) -> None:
    s, offer = case.state, saga.offer
    consumer, merchant = f"consumer:{s.consumer_id}", f"merchant:{s.merchant_id}"
    if offer.platform_advance:
        await saga.pay("platform_advance", LedgerKind.PLATFORM_ADVANCE, offer.refund_minor, "platform", consumer)
        if offer.recover_from in (Party.MERCHANT, Party.CARRIER):
            debtor = merchant if offer.recover_from == Party.MERCHANT else f"carrier:{case.order.carrier or 'unknown'}"
            await saga.pay("recovery", LedgerKind.RECOVERY, offer.refund_minor, debtor, "platform")
    elif offer.refund_minor > 0:
        await saga.freeze(offer.refund_minor)
        await _merchant_refund(case, saga, consumer, merchant)
    if offer.gift_coupon_minor:
        await saga.pay("coupon", LedgerKind.COUPON, offer.gift_coupon_minor, "platform", consumer)
    if offer.gift_points:
        await saga.pay("points", LedgerKind.POINTS, offer.gift_points, "platform", consumer)
    if offer.reship:
        await _reship(case, saga)
    if case.patched(PENALTY_FOLLOWS_LIABILITY):
        due, why = penalties.penalty_due(
            complaint_type=s.classification.type if s.classification else ComplaintType.QUALITY_DEFECT,
            liable=s.liability.party if s.liability else None,
            tier=offer.tier,
            policy=case.policy.penalties,
        )
        await case.record("penalty_decided", details={"penalise": due, "reason": why})
        if due:
            await _penalise(case, saga, why)
    elif offer.platform_advance and offer.recover_from == Party.MERCHANT:
        await _penalise(case, saga)
    await saga.unfreeze()


async def _merchant_refund(case: Case, saga: _Saga, consumer: str, merchant: str) -> None:
    if case.patched(REFUND_PER_ROUND):
        # Each round's refund needs its own confirmation: an earlier round's reference pays nothing again.
        case.facts.merchant_refund_ref = None
    until = case.now() + case.policy.execution.merchant_refund
    case.facts.awaiting_merchant_refund_until = until
    await case.record(
        "merchant_refund_requested", details={"due_at": until.isoformat(), "amount_minor": saga.offer.refund_minor}
    )
    await case.notify(case.merchant(), "refund_due", amount_minor=saga.offer.refund_minor, due_at=until.isoformat())
    confirmed = await case.wait_for(lambda: case.facts.merchant_refund_ref is not None, until)
    case.facts.awaiting_merchant_refund_until = None
    if confirmed and case.facts.merchant_refund_ref:
        await saga.pay(
            "merchant_refund",
            LedgerKind.MERCHANT_REFUND,
            saga.offer.refund_minor,
            merchant,
            consumer,
            reference=case.facts.merchant_refund_ref,
        )
        return
    await case.record("merchant_refund_missed", by=DEADLINE, reason="merchant did not refund in time: platform pays")
    await saga.pay("platform_advance", LedgerKind.PLATFORM_ADVANCE, saga.offer.refund_minor, "platform", consumer)
    await saga.pay("recovery", LedgerKind.RECOVERY, saga.offer.refund_minor, merchant, "platform")


async def _reship(case: Case, saga: _Saga) -> None:
    s = case.state
    ship_by = case.now() + case.policy.execution.reship
    key = saga.key("reship")
    case.facts.awaiting_shipment_until = ship_by
    await case.write(
        RecordActivities.record_reshipment, ReshipmentRecord(key=key, complaint_id=s.complaint_id, ship_by=ship_by)
    )
    await case.notify(case.merchant(), "reship_due", ship_by=ship_by.isoformat())
    shipped = await case.wait_for(lambda: case.facts.shipment is not None, ship_by)
    case.facts.awaiting_shipment_until = None
    if shipped and case.facts.shipment:
        carrier, tracking = case.facts.shipment.carrier, case.facts.shipment.tracking_number
        await case.write(
            RecordActivities.record_reshipment,
            ReshipmentRecord(
                key=key,
                complaint_id=s.complaint_id,
                ship_by=ship_by,
                carrier=carrier,
                tracking_number=tracking,
                shipped_at=case.now(),
            ),
        )
        s.execution.append(ExecutionStep(name="reshipped", key=key, status="done", detail=f"{carrier} {tracking}"))
        await case.record("reshipped", details={"carrier": carrier, "tracking_number": tracking})
        return
    async with case.locked():
        await case.escalate("reship deadline missed", clock=ClockName.RESHIP, due_at=ship_by, by=DEADLINE)


async def _penalise(case: Case, saga: _Saga, why: str = "") -> None:
    s = case.state
    now = case.now()
    standing = await case.activity(
        MoneyActivities.merchant_standing,
        StandingQuery(merchant_id=case.merchant_id, since=now - case.policy.penalties.repeat_offender_window),
    )
    terms = penalties.compute_penalty(
        paid_minor=case.order.paid_minor,
        penalties_in_window=standing.penalties_in_window,
        now=now,
        policy=case.policy.penalties,
    )
    order = PenaltyOrder(
        key=saga.key("penalty"),
        complaint_id=s.complaint_id,
        merchant_id=case.merchant_id,
        deduction_minor=terms.deduction_minor,
        listing_blocked_until=terms.listing_blocked_until,
        deposit_multiplier=terms.deposit_multiplier,
        repeat_offender=terms.repeat_offender,
        rectification_interview_due=terms.rectification_interview_due if why else None,
    )
    reasons = [why, *terms.reasons] if why else terms.reasons
    await saga._step("penalty", MoneyActivities.apply_penalty, order, terms.deduction_minor, "; ".join(reasons))
    if why and terms.rectification_interview_due is not None:
        await _schedule_interview(case, terms.rectification_interview_due)


async def _schedule_interview(case: Case, due_at: datetime) -> None:
    """A repeat offender's rectification interview: a supervisor task with its own deadline (a pending
    action of the supervisors while the case is open, and a notification to their queue that outlives it)."""
    case.facts.rectification_interview_due = due_at
    await case.record(
        "rectification_interview_scheduled",
        details={"merchant_id": case.state.merchant_id, "due_at": due_at.isoformat()},
    )
    await case.notify(
        f"queue:{case.policy.escalation.supervisor_queue}",
        "rectification_interview_due",
        merchant_id=case.state.merchant_id,
        due_at=due_at.isoformat(),
    )


async def _compensate(case: Case, saga: _Saga, cause: str) -> None:
    """Undo what was done, newest first; then a supervisor decides (retry, renegotiate or close)."""
    s = case.state
    undone = []
    for name, key, _amount in reversed(saga.done):
        if name == "deposit_frozen":
            await saga.unfreeze("compensate-unfreeze")
        elif name != "penalty":
            await case.activity(MoneyActivities.reverse_money, ReversalOrder(key=f"{key}:reversal", original_key=key))
        else:
            continue
        undone.append(name)
        for step in s.execution:
            if step.key == key:
                step.status = "compensated"
    s.outcome = Outcome.EXECUTION_FAILED
    await case.record("execution_failed", reason=cause, details={"compensated": undone})
    await case.escalate(
        f"execution failed: {cause}", clock=ClockName.EXECUTION, due_at=case.now(), by=(ActorKind.SYSTEM, "system")
    )
