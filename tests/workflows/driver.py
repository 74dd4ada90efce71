"""Drives a case the way the API does: update-with-start to file, updates for every human step."""

import asyncio
import hashlib
from datetime import timedelta

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from adapters.db_platform import DbOrderLookup
from core.cases import NewComplaint, file_complaint
from models.case import Actor, CaseState, EvidenceRef
from models.enums import Role, Stage
from models.policy import Policy
from workflows.complaint import ComplaintWorkflow
from workflows.ids import workflow_id

AGENT = Actor(id="agent1", role=Role.AGENT)
SUPERVISOR = Actor(id="super1", role=Role.SUPERVISOR)


def evidence(name: str = "photo-1") -> EvidenceRef:
    return EvidenceRef(
        kind="photo",
        description="close-up of the defect",
        attachment_ref=f"s3://ev/{name}.jpg",
        sha256=hashlib.sha256(name.encode()).hexdigest(),
    )


class Driver:
    def __init__(self, env: WorkflowEnvironment, engine, task_queue: str, policy: Policy) -> None:
        self.env, self.engine, self.task_queue, self.policy = env, engine, task_queue, policy
        self.started: set[str] = set()

    def consumer(self, ids: dict) -> Actor:
        return Actor(id=ids["consumer"], role=Role.CONSUMER)

    def merchant(self, ids: dict) -> Actor:
        return Actor(id=ids["merchant"], role=Role.MERCHANT)

    async def file(
        self,
        ids: dict,
        description: str,
        *,
        line: int | None = 0,
        with_evidence: bool = True,
        order_id: str | None = None,
        actor: Actor | None = None,
    ):
        request = NewComplaint(
            consumer_id=ids["consumer"],
            order_id=order_id or ids["order"],
            order_line_id=ids["lines"][line] if line is not None else None,
            description=description,
            evidence=[evidence(ids["order"])] if with_evidence else [],
        )
        result = await file_complaint(
            self.env.client,
            self.engine,
            DbOrderLookup(self.engine),
            task_queue=self.task_queue,
            policy=self.policy,
            request=request,
            actor=actor or self.consumer(ids),
        )
        self.started.add(result.complaint_id)
        return result

    async def cleanup(self) -> None:
        """The time-skipping clock is shared: a case left running without its worker would stall it."""
        from temporalio.client import WorkflowExecutionStatus
        from temporalio.service import RPCError, RPCStatusCode

        for cid in self.started:
            handle = self.handle(cid)
            if (await handle.describe()).status != WorkflowExecutionStatus.RUNNING:
                continue
            try:
                await handle.terminate("test finished")
            except RPCError as err:  # it completed between the two calls
                if err.status != RPCStatusCode.NOT_FOUND:
                    raise

    def handle(self, complaint_id: str) -> WorkflowHandle:
        return self.env.client.get_workflow_handle_for(ComplaintWorkflow.run, workflow_id(complaint_id))

    async def state(self, complaint_id: str) -> CaseState:
        return await self.handle(complaint_id).query(ComplaintWorkflow.state)

    async def update(self, complaint_id: str, update, payload) -> CaseState:
        return await self.handle(complaint_id).execute_update(update, payload)

    async def settle(self, complaint_id: str, predicate, *, attempts: int = 200) -> CaseState:
        """Wait (real time, no skipping) until activities have moved the case to where `predicate` holds."""
        for _ in range(attempts):
            state = await self.state(complaint_id)
            if predicate(state):
                return state
            await asyncio.sleep(0.05)
        raise AssertionError(f"case never settled; last state: stage={state.stage} outcome={state.outcome}")

    async def stage(self, complaint_id: str, stage: Stage) -> CaseState:
        return await self.settle(complaint_id, lambda s: s.stage == stage)

    async def skip(self, duration: timedelta, step: timedelta = timedelta(hours=1)) -> None:
        """Skip time in steps: one long sleep across many timers with activities between them can stall
        the time-skipping test server; steps reach the same instants with every timer firing on time."""
        while duration > timedelta(0):
            chunk = min(step, duration)
            await self.env.sleep(chunk)
            await asyncio.sleep(0.02)  # let activities started at this instant finish before time moves on
            duration -= chunk
