"""The core of one case inside the workflow: its state, what it knows besides, and what a stage can count on.

Workflow-safe: time comes from workflow.now(), ids from counters. The concerns built on it (effects, people,
clocks, waits) are in workflows/case_*.py; workflows/case.py composes them into `Case`.
"""

import asyncio
from datetime import datetime
from typing import Any, TypeVar

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    import workflows.pending as pending
    from models.activity_io import StepWrite
    from models.case import CaseInput, CaseState, ClassificationResult, OfferState, OrderFacts, SurveyState
    from models.enums import ActorKind, Stage, Tier
    from workflows.facts import CaseFacts
    from workflows.ids import workflow_id

SYSTEM = (ActorKind.SYSTEM, "system")
CONSUMER_MONEY_STEPS = ("merchant_refund", "platform_advance")


class CaseCore:
    """One case inside its workflow: what it shows (`state`), what else it knows (`facts`)."""

    def __init__(self, inp: CaseInput) -> None:
        now = workflow.now()
        self.input = inp
        self.policy = inp.policy
        self.state = CaseState(
            complaint_id=inp.complaint_id,
            workflow_id=workflow_id(inp.complaint_id),
            policy_version=inp.policy.version,
            stage=Stage.INTAKE,
            stage_entered_at=now,
            created_at=now,
            consumer_id=inp.consumer_id,
            order_id=inp.order_id,
            order_line_id=inp.order_line_id,
        )
        self.facts = CaseFacts.at_filing(inp.description, inp.contact, inp.channel, inp.evidence)
        self.lock = asyncio.Lock()  # taken only through CaseEffects.locked, which counts who waits for it
        self.lock_waiters = 0
        self.version = 0  # bumped on every audited change: the waits of cases before CLOCK_KEEPER recompute
        self._pushed_attributes: dict[str, Any] = {}
        # The writes made since this task's last flush (BATCHED_STEP_WRITES): never held across a wait.
        self._pending_writes: list[StepWrite] = []

    # ---- basics -------------------------------------------------------------------------------

    @staticmethod
    def now() -> datetime:
        return workflow.now()

    @property
    def stage(self) -> Stage:
        return self.state.stage

    # What a stage can count on: the accessors raise BrokenInvariant (a bug, never a user's mistake) when
    # the stage's precondition does not hold, instead of every caller checking for None.

    @property
    def order(self) -> OrderFacts:
        """The verified order: set by intake before the case leaves it."""
        return present(self.state.order, "the verified order", self.stage)

    @property
    def merchant_id(self) -> str:
        return present(self.state.merchant_id, "the order's merchant", self.stage)

    @property
    def classification(self) -> ClassificationResult:
        """Set when the case enters classification."""
        return present(self.state.classification, "a classification", self.stage)

    @property
    def tier(self) -> Tier:
        """Set when the case enters negotiation."""
        return present(self.state.tier, "a ladder tier", self.stage)

    @property
    def current_offer(self) -> OfferState:
        """The latest offer: there is one from the first offer made in negotiation onwards."""
        return present(self.state.offers[-1] if self.state.offers else None, "an offer", self.stage)

    @property
    def survey(self) -> SurveyState:
        """The survey of this review round: sent when the review's delay has passed."""
        return present(self.state.survey, "a survey", self.stage)

    def next_id(self, prefix: str) -> str:
        self.facts.counters[prefix] = self.facts.counters.get(prefix, 0) + 1
        return f"{prefix}{self.facts.counters[prefix]}"

    def patched(self, patch_id: str) -> bool:
        """`workflow.patched`, except for a patch the case took at its start under ALL_PATCHES_AT_ONCE
        (workflows/patches.py): that one is answered from the case's facts, with no marker of its own."""
        return patch_id in self.facts.patches_taken_at_start or workflow.patched(patch_id)

    def changed(self) -> None:
        """Wakes the waits of cases started before CLOCK_KEEPER, which recompute their timers on every change:
        replaying their histories needs these bumps exactly where they always were. Newer cases wait on the
        deadlines themselves (keep_clocks, keep_deadline) and need no call."""
        self.version += 1

    def consumer_refunded_minor(self) -> int:
        """Refunds and platform advances paid to the consumer in every round so far (compensated ones undone)."""
        return sum(
            step.amount_minor
            for step in self.state.execution
            if step.name in CONSUMER_MONEY_STEPS and step.status == "done"
        )

    def snapshot(self) -> CaseState:
        """The full state, for queries (which never enter the history)."""
        snap = self.state.model_copy(deep=True)
        snap.pending_actions = pending.actions(self)
        return snap

    def compact(self) -> CaseState:
        """The state as it travels through history (audit records, update results): evidence by reference.

        Evidence descriptions are free text of unbounded number; the evidence table keeps them, the
        `state` query returns them. What is left is bounded by policy.limits and the payload bounds.
        """
        snap = self.snapshot()
        for item in snap.evidence:
            item.item.description = ""
        return snap


class BrokenInvariant(RuntimeError):
    """A stage found the case without what the stage guarantees: a bug in the workflow. It fails the workflow
    task (retried, visible in the worker's log) rather than the case."""


T = TypeVar("T")


def present(value: T | None, what: str, stage: Stage) -> T:
    """`value`, which the stage guarantees; BrokenInvariant if it is missing."""
    if value is None:
        raise BrokenInvariant(f"stage {stage.value} expects {what}, and the case has none")
    return value
