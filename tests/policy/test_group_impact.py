"""Group impact as complaint rates within the window, with a minimum volume (policy/group_impact.py)."""

from datetime import timedelta

import pytest

from models.policy import ClassificationPolicy
from policy.group_impact import GroupVolumes, assess

POLICY = ClassificationPolicy()


def test_five_unrelated_complaints_on_a_big_shop_are_no_group():
    hit, rules = assess(
        GroupVolumes(complaints_on_merchant=5, orders_on_merchant=10_000, complaints_on_sku=0, orders_on_sku=300),
        POLICY,
    )
    assert not hit
    assert "merchant: 6 complaints / 10000 orders in 7 days = 0.1% < threshold 2.0% → no group impact" in rules


def test_a_sku_with_many_complaints_per_order_is_a_group():
    hit, rules = assess(GroupVolumes(complaints_on_sku=3, orders_on_sku=40), POLICY)
    assert hit
    assert "SKU: 4 complaints / 40 orders in 7 days = 10.0% ≥ threshold 5.0% → group impact" in rules


def test_below_the_minimum_volume_no_rate_is_taken():
    hit, rules = assess(GroupVolumes(complaints_on_sku=5, orders_on_sku=6), POLICY)
    assert not hit
    assert rules[0].startswith("SKU: 6 complaints on 6 orders in 7 days: below the minimum volume of 20 orders")


def test_a_high_rate_from_too_few_complaints_is_no_group():
    hit, rules = assess(GroupVolumes(complaints_on_sku=1, orders_on_sku=20), POLICY)
    assert not hit
    assert "fewer than the 3 that can make a group" in rules[0]


@pytest.mark.parametrize(("rate", "expected"), [(0.10, True), (0.11, False)])
def test_thresholds_and_window_are_policy_values(rate, expected):
    policy = POLICY.model_copy(update={"group_sku_rate": rate, "group_window": timedelta(days=30)})
    hit, rules = assess(GroupVolumes(complaints_on_sku=3, orders_on_sku=40), policy)
    assert hit is expected
    assert "in 30 days" in rules[0]
