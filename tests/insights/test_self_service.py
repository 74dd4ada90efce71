"""The fast lane's money rules, pure: what a trusted merchant may offer alone, with earlier rounds counted."""

import pytest

from insights.self_service import self_service_terms
from models.enums import RefundMode, Tier
from models.policy import Policy
from policy.ladder import LadderError
from tests.policy.builders import order_facts

POLICY = Policy()
LANE = POLICY.insights.fast_lane


def _terms(policy: Policy = POLICY, **given):
    args = dict(refund_minor=None, refund_mode=RefundMode.REFUND_ONLY, coupon_minor=0, points=0, refunded_minor=0)
    args.update(given)
    return self_service_terms(order=order_facts(paid_minor=19_900), policy=policy, **args)


def test_a_refund_alone_is_tier_1_and_defaults_to_what_may_still_be_refunded():
    terms = _terms()
    assert (terms.tier, terms.refund_minor, terms.requires_approval, terms.platform_advance) == (
        Tier.REFUND,
        19_900,
        False,
        False,
    )
    assert _terms(refunded_minor=15_000).refund_minor == 4_900  # an earlier round's refund counts


def test_a_gift_makes_it_tier_2_within_the_lane_limits():
    terms = _terms(refund_minor=10_000, coupon_minor=LANE.max_coupon_minor, points=LANE.max_points)
    assert (terms.tier, terms.gift_coupon_minor, terms.gift_points) == (
        Tier.REFUND_PLUS_GIFT,
        LANE.max_coupon_minor,
        LANE.max_points,
    )


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ({"refund_minor": 19_901}, "above the 19900 that may still be refunded"),
        ({"refund_minor": 4_901, "refunded_minor": 15_000}, "above the 4900 that may still be refunded"),
        ({"refund_minor": 1, "refunded_minor": 19_900}, "above the 0 that may still be refunded"),
        ({"coupon_minor": LANE.max_coupon_minor + 1}, "coupon"),
        ({"points": LANE.max_points + 1}, "points"),
        ({"refund_minor": 2**62}, "may still be refunded"),
    ],
)
def test_more_than_paid_across_rounds_or_the_lane_allows_is_refused(given, words):
    with pytest.raises(LadderError, match=words):
        _terms(**given)


def _with_lane(**changes) -> Policy:
    lane = LANE.model_copy(update=changes)
    return POLICY.model_copy(update={"insights": POLICY.insights.model_copy(update={"fast_lane": lane})})


def test_the_lane_limit_and_the_switch_are_policy():
    small = _with_lane(max_refund_minor=5_000)
    with pytest.raises(LadderError, match="fast lane's limit 5000"):
        _terms(small, refund_minor=5_001)
    assert _terms(small, refund_minor=5_000).refund_minor == 5_000
    with pytest.raises(LadderError, match="switched off"):
        _terms(_with_lane(enabled=False))
