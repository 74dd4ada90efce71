from datetime import UTC, datetime, timedelta

import pytest

from models.enums import ComplaintType, Party, Tier
from models.policy import PenaltyPolicy
from policy.penalties import compute_penalty, penalty_due

NOW = datetime(2026, 11, 2, 10, tzinfo=UTC)
POLICY = PenaltyPolicy()


@pytest.mark.parametrize(
    ("paid", "deduction"),
    [
        (10_000, 10_000),  # 10 % is 1 000: the 10 000 minimum applies
        (100_000, 10_000),  # exactly the minimum
        (100_005, 10_001),  # 10 000.5 rounds half-up
        (100_004, 10_000),
        (250_000, 25_000),
        (0, 10_000),
    ],
)
def test_deduction_is_the_larger_of_minimum_and_percent(paid, deduction):
    assert compute_penalty(paid_minor=paid, penalties_in_window=0, now=NOW, policy=POLICY).deduction_minor == deduction


def test_listing_block_runs_from_now():
    terms = compute_penalty(paid_minor=1, penalties_in_window=0, now=NOW, policy=POLICY)
    assert terms.listing_blocked_until == NOW + timedelta(days=30)


@pytest.mark.parametrize(
    ("earlier", "repeat", "multiplier"), [(0, False, 1), (1, False, 1), (2, True, 2), (7, True, 2)]
)
def test_repeat_offender_threshold_edge(earlier, repeat, multiplier):
    terms = compute_penalty(paid_minor=1, penalties_in_window=earlier, now=NOW, policy=POLICY)
    assert (terms.repeat_offender, terms.deposit_multiplier) == (repeat, multiplier)
    assert any("repeat offender" in reason for reason in terms.reasons) is repeat


def test_every_number_comes_from_the_policy():
    strict = PenaltyPolicy(
        deposit_deduction_percent=50,
        deposit_deduction_minimum_minor=0,
        listing_block=timedelta(days=1),
        repeat_offender_threshold=1,
        repeat_deposit_multiplier=3,
    )
    terms = compute_penalty(paid_minor=901, penalties_in_window=0, now=NOW, policy=strict)
    assert (terms.deduction_minor, terms.listing_blocked_until) == (451, NOW + timedelta(days=1))
    assert (terms.repeat_offender, terms.deposit_multiplier) == (True, 3)


def test_reasons_explain_the_amount():
    terms = compute_penalty(paid_minor=250_000, penalties_in_window=0, now=NOW, policy=POLICY)
    assert terms.reasons[0] == "deposit deduction 25000: 10% of 250000 paid is 25000, minimum 10000"


# ---- penalties follow liability, not the tier ----------------------------------------------------


@pytest.mark.parametrize(
    "ctype", [ComplaintType.COUNTERFEIT, ComplaintType.FOOD_SAFETY, ComplaintType.NOT_AS_DESCRIBED]
)
@pytest.mark.parametrize("tier", [Tier.REFUND, Tier.REFUND_PLUS_GIFT, Tier.PLATFORM_ADVANCE])
def test_counterfeit_health_and_false_advertising_are_penalised_at_any_tier(ctype, tier):
    due, why = penalty_due(complaint_type=ctype, liable=Party.MERCHANT, tier=tier, policy=POLICY)
    assert due and "any tier" in why


@pytest.mark.parametrize(
    ("tier", "due"),
    [(Tier.REFUND, False), (Tier.REFUND_PLUS_GIFT, False), (Tier.PLATFORM_ADVANCE, True), (None, False)],
)
def test_a_quality_defect_is_penalised_only_with_a_tier3_outcome(tier, due):
    assert (
        penalty_due(complaint_type=ComplaintType.QUALITY_DEFECT, liable=Party.MERCHANT, tier=tier, policy=POLICY)[0]
        is due
    )


@pytest.mark.parametrize("liable", [Party.CARRIER, Party.CONSUMER, Party.PLATFORM, None])
def test_no_merchant_penalty_without_merchant_liability(liable):
    due, why = penalty_due(
        complaint_type=ComplaintType.COUNTERFEIT, liable=liable, tier=Tier.PLATFORM_ADVANCE, policy=POLICY
    )
    assert not due and "no merchant penalty" in why


def test_the_table_is_policy():
    strict = POLICY.model_copy(update={"by_type": {ComplaintType.QUALITY_DEFECT: "any_tier"}})
    assert penalty_due(
        complaint_type=ComplaintType.QUALITY_DEFECT, liable=Party.MERCHANT, tier=Tier.REFUND, policy=strict
    )[0]
    # a type the table leaves out is penalised only with a tier-3 outcome
    assert not penalty_due(
        complaint_type=ComplaintType.COUNTERFEIT, liable=Party.MERCHANT, tier=Tier.REFUND, policy=strict
    )[0]
    never = POLICY.model_copy(update={"by_type": {ComplaintType.COUNTERFEIT: "never"}})
    assert not penalty_due(
        complaint_type=ComplaintType.COUNTERFEIT, liable=Party.MERCHANT, tier=Tier.PLATFORM_ADVANCE, policy=never
    )[0]


def test_a_repeat_offender_gets_a_doubled_deposit_and_an_interview_with_a_deadline():
    terms = compute_penalty(paid_minor=10_000, penalties_in_window=4, now=NOW, policy=POLICY)
    assert terms.repeat_offender and terms.deposit_multiplier == 2
    assert terms.rectification_interview_due == NOW + timedelta(days=7)
    assert any("rectification interview due by" in reason for reason in terms.reasons)
    first = compute_penalty(paid_minor=10_000, penalties_in_window=0, now=NOW, policy=POLICY)
    assert first.rectification_interview_due is None
