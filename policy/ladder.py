"""The negotiation ladder: refund → refund plus gift → platform advance payment plus merchant penalty."""

from pydantic import BaseModel

from models.case import ClassificationResult, OrderFacts
from models.enums import Category, ComplaintType, Party, RefundMode, Severity, Tier
from models.policy import GiftPolicy, Policy
from policy.money import percent_of, refund_remainder

PERISHABLE_CATEGORIES = frozenset({Category.FRESH, Category.FOOD})
_LADDER = (Tier.REFUND, Tier.REFUND_PLUS_GIFT, Tier.PLATFORM_ADVANCE)


class LadderError(ValueError):
    """An offer the ladder does not allow (e.g. a refund above what the consumer paid)."""


class OfferTerms(BaseModel):
    tier: Tier
    refund_mode: RefundMode
    refund_minor: int
    gift_coupon_minor: int
    gift_points: int
    reship: bool
    platform_advance: bool
    recover_from: Party | None
    requires_approval: bool
    penalise_merchant: bool
    reasons: list[str]


def circuit_breaker(order: OrderFacts, liability: Party | None) -> str | None:
    """Why the logistics circuit breaker fires for this order (refund first plus reship), if it does."""
    if order.perishable_late:
        return f"perishable ({order.category.value}) shipment late or abnormal: logistics circuit breaker"
    if liability == Party.CARRIER and order.category in PERISHABLE_CATEGORIES:
        return f"carrier liable for a perishable ({order.category.value}) order: logistics circuit breaker"
    return None


def fast_path(classification: ClassificationResult, order: OrderFacts, liability: Party | None) -> list[str]:
    """Reasons to skip the first rungs and pay refund-first at platform advance; empty when none apply."""
    reasons = []
    if classification.severity == Severity.A and classification.type == ComplaintType.FOOD_SAFETY:
        reasons.append("severity-A food safety: the consumer is refunded first, questions come later")
    breaker = circuit_breaker(order, liability)
    if breaker:
        reasons.append(breaker)
    return reasons


def starting_tier(fast_path_reasons: list[str]) -> Tier:
    return Tier.PLATFORM_ADVANCE if fast_path_reasons else Tier.REFUND


def next_tier(tier: Tier) -> Tier | None:
    """The rung above `tier`; None at the top of the ladder."""
    index = _LADDER.index(tier)
    return _LADDER[index + 1] if index + 1 < len(_LADDER) else None


def gift_coupon_minor(paid_minor: int, gift: GiftPolicy) -> int:
    if gift.mode == "fixed":
        return gift.fixed_minor
    return max(percent_of(paid_minor, gift.percent), gift.minimum_minor)


def build_offer(
    *,
    tier: Tier,
    order: OrderFacts,
    refund_minor: int | None,
    refund_mode: RefundMode,
    reship: bool,
    liability: Party | None,
    fast_path_reasons: list[str],
    policy: Policy,
    refunded_minor: int = 0,
) -> OfferTerms:
    """The complete terms of an offer at `tier`, every amount from the policy, every choice explained.

    `refunded_minor` is what earlier rounds already paid the consumer for the line (refunds and platform
    advances): a later round offers at most the remainder, and defaults to it.
    """
    paid = order.paid_minor
    remainder = refund_remainder(paid, refunded_minor)
    if refund_minor is not None and refund_minor > remainder:
        limit = (
            f"the paid amount {paid}"
            if remainder == paid
            else f"the remainder {remainder} ({paid} paid, {refunded_minor} already refunded)"
        )
        raise LadderError(f"refund_minor {refund_minor} exceeds {limit} (the limit)")
    if refund_minor is not None and refund_minor < 0:
        raise LadderError(f"refund_minor {refund_minor} is negative; the lowest allowed is 0")
    refund = remainder if refund_minor is None else refund_minor
    reasons = [f"tier {tier.rank} ({tier.value})"]
    reasons.append(f"refund {refund} of {paid} paid" + (" (the full paid amount)" if refund == paid else ""))
    if refunded_minor > 0:
        reasons.append(f"{refunded_minor} already refunded in earlier rounds: at most {remainder} remains")

    coupon = points = 0
    if tier.rank >= 2:
        gift = policy.negotiation.gift
        coupon, points = gift_coupon_minor(paid, gift), gift.points
        reasons.append(f"gift coupon {coupon} ({_gift_rule(gift)}) and {points} points")

    breaker = circuit_breaker(order, liability)
    if breaker and not reship:
        reship = True
        reasons.append(f"reship added: {breaker}")

    recover_from, requires_approval = None, False
    if tier == Tier.PLATFORM_ADVANCE:
        reasons.extend(f"fast path: {reason}" for reason in fast_path_reasons)
        recover_from, recovery_reason = _recover_from(liability, breaker)
        reasons.append("platform pays the consumer at once; " + recovery_reason)
        requires_approval = policy.negotiation.tier3_requires_supervisor
        reasons.append(
            "a supervisor approves tier-3 offers"
            if requires_approval
            else "policy lets tier-3 offers go out without supervisor approval"
        )
    penalise = recover_from == Party.MERCHANT
    if penalise:
        reasons.append("merchant penalised: it bears the liability for a tier-3 outcome")

    return OfferTerms(
        tier=tier,
        refund_mode=refund_mode,
        refund_minor=refund,
        gift_coupon_minor=coupon,
        gift_points=points,
        reship=reship,
        platform_advance=tier == Tier.PLATFORM_ADVANCE,
        recover_from=recover_from,
        requires_approval=requires_approval,
        penalise_merchant=penalise,
        reasons=reasons,
    )


def _gift_rule(gift: GiftPolicy) -> str:
    if gift.mode == "fixed":
        return "fixed voucher"
    return f"{gift.percent:g}% of the paid amount, at least {gift.minimum_minor}"


def _recover_from(liability: Party | None, breaker: str | None) -> tuple[Party | None, str]:
    if liability in (Party.MERCHANT, Party.CARRIER):
        return liability, f"recovered from the {liability.value}, who is liable"
    if liability in (Party.PLATFORM, Party.CONSUMER):
        # Recovering from a merchant that is not liable would fine an innocent party.
        return None, f"nothing recovered: the {liability.value} is liable, the platform bears the cost"
    if breaker:
        return Party.CARRIER, "recovered from the carrier (logistics circuit breaker, no liability decided)"
    return Party.MERCHANT, "recovered from the merchant (no liability decided: the seller answers first)"
