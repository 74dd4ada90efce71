"""The negotiation ladder: refund, refund plus gift, platform advance plus merchant penalty."""

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    import workflows.clocks as clocks
    from activities.records import RecordActivities
    from models.activity_io import OfferRecord
    from models.case import Actor, LiabilityState, OfferProposal, OfferResponse, OfferState, Tier3Approval
    from models.enums import (
        ActorKind,
        ClockName,
        ComplaintType,
        OfferStatus,
        Outcome,
        Party,
        RefundMode,
        Severity,
        Stage,
        Tier,
    )
    from policy import ladder
    from workflows.case import SYSTEM, Case, present
    from workflows.guards import conflict, invalid_input, invalid_stage, require_stage

OPEN = (OfferStatus.PENDING, OfferStatus.AWAITING_APPROVAL)
# Severity-A food safety with a carrier fault pays at once (platform advance, recovery from the carrier)
# unless policy.negotiation.food_safety_carrier_requires_supervisor; before it, it waited like any tier-3 offer.
FOOD_SAFETY_CARRIER_PAYS_AT_ONCE = "food-safety-carrier-pays-at-once"


def latest_offer(case: Case) -> OfferState | None:
    return case.state.offers[-1] if case.state.offers else None


async def enter(
    case: Case, *, actor: Actor | None = None, by: tuple[ActorKind, str] = SYSTEM, reason: str = ""
) -> None:
    s = case.state
    s.tier = s.tier or ladder.starting_tier(case.facts.fast_path)
    await case.set_stage(
        Stage.NEGOTIATION, "negotiation_opened", actor=actor, by=by, reason=reason, details={"tier": s.tier.value}
    )


async def enter_fast_path(case: Case, *, actor: Actor) -> None:
    """Severity-A food safety or the logistics circuit breaker: refund first, at tier 3, no haggling."""
    s = case.state
    carrier_fault = case.order.perishable_late
    party = Party.CARRIER if carrier_fault else Party.MERCHANT
    s.liability = LiabilityState(
        party=party, reason="; ".join(case.facts.fast_path), decided_by="policy", suggested=party, automatic=True
    )
    s.tier = ladder.starting_tier(case.facts.fast_path)
    await case.set_stage(
        Stage.NEGOTIATION,
        "fast_path",
        actor=actor,
        reason="; ".join(case.facts.fast_path),
        details={"tier": s.tier.value, "liability": party.value, "reasons": case.facts.fast_path},
    )
    terms = ladder.build_offer(
        tier=s.tier,
        order=case.order,
        refund_minor=None,
        refund_mode=RefundMode.REFUND_ONLY,
        reship=carrier_fault,
        liability=party,
        fast_path_reasons=case.facts.fast_path,
        policy=case.policy,
        refunded_minor=case.consumer_refunded_minor(),
    )
    food_safety = (
        s.classification is not None
        and s.classification.type == ComplaintType.FOOD_SAFETY
        and s.classification.severity == Severity.A
    )
    if (
        carrier_fault
        and food_safety
        and case.patched(FOOD_SAFETY_CARRIER_PAYS_AT_ONCE)
        and not case.policy.negotiation.food_safety_carrier_requires_supervisor
    ):
        await _pay_at_once(case, terms, actor=actor)
        return
    await _place(case, terms, made_by="policy", note="fast path: refund first")


async def _pay_at_once(case: Case, terms: "ladder.OfferTerms", *, actor: Actor) -> None:
    """The offer is the policy's decision, accepted on the consumer's behalf: execution starts now.
    The consumer keeps the survey to re-open the case."""
    now = case.now()
    offer = OfferState(
        offer_id=case.next_id("O"),
        tier=terms.tier,
        refund_mode=terms.refund_mode,
        refund_minor=terms.refund_minor,
        gift_coupon_minor=terms.gift_coupon_minor,
        gift_points=terms.gift_points,
        reship=terms.reship,
        platform_advance=terms.platform_advance,
        recover_from=terms.recover_from,
        status=OfferStatus.ACCEPTED,
        made_at=now,
        made_by="policy",
        due_at=None,
        responded_at=now,
        note="fast path: food safety with a carrier fault, paid at once",
    )
    case.state.offers.append(offer)
    await case.write(RecordActivities.record_offer, OfferRecord(complaint_id=case.state.complaint_id, offer=offer))
    await case.record("offer_made", actor=actor, details={**offer.model_dump(mode="json"), "reasons": terms.reasons})
    await case.notify(case.consumer(), "offer_paid_at_once", offer_id=offer.offer_id, refund_minor=offer.refund_minor)
    await case.set_stage(
        Stage.EXECUTION, "execution_started", actor=actor, details={"offer_id": offer.offer_id, "paid_at_once": True}
    )


