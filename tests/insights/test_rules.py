"""The pure rules: the warning test's figures and volume floor, the standing tiers (no database)."""

import pytest
from scipy.stats import binomtest

from insights.standing import StandingInputs, Tier, decide
from insights.warning import Counts, evaluate, rate_test
from models.policy import Policy
from policy.loader import PolicyError, parse_policy

EW = Policy().insights.early_warning
SP = Policy().insights.standing


def test_rate_test_is_the_exact_conditional_binomial():
    t = rate_test(Counts(12, 400), Counts(10, 1000), "own_baseline")
    assert t is not None
    assert t.p_value == pytest.approx(binomtest(12, 22, 400 / 1400, alternative="greater").pvalue)
    assert (t.ratio, t.expected_complaints, t.reference_rate_per_1000) == (3.0, 4.0, 10.0)


def test_no_reference_volume_means_no_test_and_zero_reference_rate_has_no_ratio():
    assert rate_test(Counts(5, 100), Counts(0, 0), "own_baseline") is None
    t = rate_test(Counts(6, 100), Counts(0, 1000), "own_baseline")
    assert t is not None and t.ratio is None and t.p_value < 1e-5


def test_volume_floor_and_hysteresis():
    noisy = evaluate(Counts(4, 20), Counts(0, 160), Counts(1, 1000), EW)
    assert not noisy.volume_ok and not noisy.significant
    flagged = evaluate(Counts(27, 300), Counts(72, 2400), Counts(0, 0), EW)
    assert flagged.significant and flagged.still_significant
    # Between alpha (0.001) and clear_alpha (0.05): not enough to raise, enough to keep a flag.
    middling = evaluate(Counts(17, 300), Counts(72, 2400), Counts(0, 0), EW)
    assert not middling.significant and middling.still_significant


def test_clear_alpha_below_alpha_is_refused():
    with pytest.raises(PolicyError, match="clear_alpha"):
        parse_policy({"insights": {"early_warning": {"alpha": 0.05, "clear_alpha": 0.01}}})


@pytest.mark.parametrize(
    "inputs, tier",
    [
        (StandingInputs(order_lines=1000, complaints=5, mean_satisfaction=92), Tier.TRUSTED),
        (StandingInputs(order_lines=1000, complaints=5, mean_satisfaction=70), Tier.NORMAL),
        (StandingInputs(order_lines=100, complaints=0), Tier.NORMAL),
        (StandingInputs(order_lines=1000, complaints=50), Tier.NORMAL),
        (StandingInputs(order_lines=1000, complaints=5, sku_flags=1), Tier.WATCH),
        (StandingInputs(order_lines=1000, complaints=5, penalties=1), Tier.WATCH),
        (StandingInputs(order_lines=1000, complaints=5, operator_risk_level="high"), Tier.WATCH),
        (StandingInputs(order_lines=1000, complaints=5, merchant_flag=True, penalties=1), Tier.HIGH_RISK),
        (StandingInputs(order_lines=1000, complaints=5, penalties=3), Tier.HIGH_RISK),
    ],
)
def test_standing_tiers(inputs, tier):
    decision = decide(inputs, SP)
    assert decision.tier == tier and decision.reasons
