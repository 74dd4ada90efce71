import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.enums import Category, ComplaintType, DisputeClass, Party, RefundMode, Severity, Tier
from models.policy import GiftPolicy, NegotiationPolicy, Policy
from policy.ladder import (
    LadderError,
    build_offer,
    fast_path,
    gift_coupon_minor,
    next_tier,
    starting_tier,
)
from tests.policy.builders import classification, order_facts

POLICY = Policy()
FOOD_A = classification(ComplaintType.FOOD_SAFETY, Severity.A, DisputeClass.QUALITY)


@pytest.mark.parametrize(
    ("result", "facts", "liability", "fires"),
    [
        (FOOD_A, order_facts(category=Category.FRESH), None, True),
        (FOOD_A, order_facts(category=Category.ELECTRONICS), Party.MERCHANT, True),
        (classification(ComplaintType.FOOD_SAFETY, Severity.B), order_facts(category=Category.HOME), None, False),
        (classification(ComplaintType.QUALITY_DEFECT, Severity.A), order_facts(), None, False),
        (
            classification(ComplaintType.LOGISTICS, Severity.B, DisputeClass.IMMEDIATE),
            order_facts(category=Category.FRESH, perishable_late=True),
            None,
            True,
        ),
        (classification(ComplaintType.LOGISTICS), order_facts(category=Category.FOOD), Party.CARRIER, True),
        (classification(ComplaintType.LOGISTICS), order_facts(category=Category.ELECTRONICS), Party.CARRIER, False),
        (classification(ComplaintType.LOGISTICS), order_facts(category=Category.FRESH), Party.MERCHANT, False),
    ],
)
def test_fast_path(result, facts, liability, fires):
    reasons = fast_path(result, facts, liability)
    assert bool(reasons) is fires
    assert starting_tier(reasons) == (Tier.PLATFORM_ADVANCE if fires else Tier.REFUND)


def test_fast_path_lists_every_reason():
    reasons = fast_path(FOOD_A, order_facts(category=Category.FRESH, perishable_late=True), Party.CARRIER)
    assert len(reasons) == 2
    assert "food safety" in reasons[0] and "circuit breaker" in reasons[1]


@pytest.mark.parametrize(
    ("tier", "expected"),
    [
        (Tier.REFUND, Tier.REFUND_PLUS_GIFT),
        (Tier.REFUND_PLUS_GIFT, Tier.PLATFORM_ADVANCE),
        (Tier.PLATFORM_ADVANCE, None),
    ],
)
def test_next_tier(tier, expected):
    assert next_tier(tier) == expected


@pytest.mark.parametrize(
    ("paid", "gift", "expected"),
    [
        (100_000, GiftPolicy(), 5_000),  # 5 %
        (10_010, GiftPolicy(minimum_minor=0), 501),  # 500.5 rounds half-up
        (10_009, GiftPolicy(minimum_minor=0), 500),
        (2_000, GiftPolicy(), 500),  # 100 is below the 500 minimum
        (10_000, GiftPolicy(), 500),  # exactly the minimum
        (10_000, GiftPolicy(percent=7.5, minimum_minor=0), 750),
        (100_000, GiftPolicy(mode="fixed", fixed_minor=1_000), 1_000),
        (10, GiftPolicy(mode="fixed", fixed_minor=1_000), 1_000),
    ],
)
def test_gift_coupon(paid, gift, expected):
    assert gift_coupon_minor(paid, gift) == expected


def offer(
    tier=Tier.REFUND,
    *,
    refund_minor=None,
    reship=False,
    liability=None,
    fast=(),
    policy=POLICY,
    mode=RefundMode.REFUND_ONLY,
    **facts,
):
    return build_offer(
        tier=tier,
        order=order_facts(**facts),
        refund_minor=refund_minor,
        refund_mode=mode,
        reship=reship,
        liability=liability,
        fast_path_reasons=list(fast),
        policy=policy,
    )


def test_tier_one_is_a_refund_only():
    terms = offer(Tier.REFUND, mode=RefundMode.RETURN_AND_REFUND)
    assert (terms.tier, terms.refund_mode, terms.refund_minor) == (Tier.REFUND, RefundMode.RETURN_AND_REFUND, 10_000)
    assert (terms.gift_coupon_minor, terms.gift_points, terms.reship) == (0, 0, False)
    assert (terms.platform_advance, terms.recover_from, terms.requires_approval, terms.penalise_merchant) == (
        False,
        None,
        False,
        False,
    )
    assert terms.reasons[0] == "tier 1 (refund)"


def test_tier_two_adds_the_gift_from_the_policy():
    terms = offer(Tier.REFUND_PLUS_GIFT, paid_minor=100_000)
    assert (terms.refund_minor, terms.gift_coupon_minor, terms.gift_points) == (100_000, 5_000, 100)
    assert not terms.platform_advance and not terms.requires_approval
    assert any("gift coupon 5000 (5% of the paid amount, at least 500) and 100 points" == r for r in terms.reasons)


