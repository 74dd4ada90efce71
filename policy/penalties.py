"""Merchant penalties: whether the case's type and liability call for one, and its terms.

A penalty follows liability, not the settlement's tier: a counterfeit sold by a merchant held
liable is penalised even when a tier-1 refund settled it (policy table `penalties.by_type`).
"""

from datetime import datetime

from pydantic import BaseModel

from models.enums import ComplaintType, Party, Tier
from models.policy import PenaltyPolicy
from policy.money import percent_of


class PenaltyTerms(BaseModel):
    deduction_minor: int
    listing_blocked_until: datetime
    repeat_offender: bool
    deposit_multiplier: int
    reasons: list[str]
    # A repeat offender is also called to a rectification interview: a supervisor task with a deadline.
    rectification_interview_due: datetime | None = None


def penalty_due(
    *, complaint_type: ComplaintType, liable: Party | None, tier: Tier | None, policy: PenaltyPolicy
) -> tuple[bool, str]:
    """(penalise?, why) from the policy table: only a merchant held liable is penalised."""
    if liable != Party.MERCHANT:
        who = liable.value if liable else "no party"
        return False, f"{who} liable: no merchant penalty"
    rule = policy.by_type.get(complaint_type, "tier3")
    if rule == "any_tier":
        return True, f"{complaint_type.value} with the merchant liable: penalised at any tier"
    if rule == "never":
        return False, f"{complaint_type.value}: never penalised by policy"
    if tier == Tier.PLATFORM_ADVANCE:
        return True, f"{complaint_type.value} settled by platform advance with the merchant liable: penalised"
    settled = tier.value if tier else "no settlement"
    return False, f"{complaint_type.value} settled at {settled}: penalised only with a tier-3 outcome"


def compute_penalty(*, paid_minor: int, penalties_in_window: int, now: datetime, policy: PenaltyPolicy) -> PenaltyTerms:
    """Deposit deduction, listing block and repeat-offender status, counting this penalty as one more."""
    share = percent_of(paid_minor, policy.deposit_deduction_percent)
    deduction = max(policy.deposit_deduction_minimum_minor, share)
    reasons = [
        f"deposit deduction {deduction}: {policy.deposit_deduction_percent:g}% of {paid_minor} paid is "
        f"{share}, minimum {policy.deposit_deduction_minimum_minor}"
    ]
    blocked_until = now + policy.listing_block
    reasons.append(f"new listings blocked until {blocked_until.isoformat()}")
    count = penalties_in_window + 1
    repeat = count >= policy.repeat_offender_threshold
    multiplier = policy.repeat_deposit_multiplier if repeat else 1
    interview_due = now + policy.rectification_interview if repeat else None
    if repeat and interview_due is not None:
        reasons.append(
            f"repeat offender: penalty {count} in the window (threshold "
            f"{policy.repeat_offender_threshold}); deposit requirement ×{multiplier} "
            f"and a rectification interview due by {interview_due.isoformat()}"
        )
    else:
        reasons.append(
            f"penalty {count} in the window, below the repeat-offender threshold {policy.repeat_offender_threshold}"
        )
    return PenaltyTerms(
        deduction_minor=deduction,
        listing_blocked_until=blocked_until,
        repeat_offender=repeat,
        deposit_multiplier=multiplier,
        reasons=reasons,
        rectification_interview_due=interview_due,
    )
