"""The throughput driver: the policy its full cases run under, and each failed case reported with its cause."""

import asyncio
from types import SimpleNamespace

from bench.scenario import FULL_CASE_SCALE, StepTimeout, full_case_policy
from bench.throughput import _drive_all
from core.settings import DEFAULT_POLICY_FILE
from models.enums import Stage
from policy.loader import load_policy


class _Case:
    name = "CMP-O-5e6f7a8b-L1-1"

    def __init__(self, outcome):
        self.outcome = outcome

    async def run(self):
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return SimpleNamespace(stage=self.outcome)


def test_failures_are_counted_by_cause_without_their_ids():
    cases = [
        _Case(Stage.CLOSED),
        _Case(StepTimeout("CMP-O-1a2b3c4d-L1-1: 'confirm_merchant_refund' never became pending")),
        _Case(StepTimeout("CMP-O-9f8e7d6c-L1-1: 'confirm_merchant_refund' never became pending")),
        _Case(Stage.NEGOTIATION),
    ]
    elapsed, finished, causes = asyncio.run(_drive_all(cases, concurrency=2))
    assert len(finished) == 1 and elapsed >= 0
    assert causes == {
        "StepTimeout: # 'confirm_merchant_refund' never became pending": 2,
        "RuntimeError: # ended in negotiation": 1,
    }


def test_a_full_case_shrinks_only_the_survey_delay():
    """No SLA clock or party deadline may fall due while a benchmark case runs, however slow the machine."""
    base = load_policy(DEFAULT_POLICY_FILE)
    bench = full_case_policy(base)
    assert bench.review.survey_delay == base.review.survey_delay * FULL_CASE_SCALE < base.review.survey_delay
    changed = {k for k, v in bench.model_dump().items() if v != base.model_dump()[k]}
    assert changed == {"review", "version"}
    assert bench.review.model_dump(exclude={"survey_delay"}) == base.review.model_dump(exclude={"survey_delay"})
