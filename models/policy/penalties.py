"""Penalties of a merchant held liable: deposit deductions, listing blocks and repeat offending."""

from datetime import timedelta
from typing import Literal

from pydantic import Field, NonNegativeInt, PositiveInt

from models.enums import ComplaintType
from models.policy._base import _Strict


class PenaltyPolicy(_Strict):
    deposit_deduction_percent: float = Field(10.0, ge=0, le=100, description="of the order's paid amount")
    deposit_deduction_minimum_minor: NonNegativeInt = Field(
        10000, description="smallest deposit deduction in minor units"
    )
    listing_block: timedelta = Field(
        timedelta(days=30), description="how long a penalised merchant cannot publish new listings"
    )
    repeat_offender_threshold: PositiveInt = Field(3, description="penalties in the window that make a repeat offender")
    repeat_offender_window: timedelta = Field(
        timedelta(days=180), description="how far back penalties count towards repeat offending"
    )
    repeat_deposit_multiplier: PositiveInt = Field(
        2, description="a repeat offender's deposit requirement is multiplied by this"
    )
    by_type: dict[ComplaintType, Literal["any_tier", "tier3", "never"]] = Field(
        default={
            ComplaintType.COUNTERFEIT: "any_tier",
            ComplaintType.FOOD_SAFETY: "any_tier",
            ComplaintType.NOT_AS_DESCRIBED: "any_tier",
            ComplaintType.QUALITY_DEFECT: "tier3",
            ComplaintType.AFTER_SALES: "tier3",
            ComplaintType.LOGISTICS: "never",
            ComplaintType.PLATFORM_SERVICE: "never",
        },
        description="when a merchant held liable is penalised, by complaint type: at any tier of the settlement, "
        "only with a tier-3 outcome (platform advance), or never; a type left out is 'tier3'",
    )
    rectification_interview: timedelta = Field(
        timedelta(days=7), description="deadline of the supervisor's rectification interview with a repeat offender"
    )