@pytest.mark.parametrize(
    ("refund", "accepted"), [(0, True), (9_999, True), (10_000, True), (10_001, False), (-1, False)]
)
def test_refund_limit_edge(refund, accepted):
    if accepted:
        assert offer(refund_minor=refund).refund_minor == refund
    else:
        with pytest.raises(LadderError, match="paid amount 10000|lowest allowed is 0"):
            offer(refund_minor=refund)


@pytest.mark.parametrize(
    ("liability", "recover_from", "penalise"),
    [
        (Party.MERCHANT, Party.MERCHANT, True),
        (Party.CARRIER, Party.CARRIER, False),
        (None, Party.MERCHANT, True),
        (Party.PLATFORM, None, False),  # the platform bears its own fault
        (Party.CONSUMER, None, False),  # never fine a merchant that is not liable
    ],
)
def test_tier_three_recovery(liability, recover_from, penalise):
    terms = offer(Tier.PLATFORM_ADVANCE, liability=liability)
    assert terms.platform_advance is True
    assert (terms.recover_from, terms.penalise_merchant) == (recover_from, penalise)
    assert (terms.refund_minor, terms.gift_coupon_minor, terms.gift_points) == (10_000, 500, 100)
    assert terms.requires_approval is True


def test_tier_three_may_refund_less_than_paid():
    assert offer(Tier.PLATFORM_ADVANCE, refund_minor=4_000).refund_minor == 4_000


def test_tier_three_approval_follows_the_policy():
    no_supervisor = Policy(negotiation=NegotiationPolicy(tier3_requires_supervisor=False))
    assert offer(Tier.PLATFORM_ADVANCE, policy=no_supervisor).requires_approval is False


def test_fast_path_keeps_approval_as_policy_says_and_records_why():
    facts = dict(category=Category.FRESH, perishable_late=True)
    reasons = fast_path(FOOD_A, order_facts(**facts), None)
    terms = offer(Tier.PLATFORM_ADVANCE, fast=reasons, **facts)
    assert terms.requires_approval is True
    assert all(f"fast path: {reason}" in terms.reasons for reason in reasons)


@pytest.mark.parametrize(
    ("facts", "liability", "recover_from"),
    [
        (dict(category=Category.FRESH, perishable_late=True), None, Party.CARRIER),
        (dict(category=Category.FOOD), Party.CARRIER, Party.CARRIER),
        (dict(category=Category.FRESH, perishable_late=True), Party.MERCHANT, Party.MERCHANT),  # a decision wins
    ],
)
def test_circuit_breaker_reships_and_recovers_from_the_carrier(facts, liability, recover_from):
    terms = offer(Tier.PLATFORM_ADVANCE, liability=liability, **facts)
    assert terms.reship is True
    assert terms.recover_from == recover_from
    assert any(reason.startswith("reship added:") for reason in terms.reasons)


def test_circuit_breaker_reships_at_any_tier():
    assert offer(Tier.REFUND, category=Category.FRESH, perishable_late=True).reship is True


def test_reship_requested_by_the_agent_is_kept():
    terms = offer(Tier.REFUND, reship=True)
    assert terms.reship is True
    assert not any(reason.startswith("reship added:") for reason in terms.reasons)


@given(
    paid=st.integers(0, 10**9),
    asked=st.one_of(st.none(), st.integers(-(10**9), 2 * 10**9)),
    tier=st.sampled_from(list(Tier)),
)
def test_refund_is_never_above_paid_nor_negative(paid, asked, tier):
    try:
        terms = offer(tier, refund_minor=asked, paid_minor=paid)
    except LadderError:
        assert asked is not None and not 0 <= asked <= paid
    else:
        assert 0 <= terms.refund_minor <= paid
        assert terms.refund_minor == (paid if asked is None else asked)


@given(
    paid=st.integers(0, 10**7),
    refunded=st.integers(0, 2 * 10**7),
    asked=st.none() | st.integers(0, 2 * 10**7),
    tier=st.sampled_from(list(Tier)),
)
def test_a_later_round_offers_at_most_the_remainder(paid, refunded, asked, tier):
    facts = order_facts(paid_minor=paid)
    try:
        terms = build_offer(
            tier=tier,
            order=facts,
            refund_minor=asked,
            refund_mode=RefundMode.REFUND_ONLY,
            reship=False,
            liability=Party.MERCHANT,
            fast_path_reasons=[],
            policy=POLICY,
            refunded_minor=refunded,
        )
    except LadderError:
        assert asked is not None and asked > max(paid - refunded, 0)
        return
    assert refunded + terms.refund_minor <= max(paid, refunded)
    assert terms.refund_minor == (max(paid - refunded, 0) if asked is None else asked)
