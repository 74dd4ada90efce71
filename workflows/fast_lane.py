"""The trusted merchant's fast lane: self-service compensation inside policy limits (docs/INSIGHTS.md).

Before the execution stage, the case's merchant may offer the consumer a tier-1 refund, or a tier-2
refund plus gift, itself. The handler asks for the merchant's standing through an activity, so the
standing the decision used is in the history (replay) and in the audit record (timeline); only a
`trusted` standing proceeds. The offer then follows the ordinary ladder: the consumer accepts (execution,
review and close need no agent step) or declines (the next tier, worked by an agent).
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    import workflows.clocks as clocks
    import workflows.negotiation as negotiation
    from activities.insights import CaseStanding, InsightsActivities, StandingForCase
    from insights.self_service import self_service_terms
    from models.case import LiabilityState
    from models.enums import ClockName, OfferStatus, Party, Role, Stage
    from models.fast_lane import MerchantSettlement
    from policy.ladder import LadderError, OfferTerms
    from workflows.case import Case
    from workflows.guards import conflict, invalid_input, invalid_stage, not_allowed, require_stage

PATCH = "fast-lane-self-service"
SETTLE_STAGES = (Stage.CLASSIFICATION, Stage.EVIDENCE, Stage.NEGOTIATION)
TRUSTED = "trusted"


def _terms(case: Case, p: MerchantSettlement) -> OfferTerms:
    order = case.state.order
    if order is None:
        raise invalid_stage(case.stage, "merchant_settle", "a case whose order is verified")
    try:
        return self_service_terms(
            order=order,
            refund_minor=p.refund_minor,
            refund_mode=p.refund_mode,
            coupon_minor=p.coupon_minor,
            points=p.points,
            policy=case.policy,
            refunded_minor=case.consumer_refunded_minor(),
        )
    except LadderError as err:
        raise invalid_input("refund_minor", str(err)) from None


def check(case: Case, p: MerchantSettlement) -> None:
    if p.actor.role != Role.MERCHANT:
        raise not_allowed("only the case's merchant settles through the fast lane")
    require_stage(case.stage, "merchant_settle", *SETTLE_STAGES)
    if case.facts.fast_path:
        raise conflict("a fast-path case is refunded by the platform first", reasons=case.facts.fast_path)
    offer = negotiation.latest_offer(case)
    if offer is not None and offer.status in negotiation.OPEN:
        raise conflict(f"offer {offer.offer_id} is still open ({offer.status.value})", offer_id=offer.offer_id)
    if any(o.status == OfferStatus.DECLINED for o in case.state.offers):
        raise conflict("the consumer declined an offer already: the case climbs the ladder with an agent")
    _terms(case, p)


async def settle(case: Case, p: MerchantSettlement) -> None:
    # Marks the history of a case started before PATCHES_AT_START: it ran with the fast lane (later cases
    # carry every marker from their start, workflows/patches.py).
    case.patched(PATCH)
    s = case.state
    standing: CaseStanding = await case.activity(
        InsightsActivities.standing_for_case,
        StandingForCase(complaint_id=s.complaint_id, merchant_id=case.merchant_id),
    )
    if standing.tier != TRUSTED:
        raise not_allowed(
            f"the fast lane is for trusted merchants; merchant {s.merchant_id} stands as "
            f"{standing.tier.value} ({standing.reason})"
        )
    terms = _terms(case, p)
    # The merchant's own offer is the consumer's first contact: no agent is owed one any more.
    case.facts.first_contact_made = True
    clocks.stop(s, ClockName.FIRST_CONTACT)
    s.liability = LiabilityState(
        party=Party.MERCHANT,
        reason="the merchant settled the case itself (fast lane)",
        decided_by=p.actor.id,
        suggested=s.liability_suggestion,
    )
    s.tier = terms.tier
    details = {
        "standing": standing.model_dump(mode="json"),
        "tier": terms.tier.value,
        "refund_minor": terms.refund_minor,
        "coupon_minor": terms.gift_coupon_minor,
        "points": terms.gift_points,
    }
    reason = f"fast lane: merchant {s.merchant_id} stands as trusted ({standing.reason})"
    if case.stage != Stage.NEGOTIATION:
        await case.set_stage(
            Stage.NEGOTIATION, "merchant_self_settlement", actor=p.actor, reason=reason, details=details
        )
    else:
        await case.record("merchant_self_settlement", actor=p.actor, reason=reason, details=details)
    await negotiation._place(
        case, terms, made_by=p.actor.id, note=p.note or "fast lane: self-service compensation", actor=p.actor
    )
