from datetime import UTC, datetime, timedelta

import pytest

from models.policy import PenaltyPolicy
from policy.penalties import compute_penalty

NOW = datetime(2026, 11, 2, 10, tzinfo=UTC)
POLICY = PenaltyPolicy()


@pytest.mark.parametrize(("paid", "deduction"), [
    (10_000, 10_000),  # 10 % is 1 000: the 10 000 minimum applies
    (100_000, 10_000),  # exactly the minimum
    (100_005, 10_001),  # 10 000.5 rounds half-up
    (100_004, 10_000),
    (250_000, 25_000),
    (0, 10_000),
])
def test_deduction_is_the_larger_of_minimum_and_percent(paid, deduction):
    assert compute_penalty(paid_minor=paid, penalties_in_window=0, now=NOW, policy=POLICY).deduction_minor == deduction


def test_listing_block_runs_from_now():
    terms = compute_penalty(paid_minor=1, penalties_in_window=0, now=NOW, policy=POLICY)
    assert terms.listing_blocked_until == NOW + timedelta(days=30)


@pytest.mark.parametrize(("earlier", "repeat", "multiplier"),
                         [(0, False, 1), (1, False, 1), (2, True, 2), (7, True, 2)])
def test_repeat_offender_threshold_edge(earlier, repeat, multiplier):
    terms = compute_penalty(paid_minor=1, penalties_in_window=earlier, now=NOW, policy=POLICY)
    assert (terms.repeat_offender, terms.deposit_multiplier) == (repeat, multiplier)
    assert any("repeat offender" in reason for reason in terms.reasons) is repeat


def test_every_number_comes_from_the_policy():
    strict = PenaltyPolicy(deposit_deduction_percent=50, deposit_deduction_minimum_minor=0,
                           listing_block=timedelta(days=1), repeat_offender_threshold=1, repeat_deposit_multiplier=3)
    terms = compute_penalty(paid_minor=901, penalties_in_window=0, now=NOW, policy=strict)
    assert (terms.deduction_minor, terms.listing_blocked_until) == (451, NOW + timedelta(days=1))
    assert (terms.repeat_offender, terms.deposit_multiplier) == (True, 3)


def test_reasons_explain_the_amount():
    terms = compute_penalty(paid_minor=250_000, penalties_in_window=0, now=NOW, policy=POLICY)
    assert terms.reasons[0] == "deposit deduction 25000: 10% of 250000 paid is 25000, minimum 10000"
