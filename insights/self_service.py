"""The fast lane's terms: what a trusted merchant may offer on its own. Pure, deterministic, workflow-safe."""

from models.case import OrderFacts
from models.enums import RefundMode, Tier
from models.policy import Policy
from policy.ladder import LadderError, OfferTerms
from policy.money import refund_remainder


def self_service_terms(
    *,
    order: OrderFacts,
    refund_minor: int | None,
    refund_mode: RefundMode,
    coupon_minor: int,
    points: int,
    policy: Policy,
    refunded_minor: int = 0,
) -> OfferTerms:
    """A tier-1 refund, or a tier-2 refund plus gift, inside insights.fast_lane's limits; LadderError otherwise."""
    lane = policy.insights.fast_lane
    if not lane.enabled:
        raise LadderError("the fast lane is switched off by policy (insights.fast_lane.enabled)")
    remainder = refund_remainder(order.paid_minor, refunded_minor)  # earlier rounds count (refund cap)
    refund = remainder if refund_minor is None else refund_minor
    if refund > remainder:
        raise LadderError(
            f"refund {refund} is above the {remainder} that may still be refunded "
            f"({order.paid_minor} paid, {refunded_minor} refunded already)"
        )
    if refund > lane.max_refund_minor:
        raise LadderError(
            f"refund {refund} is above the fast lane's limit {lane.max_refund_minor}; an agent handles this case"
        )
    if coupon_minor > lane.max_coupon_minor:
        raise LadderError(f"coupon {coupon_minor} is above the fast lane's limit {lane.max_coupon_minor}")
    if points > lane.max_points:
        raise LadderError(f"points {points} are above the fast lane's limit {lane.max_points}")
    gift = coupon_minor > 0 or points > 0
    return OfferTerms(
        tier=Tier.REFUND_PLUS_GIFT if gift else Tier.REFUND,
        refund_mode=refund_mode,
        refund_minor=refund,
        gift_coupon_minor=coupon_minor,
        gift_points=points,
        reship=False,
        platform_advance=False,
        recover_from=None,
        requires_approval=False,
        penalise_merchant=False,
        reasons=["fast lane: a trusted merchant settles within policy limits (self-service compensation)"],
    )
