"""Steps valid in any open stage: withdraw, assign or claim, pause and resume the clock, merchant follow-ups."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    import workflows.limits as limits
    from activities.records import RecordActivities
    from models.activity_io import OfferRecord
    from models.case import Assignment, ClockControl, MerchantRefundConfirmation, ShipmentConfirmation, Withdrawal
    from models.enums import OfferStatus, Outcome, Role, Stage
    from workflows.case import Case
    from workflows.facts import Shipment
    from workflows.guards import conflict, invalid_stage, not_allowed, require_stage

# An offer still open when the consumer withdraws is closed as `withdrawn` (it stayed "pending" before).
WITHDRAWAL_CLOSES_OFFERS = "withdrawal-closes-offers"
BEFORE_EXECUTION = (Stage.INTAKE, Stage.CLASSIFICATION, Stage.EVIDENCE, Stage.NEGOTIATION)
PAUSABLE_STAGES = (Stage.EVIDENCE, Stage.NEGOTIATION, Stage.EXECUTION)


def check_withdraw(case: Case, p: Withdrawal) -> None:
    require_stage(case.stage, "withdraw", *BEFORE_EXECUTION)


async def withdraw(case: Case, p: Withdrawal) -> None:
    if case.patched(WITHDRAWAL_CLOSES_OFFERS):
        for offer in case.state.offers:
            if offer.status in (OfferStatus.PENDING, OfferStatus.AWAITING_APPROVAL):
                offer.status, offer.responded_at = OfferStatus.WITHDRAWN, case.now()
                await case.write(
                    RecordActivities.record_offer, OfferRecord(complaint_id=case.state.complaint_id, offer=offer)
                )
    await case.finish(Stage.WITHDRAWN, Outcome.WITHDRAWN, actor=p.actor, reason=p.reason)


def _require_open(case: Case, action: str) -> None:
    if case.stage.is_terminal:
        raise invalid_stage(case.stage, action, "an open case")


def check_assign(case: Case, p: Assignment) -> None:
    _require_open(case, "assign")
    escalated = case.state.assignee == case.policy.escalation.supervisor_queue
    if escalated and p.actor.role != Role.SUPERVISOR:
        raise not_allowed("the case is in the supervisor queue: only a supervisor can reassign it")
    if p.actor.role == Role.AGENT and p.assignee not in (None, p.actor.id):
        raise not_allowed("agents can only claim cases for themselves")
    if (p.assignee or p.actor.id) == case.state.assignee:
        raise conflict(f"already assigned to {case.state.assignee}")
    if (
        p.actor.role == Role.AGENT
        and case.state.assignee not in (None, p.actor.id)
        and not escalated
        and not p.takeover
    ):
        # Another agent is working this case: taking it from them is a decision, said out loud and audited.
        raise conflict(f"the case is claimed by {case.state.assignee}; send takeover: true to take it over")
    limits.check_assignment(case)


async def assign(case: Case, p: Assignment) -> None:
    before = case.state.assignee
    case.facts.assignments += 1
    case.state.assignee = p.assignee or p.actor.id
    details: dict[str, object] = {"from": before, "to": case.state.assignee}
    if p.takeover and before is not None:
        details["takeover"] = True
    await case.record("assigned", actor=p.actor, details=details)


def check_clock(case: Case, p: ClockControl) -> None:
    require_stage(case.stage, "control_clock", *PAUSABLE_STAGES)
    if p.pause == case.facts.manual_pause:
        raise conflict("the clock is already " + ("paused" if p.pause else "running"))
    if p.pause:
        limits.check_pause(case)


async def control_clock(case: Case, p: ClockControl) -> None:
    case.facts.manual_pauses += p.pause
    await case.set_manual_pause(p.pause, p.reason, p.actor)


def check_merchant_refund(case: Case, p: MerchantRefundConfirmation) -> None:
    if case.facts.awaiting_merchant_refund_until is None:
        raise invalid_stage(case.stage, "confirm_merchant_refund", "execution awaiting the merchant's refund")
    if case.facts.merchant_refund_ref is not None:
        raise conflict("the merchant refund is already confirmed")
    if p.reference in case.facts.merchant_refund_refs:
        raise conflict(f"refund reference {p.reference!r} already confirmed an earlier round's refund")


async def confirm_merchant_refund(case: Case, p: MerchantRefundConfirmation) -> None:
    case.facts.merchant_refund_ref = p.reference
    case.facts.merchant_refund_refs.append(p.reference)
    await case.record("merchant_refund_confirmed", actor=p.actor, details={"reference": p.reference})


def check_shipment(case: Case, p: ShipmentConfirmation) -> None:
    if case.facts.awaiting_shipment_until is None:
        raise invalid_stage(case.stage, "confirm_shipment", "execution awaiting the reshipment")
    if case.facts.shipment is not None:
        raise conflict("the reshipment is already confirmed")


async def confirm_shipment(case: Case, p: ShipmentConfirmation) -> None:
    case.facts.shipment = Shipment(carrier=p.carrier, tracking_number=p.tracking_number)
    await case.record(
        "shipment_confirmed", actor=p.actor, details={"carrier": p.carrier, "tracking_number": p.tracking_number}
    )
