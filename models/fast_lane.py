"""Self-service compensation by a trusted merchant (the fast lane): the update payload."""

from pydantic import BaseModel, ConfigDict, Field

from models.case import Actor, Minor
from models.enums import RefundMode


class MerchantSettlement(BaseModel):
    """The merchant offers the consumer a refund (and optionally a gift) itself, within policy limits."""

    model_config = ConfigDict(extra="forbid")

    actor: Actor
    refund_mode: RefundMode = RefundMode.REFUND_ONLY
    refund_minor: Minor | None = Field(None, description="defaults to the paid amount; never above it")
    coupon_minor: Minor = Field(0, description="a gift coupon: makes the offer tier 2 (refund plus gift)")
    points: Minor = Field(0, description="gift points: make the offer tier 2")
    note: str = Field("", max_length=500)
