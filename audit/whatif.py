"""What-if: re-run past cases' inputs under a proposed policy and report what would change.

Each past case is read from its history: its input (with the policy swapped) and every update it
accepted, with the time it arrived relative to the filing. Both are replayed against the current
workflow on a private time-skipping Temporal server, twice: once under the case's own recorded policy
(the control) and once under the proposed one. Comparing proposed with control isolates the policy's
effect from anything the simulation cannot reproduce; comparing control with what actually happened
says how faithful the simulation was for that case. Production data is never written.
"""

import asyncio
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import BaseModel
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle, WorkflowHistory, WorkflowUpdateFailedError
from temporalio.converter import DataConverter
from temporalio.testing import WorkflowEnvironment

from api.updates import complaint_updates, update_name, update_payload
from audit.history import AcceptedUpdate, accepted_updates, case_input, event_time
from audit.outcome import CaseOutcome, history_outcome
from audit.policy_archive import PolicyDifference
from audit.whatif_path import PathStep, path_differences, path_of, policy_diff
from audit.whatif_world import RecordedFacts, RecordedWorld, recorded_facts
from core import search_attributes
from core.binaries import SERVER_STARTUP_TIMEOUT, find_binary
from core.db import make_engine
from core.migrate import upgrade_database
from core.settings import Settings
from models.case import CaseInput, CaseState
from models.policy import Policy
from workflows.complaint import ComplaintWorkflow
from workflows.ids import complaint_id_from_workflow

HORIZON = timedelta(days=120)  # a simulated case still open this long after filing is reported as open
IDLE_STEP = timedelta(hours=12)


# A history records updates by name: each is replayed through the workflow's own method of that name.
UPDATES = complaint_updates()
FILE_UPDATE = update_name(ComplaintWorkflow.file)


def update_payload_types() -> dict[str, type[BaseModel]]:
    """Each update's payload model, read from its workflow method."""
    return {name: update_payload(method) for name, method in UPDATES.items()}


@dataclass
class RecordedCase:
    complaint_id: str
    started_at: datetime
    input: CaseInput
    updates: list[AcceptedUpdate]
    facts: RecordedFacts
    actual: CaseOutcome | None


async def recorded_case(history: WorkflowHistory, converter: DataConverter) -> RecordedCase:
    return RecordedCase(
        complaint_id=complaint_id_from_workflow(history.workflow_id),
        started_at=event_time(history.events[0]),
        input=await case_input(history, converter),
        updates=await accepted_updates(history, converter, update_payload_types()),
        facts=await recorded_facts(history, converter),
        actual=await history_outcome(history, converter),
    )


class SimulatedRun(BaseModel):
    outcome: CaseOutcome
    rejected_updates: list[str]
    steps: list[PathStep] = []


class CaseWhatIf(BaseModel):
    complaint_id: str
    case_policy_version: str
    proposed_policy_version: str
    policy_diff: list[PolicyDifference]
    actual: CaseOutcome | None
    control: SimulatedRun
    proposed: SimulatedRun
    changes: dict[str, dict[str, object]]
    path_differences: list[str]
    faithful: bool


class WhatIfReport(BaseModel):
    policy_version: str
    cases: list[CaseWhatIf]
    totals: dict[str, int]


class Simulation:
    """One private time-skipping server; a worker and a throwaway database per variant."""

    def __init__(self, env: WorkflowEnvironment, worlds: dict[str, RecordedWorld], queues: dict[str, str]) -> None:
        self.env, self.worlds, self.queues = env, worlds, queues

    async def run(self, case: RecordedCase, policy: Policy, variant: str) -> SimulatedRun:
        client, world = self.env.client, self.worlds[variant]
        start = await self.env.get_current_time()
        wf_id = f"whatif-{variant}-{uuid.uuid4().hex[:8]}-{case.complaint_id}"
        world.facts[wf_id] = case.facts.shifted(start - case.started_at)
        world.seed_parties(case.input.consumer_id, world.facts[wf_id])
        handle = await client.start_workflow(
            ComplaintWorkflow.run,
            case.input.model_copy(update={"policy": policy}),
            id=wf_id,
            task_queue=self.queues[variant],
        )
        rejected = []
        for index, update in enumerate(case.updates):
            filing = index == 0 and update.name == FILE_UPDATE  # arrived with the start (update-with-start)
            if not filing and not await self._advance_to(handle, start + (update.at - case.started_at)):
                rejected.append(f"{update.name}: the case had already ended")
                continue
            method = UPDATES.get(update.name)
            if method is None:
                rejected.append(f"{update.name}: the current workflow has no such update")
                continue
            try:
                # Update ids are unique per server: prefix the recorded id with this run's workflow id.
                await handle.execute_update(method, update.payload, id=f"{wf_id}:{update.update_id}")
            except WorkflowUpdateFailedError as err:
                rejected.append(f"{update.name}: {getattr(err.cause, 'message', err)}")
        await self._run_out(handle, start)
        history = await handle.fetch_history()
        outcome = await history_outcome(history, client.data_converter)
        return SimulatedRun(
            outcome=outcome, rejected_updates=rejected, steps=await path_of(history, client.data_converter)
        )

    async def _settle(self, handle: WorkflowHandle, attempts: int = 800) -> bool:
        """Wait (real time) until the case is idle: safe to move the clock or send the next update.

        Idle means no activity outstanding and every scheduled workflow task completed, seen in two
        history reads that agree (anything finishing in between adds events). Returns whether the
        workflow is still running.
        """
        for _ in range(attempts):
            before = [e async for e in handle.fetch_history_events()]
            desc = await handle.describe()
            if desc.status != WorkflowExecutionStatus.RUNNING:
                return False
            if not desc.raw_description.pending_activities and _tasks_done(before):
                after = [e async for e in handle.fetch_history_events()]
                if len(after) == len(before):
                    return True
            await asyncio.sleep(0.02)
        raise TimeoutError(f"simulated case {handle.id} never settled")

    async def _advance_to(self, handle: WorkflowHandle, target: datetime) -> bool:
        if not await self._settle(handle):
            return False
        now = await self.env.get_current_time()
        if target > now:
            await self.env.sleep(target - now)
            return await self._settle(handle)
        return True

    async def _run_out(self, handle: WorkflowHandle, start: datetime) -> None:
        """After the last human step, let deadlines play out until the case ends or the horizon passes."""
        while await self._settle(handle):
            state: CaseState = await handle.query(ComplaintWorkflow.state)
            now = await self.env.get_current_time()
            if now - start > HORIZON:
                return
            dues = [p.due_at for p in state.pending_actions if p.due_at and p.due_at > now]
            dues += [t for c in state.clocks if not c.paused for t in (c.warn_at, c.due_at) if t > now]
            step = min(dues) - now + timedelta(seconds=1) if dues else IDLE_STEP
            await self.env.sleep(min(step, IDLE_STEP))


