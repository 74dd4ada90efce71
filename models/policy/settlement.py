"""Settling a case: the tiered negotiation ladder with its gift, and executing refunds and reshipments."""

from datetime import timedelta
from typing import Literal

from pydantic import Field, NonNegativeInt, PositiveInt

from models.policy._base import _Strict


class GiftPolicy(_Strict):
    mode: Literal["percent", "fixed"] = Field(
        "percent", description="tier-2 coupon as a percent of the order or a fixed voucher"
    )
    percent: float = Field(5.0, ge=0, le=100, description="coupon as a percent of the paid amount (mode percent)")
    fixed_minor: NonNegativeInt = Field(1000, description="voucher amount in minor units (mode fixed)")
    minimum_minor: NonNegativeInt = Field(500, description="smallest coupon in minor units")
    points: NonNegativeInt = Field(100, description="loyalty points credited with a tier-2 offer")


class NegotiationPolicy(_Strict):
    offer_response: timedelta = Field(
        timedelta(hours=48), description="time the consumer has to accept or decline an offer"
    )
    offer_reminder_grace: timedelta = Field(
        timedelta(hours=24), description="grace after the one offer reminder; then the offer lapses"
    )
    lapse_action: Literal["escalate_tier", "close"] = Field(
        "escalate_tier", description="what a lapsed offer does: the next tier is offered, or the case closes"
    )
    gift: GiftPolicy = Field(GiftPolicy(), description="the gift of a tier-2 offer (refund plus gift)")
    tier3_requires_supervisor: bool = Field(
        True, description="a tier-3 offer (platform advance) waits for a supervisor's approval"
    )
    supervisor_approval: timedelta = Field(
        timedelta(hours=24), description="time a supervisor has to approve a tier-3 offer"
    )
    food_safety_carrier_requires_supervisor: bool = Field(
        False,
        description=(
            "the severity-A food-safety fast path with a carrier fault waits for a supervisor's approval and the "
            "consumer's acceptance like any tier-3 offer; off: the platform pays at once and recovers from the carrier"
        ),
    )


class ExecutionPolicy(_Strict):
    merchant_refund: timedelta = Field(
        timedelta(hours=24), description="time the merchant has to complete a refund (deposit frozen meanwhile)"
    )
    reship: timedelta = Field(
        timedelta(days=3), description="time the merchant has to ship an exchange or reshipment with a tracking number"
    )
    retry_initial: timedelta = Field(timedelta(seconds=1), description="first retry delay of a payment or deposit call")
    retry_maximum: timedelta = Field(
        timedelta(minutes=1), description="longest retry delay of a payment or deposit call"
    )
    retry_attempts: PositiveInt = Field(8, description="attempts before a payment or deposit call counts as failed")
