"""The throughput driver reports each failed case with its cause, ids stripped, so causes add up."""

import asyncio
from types import SimpleNamespace

from bench.scenario import StepTimeout
from bench.throughput import _drive_all
from models.enums import Stage


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
