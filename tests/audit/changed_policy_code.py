"""Decision-only code changes for the replay tests, injected with monkeypatch (the real policy is never edited).

Each one changes what an activity receives, not which commands the workflow issues, so Temporal's own
replay check passes; only the decision comparison can catch it.
"""

from datetime import datetime, timedelta

import pytest

from policy import classification, ladder, penalties, sla


def doubled_gift_coupon(monkeypatch: pytest.MonkeyPatch) -> None:
    original = ladder.gift_coupon_minor
    monkeypatch.setattr(ladder, "gift_coupon_minor", lambda paid, gift: 2 * original(paid, gift))


def later_deadlines(monkeypatch: pytest.MonkeyPatch) -> None:
    original = sla.deadline

    def deadline(start: datetime, duration: timedelta, policy):
        due, warn = original(start, duration, policy)
        return due + timedelta(minutes=30), warn

    monkeypatch.setattr(sla, "deadline", deadline)


def changed_keyword(monkeypatch: pytest.MonkeyPatch, old: str, new: str) -> None:
    """The classifier's rule for `old` now looks for `new` instead (e.g. a 'fixed' spelling)."""
    original = classification.detect_type

    def detect_type(description: str, policy):
        keywords = {ctype: [new if k == old else k for k in words] for ctype, words in policy.keywords.items()}
        return original(description, policy.model_copy(update={"keywords": keywords}))

    monkeypatch.setattr(classification, "detect_type", detect_type)


def changed_penalty_percent(monkeypatch: pytest.MonkeyPatch, percent: float) -> None:
    """The deposit deduction takes `percent` of the paid amount, whatever the case's policy says."""
    original = penalties.compute_penalty

    def compute_penalty(*, policy, **kwargs):
        harsher = policy.model_copy(update={"deposit_deduction_percent": percent})
        return original(policy=harsher, **kwargs)

    monkeypatch.setattr(penalties, "compute_penalty", compute_penalty)
