import pytest

from models.enums import ComplaintType, Party, RootCause
from models.policy import ReviewPolicy
from policy.review import root_cause, survey_satisfied
from tests.policy.builders import classification

POLICY = ReviewPolicy()


@pytest.mark.parametrize(
    ("resolved", "communication", "satisfied"),
    [(80, 80, True), (100, 100, True), (79, 100, False), (100, 79, False), (0, 0, False)],
)
def test_survey_needs_both_scores_at_the_threshold(resolved, communication, satisfied):
    ok, reason = survey_satisfied(resolved, communication, POLICY)
    assert ok is satisfied
    assert "threshold 80" in reason


def test_survey_reason_names_the_low_scores():
    assert survey_satisfied(79, 60, POLICY) == (
        False,
        "below the satisfaction threshold 80: resolved 79, communication 60",
    )


def test_survey_threshold_comes_from_the_policy():
    assert survey_satisfied(60, 60, ReviewPolicy(satisfaction_threshold=60))[0] is True


@pytest.mark.parametrize(
    ("outcome", "ctype", "liability", "expected"),
    [
        ("withdrawn", ComplaintType.QUALITY_DEFECT, Party.MERCHANT, RootCause.WITHDRAWN),
        ("unsubstantiated", ComplaintType.QUALITY_DEFECT, Party.MERCHANT, RootCause.UNSUBSTANTIATED),
        ("rejected", None, None, RootCause.UNSUBSTANTIATED),
        ("incomplete", None, None, RootCause.UNSUBSTANTIATED),
        ("resolved", ComplaintType.QUALITY_DEFECT, Party.MERCHANT, RootCause.MERCHANT_PRODUCT),
        ("resolved", ComplaintType.COUNTERFEIT, Party.MERCHANT, RootCause.MERCHANT_PRODUCT),
        ("resolved", ComplaintType.NOT_AS_DESCRIBED, Party.MERCHANT, RootCause.MERCHANT_PRODUCT),
        ("resolved", ComplaintType.FOOD_SAFETY, Party.MERCHANT, RootCause.MERCHANT_PRODUCT),
        ("resolved", ComplaintType.AFTER_SALES, Party.MERCHANT, RootCause.MERCHANT_SERVICE),
        ("resolved", ComplaintType.LOGISTICS, Party.MERCHANT, RootCause.MERCHANT_SERVICE),
        ("resolved", None, Party.MERCHANT, RootCause.MERCHANT_SERVICE),
        ("resolved", ComplaintType.QUALITY_DEFECT, Party.CARRIER, RootCause.CARRIER),
        ("resolved", ComplaintType.QUALITY_DEFECT, Party.CONSUMER, RootCause.CONSUMER),
        ("resolved", ComplaintType.LOGISTICS, Party.PLATFORM, RootCause.PLATFORM),
        ("resolved", ComplaintType.LOGISTICS, None, RootCause.CARRIER),
        ("resolved", ComplaintType.PLATFORM_SERVICE, None, RootCause.PLATFORM),
        ("resolved", ComplaintType.AFTER_SALES, None, RootCause.MERCHANT_SERVICE),
        ("resolved", ComplaintType.COUNTERFEIT, None, RootCause.MERCHANT_PRODUCT),
        ("resolved", None, None, RootCause.MERCHANT_PRODUCT),
    ],
)
def test_root_cause(outcome, ctype, liability, expected):
    result = classification(ctype) if ctype else None
    assert root_cause(outcome=outcome, classification=result, liability=liability) == expected
