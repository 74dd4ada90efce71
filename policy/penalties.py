"""The merchant penalty that goes with a tier-3 outcome the merchant is liable for."""

from datetime import datetime

from pydantic import BaseModel

from models.policy import PenaltyPolicy
from policy.money import percent_of


class PenaltyTerms(BaseModel):
    deduction_minor: int
    listing_blocked_until: datetime
    repeat_offender: bool
    deposit_multiplier: int
    reasons: list[str]


def compute_penalty(*, paid_minor: int, penalties_in_window: int, now: datetime,
                    policy: PenaltyPolicy) -> PenaltyTerms:
    """Deposit deduction, listing block and repeat-offender status, counting this penalty as one more."""
    share = percent_of(paid_minor, policy.deposit_deduction_percent)
    deduction = max(policy.deposit_deduction_minimum_minor, share)
    reasons = [f"deposit deduction {deduction}: {policy.deposit_deduction_percent:g}% of {paid_minor} paid is "
               f"{share}, minimum {policy.deposit_deduction_minimum_minor}"]
    blocked_until = now + policy.listing_block
    reasons.append(f"new listings blocked until {blocked_until.isoformat()}")
    count = penalties_in_window + 1
    repeat = count >= policy.repeat_offender_threshold
    multiplier = policy.repeat_deposit_multiplier if repeat else 1
    if repeat:
        reasons.append(f"repeat offender: penalty {count} in the window (threshold "
                       f"{policy.repeat_offender_threshold}); deposit requirement ×{multiplier} "
                       "and a rectification interview")
    else:
        reasons.append(f"penalty {count} in the window, below the repeat-offender threshold "
                       f"{policy.repeat_offender_threshold}")
    return PenaltyTerms(deduction_minor=deduction, listing_blocked_until=blocked_until, repeat_offender=repeat,
                        deposit_multiplier=multiplier, reasons=reasons)
