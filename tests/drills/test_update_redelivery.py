"""A Temporal restart while an update is accepted but not completed: the re-sent update is answered as history
says, and the case moves on (docs/RELIABILITY.md, finding 6)."""

import asyncio
import time
import uuid

from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionStatus

from activities.records import RecordActivities
from audit.case_driver import AGENT, CaseDriver
from bench.env import bench_env
from bench.stack import wait_for_pollers
from core.settings import Settings
from drills.faults import drill_policy
from models.case import Assignment, ClassificationReview, TransitionRecord
from models.enums import Stage
from runtime.worker_build import activities_for, build_worker
from tests.workflows.factories import make_order
from workflows.complaint import ComplaintWorkflow as W

SLOW_ACTION = "assigned"


class SlowAssignRecord(RecordActivities):
    """The real activity, slowed down for one step so that the restart hits while its update is in flight."""

    @activity.defn(name="record_transition")
    def record_transition(self, rec: TransitionRecord) -> None:
        if rec.action == SLOW_ACTION and activity.info().attempt == 1:
            time.sleep(4)
        super().record_transition(rec)


async def _accepted(handle, update_id: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for e in (await handle.fetch_history()).events:
            if (
                e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
                and e.workflow_execution_update_accepted_event_attributes.protocol_instance_id == update_id
            ):
                return
        await asyncio.sleep(0.1)
    raise AssertionError(f"update {update_id} never accepted")


async def test_an_update_in_flight_across_a_temporal_restart_completes_once():
    async with bench_env() as env:
        queue = f"redeliver-{uuid.uuid4().hex[:6]}"
        activities = [a for a in activities_for(env.engine) if getattr(a, "__name__", "") != "record_transition"]
        activities.append(SlowAssignRecord(env.engine).record_transition)
        policy = drill_policy()
        async with build_worker(env.client, env.engine, Settings(), task_queue=queue, activities=activities):
            await wait_for_pollers(env.client, queue)
            driver = CaseDriver(env, env.engine, queue, policy)
            who = make_order(env.engine)
            filed = await driver.file(who, "屏幕破损 the screen cracked after two days of use")
            cid = filed.complaint_id
            await driver.stage(cid, Stage.CLASSIFICATION)
            handle = driver.handle(cid)
            update_id = f"assign-{uuid.uuid4().hex[:6]}"
            first = asyncio.create_task(handle.execute_update(W.assign, Assignment(actor=AGENT), id=update_id))
            await _accepted(handle, update_id)
            await env.server.restart(1.0)
            first.cancel()
            # The client (like the API's driver) sends the same update again, with the same id.
            state = await asyncio.wait_for(
                handle.execute_update(W.assign, Assignment(actor=AGENT), id=update_id), timeout=60
            )
            assert state.assignee == AGENT.id
            # The case is not stuck: the next step goes through.
            state = await asyncio.wait_for(
                handle.execute_update(W.review_classification, ClassificationReview(actor=AGENT, confirm=True)),
                timeout=60,
            )
            assert state.stage == Stage.EVIDENCE
            description = await handle.describe()
            assert description.status == WorkflowExecutionStatus.RUNNING
            history = await handle.fetch_history()
            failed = [e for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED]
            assert failed == []
            completed = [
                e
                for e in history.events
                if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED
                and e.workflow_execution_update_completed_event_attributes.meta.update_id == update_id
            ]
            assert len(completed) == 1
            await handle.terminate("test finished")