async def _place(
    case: Case, terms: "ladder.OfferTerms", *, made_by: str, note: str = "", actor: Actor | None = None
) -> None:
    now = case.now()
    awaiting = terms.requires_approval and terms.tier == Tier.PLATFORM_ADVANCE
    offer = OfferState(
        offer_id=case.next_id("O"),
        tier=terms.tier,
        refund_mode=terms.refund_mode,
        refund_minor=terms.refund_minor,
        gift_coupon_minor=terms.gift_coupon_minor,
        gift_points=terms.gift_points,
        reship=terms.reship,
        platform_advance=terms.platform_advance,
        recover_from=terms.recover_from,
        status=OfferStatus.AWAITING_APPROVAL if awaiting else OfferStatus.PENDING,
        made_at=now,
        made_by=made_by,
        due_at=None if awaiting else now + case.policy.negotiation.offer_response,
        note=note,
    )
    case.state.offers.append(offer)
    await case.write(RecordActivities.record_offer, OfferRecord(complaint_id=case.state.complaint_id, offer=offer))
    await case.record("offer_made", actor=actor, details={**offer.model_dump(mode="json"), "reasons": terms.reasons})
    if awaiting:
        clocks.start(
            case.state, ClockName.TIER3_APPROVAL, now, case.policy.negotiation.supervisor_approval, case.policy
        )
        await case.notify(
            f"queue:{case.policy.escalation.supervisor_queue}", "tier3_approval_needed", offer_id=offer.offer_id
        )
    else:
        await _offer_to_consumer(case, offer)


async def _offer_to_consumer(case: Case, offer: OfferState) -> None:
    await case.notify(
        case.consumer(),
        "offer",
        offer_id=offer.offer_id,
        tier=offer.tier.value,
        refund_minor=offer.refund_minor,
        due_at=present(offer.due_at, "the offer's answer deadline", case.stage).isoformat(),
    )
    await case.set_consumer_wait(True, f"offer {offer.offer_id} awaits the consumer")


async def _save(case: Case, offer: OfferState) -> None:
    await case.write(RecordActivities.record_offer, OfferRecord(complaint_id=case.state.complaint_id, offer=offer))


async def climb(case: Case, reason: str, *, actor: Actor | None = None, by: tuple[ActorKind, str] = SYSTEM) -> None:
    """A declined or lapsed offer moves the case up a rung; past the top, the platform arbitrates."""
    s = case.state
    before = case.tier
    nxt = ladder.next_tier(before)
    if nxt is not None:
        s.tier = nxt
        await case.record(
            "tier_raised", actor=actor, by=by, reason=reason, details={"from": before.value, "to": nxt.value}
        )
        await case.notify(case.staff(), "make_next_offer", tier=nxt.value)
        return
    offer = case.current_offer
    case.facts.arbitrated_offer_id = offer.offer_id
    await case.record(
        "platform_arbitration",
        actor=actor,
        by=by,
        details={"offer_id": offer.offer_id},
        reason=f"{reason}; top tier reached: the platform's decision is final",
    )
    await case.set_stage(
        Stage.EXECUTION,
        "execution_started",
        actor=actor,
        by=by,
        details={"offer_id": offer.offer_id, "arbitrated": True},
    )


def _open_offer_due(case: Case) -> datetime | None:
    offer = latest_offer(case)
    return offer.due_at if offer and offer.status == OfferStatus.PENDING else None


async def _meet_offer_deadline(case: Case) -> None:
    offer = latest_offer(case)
    due = _open_offer_due(case)
    if offer is not None and due is not None and due <= case.now():
        await _offer_deadline(case, offer)


async def run(case: Case) -> None:
    await case.keep_deadline(Stage.NEGOTIATION, lambda: _open_offer_due(case), lambda: _meet_offer_deadline(case))


