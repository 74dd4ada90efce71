"""The full case the benchmarks and drills drive, straight through Temporal the way the API does.

intake → classification (confirm) → evidence (liability: merchant) → negotiation (refund offer, accepted)
→ execution (merchant confirms the refund) → review (survey after the scaled delay, answered 95/90) → closed.

Each human step waits until the case lists it among its pending actions (the state an update returns
says so most of the time; otherwise the case is polled), then sends the update under a deterministic
update id, so a step retried after an outage is deduplicated by Temporal instead of applied twice.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError

from adapters.db_platform import DbOrderLookup
from api.case_start import NewComplaint, file_complaint
from bench.fixtures import Party, evidence_for
from core.settings import Settings
from models.case import (
    Actor,
    CaseState,
    ClassificationReview,
    LiabilityDecision,
    MerchantRefundConfirmation,
    OfferProposal,
    OfferResponse,
    SurveyAnswer,
)
from models.enums import Party as Liable
from models.enums import Role
from models.policy import Policy
from workflows.complaint import ComplaintWorkflow
from workflows.ids import workflow_id

AGENT = Actor(id="agent1", role=Role.AGENT)
# Polls back off from 20 ms to 0.5 s: a waiting driver must not become the server's main load.
POLL_SECONDS = 0.02
MAX_POLL_SECONDS = 0.5
# The survey delay of a full case in the benchmark: 48 h become ~1.7 s.
FULL_CASE_SCALE = 1e-5

# The human steps of a full case, in order: (pending action to wait for, update name).
STEPS = (
    "review_classification",
    "set_liability",
    "make_offer",
    "respond_to_offer",
    "confirm_merchant_refund",
    "answer_survey",
)


def full_case_policy(policy: Policy) -> Policy:
    """The policy a benchmark's full case runs under: the production one, with only the survey delay
    shrunk to seconds so that a case can close. Every SLA clock and party deadline keeps its hours, so none
    falls due in the seconds a case takes, however loaded the machine: each case does the reference case's
    work. (With every duration scaled, a busy worker's cases breached, escalated and let the merchant's
    refund deadline pass, the driver waited for a step that never came, and the cases measured did more
    work than the yardstick copied.)"""
    review = policy.review.model_copy(update={"survey_delay": policy.review.survey_delay * FULL_CASE_SCALE})
    return policy.model_copy(update={"review": review, "version": f"{policy.version}+survey-x{FULL_CASE_SCALE:g}"})


class StepTimeout(RuntimeError):
    pass


def payload_for(step: str, party: Party, state: CaseState):
    consumer = Actor(id=party.consumer_id, role=Role.CONSUMER)
    merchant = Actor(id=party.merchant_id, role=Role.MERCHANT)
    match step:
        case "review_classification":
            return ClassificationReview(actor=AGENT, confirm=True)
        case "set_liability":
            return LiabilityDecision(actor=AGENT, party=Liable.MERCHANT, reason="photo shows the crack")
        case "make_offer":
            return OfferProposal(actor=AGENT)
        case "respond_to_offer":
            return OfferResponse(actor=consumer, offer_id=state.offers[-1].offer_id, accept=True)
        case "confirm_merchant_refund":
            return MerchantRefundConfirmation(actor=merchant, reference=f"RF-{party.order_id}")
        case "answer_survey":
            return SurveyAnswer(actor=consumer, resolved_score=95, communication_score=90)
    raise ValueError(step)


async def retrying(call: Callable[[], Awaitable], *, patience: float) -> Any:
    """Retry a Temporal call through an outage (server restart, connection drop) for `patience` seconds."""
    deadline = time.monotonic() + patience
    while True:
        try:
            return await call()
        except (RPCError, RuntimeError) as exc:
            if isinstance(exc, StepTimeout) or time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


class DrivenCase:
    """One case driven step by step: the project's (FullCase) or the bare workflow's (bench.bare_case)."""

    patience: float
    name: str = "case"

    async def file(self) -> str:
        raise NotImplementedError

    async def state(self):
        raise NotImplementedError

    def pending(self, state) -> set[str]:
        raise NotImplementedError

    async def send(self, action: str, state):
        raise NotImplementedError

    async def result(self):
        raise NotImplementedError

    async def wait_for_action(self, action: str, state):
        deadline = time.monotonic() + self.patience
        interval = POLL_SECONDS
        while state is None or action not in self.pending(state):
            if time.monotonic() > deadline:
                raise StepTimeout(f"{self.name}: '{action}' never became pending")
            await asyncio.sleep(interval)
            interval = min(interval * 2, MAX_POLL_SECONDS)
            state = await self.state()
        return state

    async def step(self, action: str, state=None):
        """Wait until `action` is pending, then send it; the case's new state."""
        return await self.send(action, await self.wait_for_action(action, state))

    async def run(self, steps: tuple[str, ...], on_step: Callable[[str], None] | None = None):
        await self.file()
        state = None
        for action in steps:
            state = await self.step(action, state)
            if on_step:
                on_step(action)
        return await self.result()


@dataclass
class FullCase(DrivenCase):
    """Drives one party's complaint from filing to closed; `patience` bounds each wait (seconds)."""

    client: Client
    engine: Engine
    task_queue: str
    policy: Policy
    party: Party
    patience: float = 120.0
    complaint_id: str | None = None
    # As the API files (WORKFLOW_LOCAL_WRITES): the benchmark measures the configured path.
    local_step_writes: bool = field(default_factory=lambda: Settings().workflow_local_writes)

    @property
    def name(self) -> str:
        return self.complaint_id or self.party.line_id

    def handle(self) -> WorkflowHandle:
        return self.client.get_workflow_handle_for(ComplaintWorkflow.run, workflow_id(self.complaint_id))

    async def file(self) -> str:
        request = NewComplaint(
            consumer_id=self.party.consumer_id,
            order_id=self.party.order_id,
            order_line_id=self.party.line_id,
            description="屏幕破损 the screen is cracked",
            evidence=[evidence_for(self.party.order_id)],
        )
        result = await retrying(
            lambda: file_complaint(
                self.client,
                self.engine,
                DbOrderLookup(self.engine),
                task_queue=self.task_queue,
                policy=self.policy,
                request=request,
                actor=Actor(id=self.party.consumer_id, role=Role.CONSUMER),
                update_id=f"file-{self.party.line_id}",
                local_step_writes=self.local_step_writes,
            ),
            patience=self.patience,
        )
        self.complaint_id = result.complaint_id
        return result.complaint_id

    async def state(self) -> CaseState:
        return await retrying(lambda: self.handle().query(ComplaintWorkflow.state), patience=self.patience)

    @staticmethod
    async def state_of(client: Client, complaint_id: str) -> CaseState:
        handle = client.get_workflow_handle_for(ComplaintWorkflow.run, workflow_id(complaint_id))
        return await handle.query(ComplaintWorkflow.state)

    def pending(self, state: CaseState) -> set[str]:
        return {p.action for p in state.pending_actions}

    async def send(self, action: str, state: CaseState) -> CaseState:
        payload = payload_for(action, self.party, state)
        return await retrying(
            lambda: asyncio.wait_for(
                self.handle().execute_update(
                    action, payload, id=f"{self.complaint_id}/{action}", result_type=CaseState
                ),
                self.patience,
            ),
            patience=self.patience,
        )

    async def run(self, steps: tuple[str, ...] = STEPS, on_step: Callable[[str], None] | None = None) -> CaseState:
        return await super().run(steps, on_step)

    async def result(self) -> CaseState:
        return await retrying(lambda: asyncio.wait_for(self.handle().result(), self.patience), patience=self.patience)
