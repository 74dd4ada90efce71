"""Group impact: is this complaint one of many against the same SKU or merchant?

Counted as rates within the policy window (complaints per order), never as raw counts: five
complaints on a shop that sold ten thousand orders are background noise, five on a SKU that sold
forty are a pattern. A rate is only trusted above a minimum volume of orders and complaints.
"""

from pydantic import BaseModel, Field, NonNegativeInt

from models.policy import ClassificationPolicy


class GroupVolumes(BaseModel):
    """Counts within the policy's group window, not counting the complaint being classified."""

    complaints_on_sku: NonNegativeInt = 0
    orders_on_sku: NonNegativeInt = Field(0, description="orders (lines) of the SKU placed in the window")
    complaints_on_merchant: NonNegativeInt = 0
    orders_on_merchant: NonNegativeInt = Field(0, description="orders of the merchant placed in the window")


def assess(volumes: GroupVolumes, policy: ClassificationPolicy) -> tuple[bool, list[str]]:
    """(group impact?, one explanation per scope: the rate, its threshold, or why it was not trusted)."""
    days = policy.group_window.total_seconds() / 86400
    window = f"{days:g} days"
    results = [
        _scope("SKU", volumes.complaints_on_sku + 1, volumes.orders_on_sku, policy.group_sku_rate, policy, window),
        _scope(
            "merchant",
            volumes.complaints_on_merchant + 1,
            volumes.orders_on_merchant,
            policy.group_merchant_rate,
            policy,
            window,
        ),
    ]
    return any(hit for hit, _ in results), [why for _, why in results]


def _scope(
    scope: str, complaints: int, orders: int, threshold: float, policy: ClassificationPolicy, window: str
) -> tuple[bool, str]:
    # `complaints` counts this one too: the question is whether, with it, the scope is a group.
    if orders < policy.group_min_orders:
        return False, (
            f"{scope}: {complaints} complaints on {orders} orders in {window}: below the minimum "
            f"volume of {policy.group_min_orders} orders, no rate taken"
        )
    if complaints < policy.group_min_complaints:
        return False, (
            f"{scope}: {complaints} complaints in {window}, fewer than the "
            f"{policy.group_min_complaints} that can make a group"
        )
    rate = complaints / orders
    verdict = "≥" if rate >= threshold else "<"
    conclusion = "group impact" if rate >= threshold else "no group impact"
    return rate >= threshold, (
        f"{scope}: {complaints} complaints / {orders} orders in {window} = {rate:.1%} "
        f"{verdict} threshold {threshold:.1%} → {conclusion}"
    )