async def _offer_deadline(case: Case, offer: OfferState) -> None:
    by = (ActorKind.DEADLINE, "deadline:offer")
    if not offer.reminded:
        offer.reminded = True
        offer.due_at = case.now() + case.policy.negotiation.offer_reminder_grace
        await _save(case, offer)
        await case.record(
            "offer_reminder", by=by, details={"offer_id": offer.offer_id, "due_at": offer.due_at.isoformat()}
        )
        await case.notify(case.consumer(), "offer_reminder", offer_id=offer.offer_id)
        return
    offer.status = OfferStatus.LAPSED
    await _save(case, offer)
    await case.record("offer_lapsed", by=by, details={"offer_id": offer.offer_id})
    await case.set_consumer_wait(False, "offer lapsed")
    if case.policy.negotiation.lapse_action == "close":
        await case.finish(Stage.CLOSED, Outcome.UNSUBSTANTIATED, by=by, reason="offer lapsed unanswered")
    else:
        await climb(case, "offer lapsed unanswered", by=by)


# ---- updates ----------------------------------------------------------------------------------------


def _terms(case: Case, p: OfferProposal) -> "ladder.OfferTerms":
    s = case.state
    try:
        return ladder.build_offer(
            tier=case.tier,
            order=case.order,
            refund_minor=p.refund_minor,
            refund_mode=p.refund_mode,
            reship=p.reship,
            liability=s.liability.party if s.liability else None,
            fast_path_reasons=case.facts.fast_path,
            policy=case.policy,
            refunded_minor=case.consumer_refunded_minor(),
        )
    except ladder.LadderError as err:
        raise invalid_input("refund_minor", str(err)) from None


def check_offer(case: Case, p: OfferProposal) -> None:
    require_stage(case.stage, "make_offer", Stage.NEGOTIATION)
    offer = latest_offer(case)
    if offer and offer.status in OPEN:
        raise conflict(f"offer {offer.offer_id} is still open ({offer.status.value})", offer_id=offer.offer_id)
    _terms(case, p)


async def make_offer(case: Case, p: OfferProposal) -> None:
    await _place(case, _terms(case, p), made_by=p.actor.id, note=p.note, actor=p.actor)


def check_response(case: Case, p: OfferResponse) -> None:
    require_stage(case.stage, "respond_to_offer", Stage.NEGOTIATION)
    offer = latest_offer(case)
    if offer is None or offer.status != OfferStatus.PENDING:
        raise invalid_stage(case.stage, "respond_to_offer", "a pending offer")
    if offer.offer_id != p.offer_id:
        raise conflict(f"offer {p.offer_id} is not the open offer ({offer.offer_id})", offer_id=offer.offer_id)


async def respond(case: Case, p: OfferResponse) -> None:
    offer = case.current_offer
    offer.status = OfferStatus.ACCEPTED if p.accept else OfferStatus.DECLINED
    offer.responded_at = case.now()
    await _save(case, offer)
    await case.record(
        "offer_accepted" if p.accept else "offer_declined",
        actor=p.actor,
        reason=p.reason or "",
        details={"offer_id": offer.offer_id, "tier": offer.tier.value},
    )
    await case.set_consumer_wait(False, "consumer answered the offer")
    if p.accept:
        await case.set_stage(Stage.EXECUTION, "execution_started", actor=p.actor, details={"offer_id": offer.offer_id})
    else:
        await climb(case, p.reason or "consumer declined", actor=p.actor)


def check_approval(case: Case, p: Tier3Approval) -> None:
    require_stage(case.stage, "approve_tier3", Stage.NEGOTIATION)
    offer = case.current_offer
    if offer is None or offer.status != OfferStatus.AWAITING_APPROVAL:
        raise invalid_stage(case.stage, "approve_tier3", "a tier-3 offer awaiting approval")


async def approve(case: Case, p: Tier3Approval) -> None:
    offer = case.current_offer
    clocks.stop(case.state, ClockName.TIER3_APPROVAL)
    if p.approve:
        offer.status = OfferStatus.PENDING
        offer.due_at = case.now() + case.policy.negotiation.offer_response
    else:
        offer.status = OfferStatus.REJECTED_BY_SUPERVISOR
    await _save(case, offer)
    await case.record(
        "tier3_approved" if p.approve else "tier3_rejected",
        actor=p.actor,
        reason=p.reason,
        details={"offer_id": offer.offer_id},
    )
    if p.approve:
        await _offer_to_consumer(case, offer)
