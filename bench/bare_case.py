"""Driving the bare workflow exactly as the project's case is driven (bench/scenario.py)."""

import asyncio
from dataclasses import dataclass

from temporalio.client import Client, WithStartWorkflowOperation, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy

from bench.bare_workflow import BareState, BareStep, BareWorkflow
from bench.scenario import DrivenCase, retrying
from bench.shape import Shape


@dataclass
class BareCase(DrivenCase):
    client: Client
    task_queue: str
    shape: Shape
    case_id: str
    patience: float = 120.0

    @property
    def name(self) -> str:
        return self.case_id

    @property
    def steps(self) -> tuple[str, ...]:
        return tuple(s.update for s in self.shape.segments[1:])

    def handle(self) -> WorkflowHandle:
        return self.client.get_workflow_handle_for(BareWorkflow.run, self.case_id)

    async def file(self) -> str:
        start = WithStartWorkflowOperation(
            BareWorkflow.run,
            self.shape,
            id=self.case_id,
            task_queue=self.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
        await retrying(
            lambda: self.client.execute_update_with_start_workflow(
                BareWorkflow.step,
                BareStep(name=self.shape.segments[0].update),
                start_workflow_operation=start,
                id=f"{self.case_id}/file",
            ),
            patience=self.patience,
        )
        return self.case_id

    async def state(self) -> BareState:
        return await retrying(lambda: self.handle().query(BareWorkflow.state), patience=self.patience)

    def pending(self, state: BareState) -> set[str]:
        return set(state.pending)

    async def send(self, action: str, state: BareState) -> BareState:
        return await retrying(
            lambda: asyncio.wait_for(
                self.handle().execute_update(BareWorkflow.step, BareStep(name=action), id=f"{self.case_id}/{action}"),
                self.patience,
            ),
            patience=self.patience,
        )

    async def result(self) -> BareState:
        return await retrying(lambda: asyncio.wait_for(self.handle().result(), self.patience), patience=self.patience)