def _tasks_done(events: list) -> bool:
    scheduled = [e.event_id for e in events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED]
    completed = {
        e.workflow_task_completed_event_attributes.scheduled_event_id
        for e in events
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
    }
    return not scheduled or scheduled[-1] in completed


@asynccontextmanager
async def simulation(converter: DataConverter) -> AsyncIterator[Simulation]:
    from runtime.worker_build import build_worker

    with tempfile.TemporaryDirectory(prefix="whatif-") as tmp:
        env = await WorkflowEnvironment.start_time_skipping(
            test_server_startup_timeout=SERVER_STARTUP_TIMEOUT,
            test_server_existing_path=find_binary("temporal-test-server"),
            data_converter=converter,
        )
        engines = []
        try:
            await search_attributes.register(env.client)
            worlds, queues, workers = {}, {}, []
            for variant in ("control", "proposed"):
                url = f"sqlite:///{Path(tmp) / f'{variant}.db'}"
                upgrade_database(url)
                engines.append(make_engine(url))
                worlds[variant] = RecordedWorld(engines[-1])
                queues[variant] = f"whatif-{variant}-{uuid.uuid4().hex[:8]}"
                workers.append(
                    build_worker(
                        env.client,
                        engines[-1],
                        Settings(),
                        task_queue=queues[variant],
                        activities=worlds[variant].activities(),
                    )
                )
            async with workers[0], workers[1]:
                yield Simulation(env, worlds, queues)
        finally:
            await env.shutdown()
            for engine in engines:
                engine.dispose()


def _changes(control: CaseOutcome, proposed: CaseOutcome) -> dict[str, dict[str, object]]:
    before, after = control.compared(), proposed.compared()
    return {k: {"from": before[k], "to": after[k]} for k in before if before[k] != after[k]}


def _faithful(case: RecordedCase, control: SimulatedRun) -> bool:
    """The control run ended as the case really did, refusing only the updates the case itself refused."""
    refused_then = [u.name for u in case.updates if u.outcome == "failed"]
    refused_now = [r.split(":", 1)[0] for r in control.rejected_updates]
    return (
        case.actual is not None and case.actual.compared() == control.outcome.compared() and refused_now == refused_then
    )


def _totals(cases: list[CaseWhatIf]) -> dict[str, int]:
    def delta(field: str) -> int:
        return sum(getattr(c.proposed.outcome, field) - getattr(c.control.outcome, field) for c in cases)

    return {
        "cases": len(cases),
        "changed": sum(1 for c in cases if c.changes),
        "tier_changed": sum(1 for c in cases if "tier" in c.changes),
        "paid_to_consumer_delta_minor": delta("paid_to_consumer_minor"),
        "penalty_delta_minor": delta("penalty_minor"),
        "sla_breaches_delta": delta("sla_breaches"),
        "escalations_delta": delta("escalations"),
        "unfaithful_control_runs": sum(1 for c in cases if not c.faithful),
    }


async def recorded_cases(histories: list[WorkflowHistory], converter: DataConverter) -> list[RecordedCase]:
    return [await recorded_case(h, converter) for h in histories]


async def what_if(
    histories: list[WorkflowHistory] | list[RecordedCase],
    proposed: Policy | dict[str, Policy],
    converter: DataConverter,
    on_case: Callable[[CaseWhatIf], None] | None = None,
) -> WhatIfReport:
    """`proposed` is one policy for every case, or one per complaint id (a proposal merged onto each case's own)."""
    cases = [h if isinstance(h, RecordedCase) else await recorded_case(h, converter) for h in histories]
    results = []
    async with simulation(converter) as sim:
        for case in cases:
            policy = proposed if isinstance(proposed, Policy) else proposed[case.complaint_id]
            control = await sim.run(case, case.input.policy, "control")
            trial = await sim.run(case, policy, "proposed")
            result = CaseWhatIf(
                complaint_id=case.complaint_id,
                case_policy_version=case.input.policy.version,
                proposed_policy_version=policy.version,
                policy_diff=policy_diff(case.input.policy, policy),
                actual=case.actual,
                control=control,
                proposed=trial,
                changes=_changes(control.outcome, trial.outcome),
                path_differences=path_differences(control.steps, trial.steps, trial.rejected_updates),
                faithful=_faithful(case, control),
            )
            results.append(result)
            if on_case:
                on_case(result)
    version = proposed.version if isinstance(proposed, Policy) else next((p.version for p in proposed.values()), "")
    return WhatIfReport(policy_version=version, cases=results, totals=_totals(results))
