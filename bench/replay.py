"""Replay throughput: how many recorded histories per second the current code re-runs and checks.

Histories of project cases and of bare cases (bench/bare_workflow.py) from the same run are replayed
with the same Replayer set-up as the worker's (data converter, sandbox runner and passthrough). Each
replay must come out clean; a divergence is reported, never counted as throughput.
"""

import time
from dataclasses import dataclass

from temporalio.client import Client, WorkflowHistory
from temporalio.worker import Replayer

from bench.bare_workflow import BareWorkflow
from core.temporal import data_converter
from runtime.worker_build import workflow_runner
from workflows.complaint import ComplaintWorkflow


@dataclass
class ReplayRate:
    kind: str
    histories: int
    seconds: float
    failures: int

    @property
    def rate(self) -> float:
        return self.histories / self.seconds if self.seconds else 0.0


async def fetch(client: Client, workflow_ids: list[str]) -> list[WorkflowHistory]:
    return [await client.get_workflow_handle(wid).fetch_history() for wid in workflow_ids]


async def replay_rate(kind: str, workflow: type, histories: list[WorkflowHistory]) -> ReplayRate:
    replayer = Replayer(workflows=[workflow], data_converter=data_converter(), workflow_runner=workflow_runner())
    await replayer.replay_workflow(histories[0])  # warm-up: the sandbox imports the workflow module once
    began = time.perf_counter()
    failures = 0
    for history in histories:
        result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
        failures += result.replay_failure is not None
    return ReplayRate(kind=kind, histories=len(histories), seconds=time.perf_counter() - began, failures=failures)


async def run_replay(client: Client, project_ids: list[str], bare_ids: list[str]) -> tuple[ReplayRate, ReplayRate]:
    project = await replay_rate("project", ComplaintWorkflow, await fetch(client, project_ids))
    bare = await replay_rate("bare", BareWorkflow, await fetch(client, bare_ids))
    return project, bare
