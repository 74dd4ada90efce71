"""Policy values of insights: early-warning thresholds, merchant standing rules and the trusted fast lane.

Hooked into models.policy.Policy as the one field `insights`; defaults mirror policy/default.yaml.
docs/INSIGHTS.md explains how each value is used.
"""

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, PositiveInt, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EarlyWarningPolicy(_Strict):
    """Exact conditional binomial tests of a merchant's (or SKU's) complaint rate per order line."""

    current_window: timedelta = Field(timedelta(days=7), description="the recent period whose rate is tested")
    baseline_window: timedelta = Field(timedelta(days=56), description="the subject's own history before it")
    min_order_lines: PositiveInt = Field(50, description="order lines in the current window to be tested at all")
    min_complaints: PositiveInt = Field(5, description="complaints in the current window to be flagged at all")
    alpha: float = Field(0.001, gt=0, lt=1, description="a flag is raised when a test's p-value is below this")
    min_ratio: float = Field(1.5, ge=1, description="and the rate is at least this multiple of the reference")
    clear_alpha: float = Field(0.05, gt=0, lt=1, description="a flag clears when no test's p-value is below this")
    max_subjects: PositiveInt = Field(5000, description="SKUs evaluated per scan, most complained-about first")

    @model_validator(mode="after")
    def _hysteresis(self) -> "EarlyWarningPolicy":
        if self.clear_alpha < self.alpha:
            raise ValueError("insights.early_warning.clear_alpha must be >= alpha (a flag must not clear at once)")
        return self


class TierConsequences(_Strict):
    """What entering a standing tier does to the merchant, applied once when the standing changes."""

    deposit_multiplier: PositiveInt = Field(1, description="required deposit = base x this while in the tier")
    rectification_interview: bool = Field(False, description="a task in the supervisors' queue")
    listing_block: timedelta = Field(timedelta(0), description="new listings blocked for this long (0: none)")


class StandingPolicy(_Strict):
    window: timedelta = Field(timedelta(days=90), description="history the standing is computed from")
    trusted_min_order_lines: PositiveInt = Field(
        200, description="order lines in the window before a merchant can be trusted (no standing on noise)"
    )
    trusted_max_complaint_rate: float = Field(0.01, ge=0, le=1, description="complaints per order line")
    trusted_min_satisfaction: int = Field(85, ge=0, le=100, description="mean of both survey scores, if any")
    watch_penalties: PositiveInt = Field(1, description="penalties in the window that put a merchant on watch")
    high_risk_penalties: PositiveInt = Field(3, description="penalties in the window that make it high-risk")
    watch: TierConsequences = Field(
        TierConsequences(rectification_interview=True), description="what entering the watch tier does"
    )
    high_risk: TierConsequences = Field(
        TierConsequences(deposit_multiplier=2, rectification_interview=True, listing_block=timedelta(days=30)),
        description="what entering the high-risk tier does",
    )

    @model_validator(mode="after")
    def _ordered(self) -> "StandingPolicy":
        if self.high_risk_penalties < self.watch_penalties:
            raise ValueError("insights.standing.high_risk_penalties must be >= watch_penalties")
        return self


class FastLanePolicy(_Strict):
    """Self-service compensation by trusted merchants: limits the workflow enforces."""

    enabled: bool = Field(True, description="trusted merchants may settle tier-1 refunds and gifts themselves")
    max_refund_minor: NonNegativeInt = Field(50_000, description="largest refund a merchant may settle alone")
    max_coupon_minor: NonNegativeInt = Field(2_000, description="largest coupon a merchant may add")
    max_points: NonNegativeInt = Field(500, description="most points a merchant may add")


class InsightsPolicy(_Strict):
    early_warning: EarlyWarningPolicy = Field(
        EarlyWarningPolicy(), description="complaint-rate tests per merchant and SKU against baselines"
    )
    standing: StandingPolicy = Field(StandingPolicy(), description="rules of the merchant standing tiers")
    fast_lane: FastLanePolicy = Field(FastLanePolicy(), description="self-service compensation by trusted merchants")
    scan_interval: timedelta = Field(timedelta(hours=1), description="how often the scheduled scan runs")
    order_refresh_days: PositiveInt = Field(3, description="recent days of order counts re-read by each scan")
