"""Closed-loop review: reading the satisfaction survey and attributing the root cause."""

from models.case import ClassificationResult
from models.enums import ComplaintType, Party, RootCause
from models.policy import ReviewPolicy

_UNSUBSTANTIATED_OUTCOMES = frozenset({"unsubstantiated", "rejected", "invalid", "incomplete"})
_PRODUCT_TYPES = frozenset(
    {ComplaintType.QUALITY_DEFECT, ComplaintType.COUNTERFEIT, ComplaintType.NOT_AS_DESCRIBED, ComplaintType.FOOD_SAFETY}
)
_BY_PARTY = {Party.CARRIER: RootCause.CARRIER, Party.CONSUMER: RootCause.CONSUMER, Party.PLATFORM: RootCause.PLATFORM}


def survey_satisfied(resolved_score: int, communication_score: int, policy: ReviewPolicy) -> tuple[bool, str]:
    """Satisfied only when both scores reach the threshold: a fix delivered rudely is not a success."""
    threshold = policy.satisfaction_threshold
    low = [
        f"{name} {score}"
        for name, score in (("resolved", resolved_score), ("communication", communication_score))
        if score < threshold
    ]
    if low:
        return False, f"below the satisfaction threshold {threshold}: {', '.join(low)}"
    return True, f"resolved {resolved_score} and communication {communication_score} reach the threshold {threshold}"


def root_cause(*, outcome: str, classification: ClassificationResult | None, liability: Party | None) -> RootCause:
    """The attribution a closed case feeds into merchant/SKU/root-cause analysis."""
    if outcome == "withdrawn":
        return RootCause.WITHDRAWN
    if outcome in _UNSUBSTANTIATED_OUTCOMES:
        return RootCause.UNSUBSTANTIATED
    ctype = classification.type if classification is not None else None
    if liability == Party.MERCHANT:
        return RootCause.MERCHANT_PRODUCT if ctype in _PRODUCT_TYPES else RootCause.MERCHANT_SERVICE
    if liability is not None:
        return _BY_PARTY[liability]
    if ctype == ComplaintType.LOGISTICS:
        return RootCause.CARRIER
    if ctype == ComplaintType.PLATFORM_SERVICE:
        return RootCause.PLATFORM
    # Same split as a merchant liability: a stalled after-sales process is service, the rest is product.
    return RootCause.MERCHANT_SERVICE if ctype == ComplaintType.AFTER_SALES else RootCause.MERCHANT_PRODUCT
