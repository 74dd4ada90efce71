"""One server round trip per human step, and one workflow task per missed deadline (issue 15).

A case started under the current code writes a step's audit record, read model and notifications as local
activities (patch `local-step-writes`), so the update that carries a step is accepted and answered in one
workflow task with no activity task in between; the clock keeper (patch `clock-keeper`) fires every clock
due at one moment in the workflow task of its timer, breach rows, audit record and notification together.
"""

import json
from datetime import timedelta

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent

from audit.case_driver import AGENT, CaseDriver
from models.case import ClockControl
from tests.workflows.factories import make_order
from tests.workflows.steps import to_classification, to_evidence
from workflows.complaint import ComplaintWorkflow as W


@pytest.fixture
def driver(driver: CaseDriver) -> CaseDriver:
    """Files as the API does by default (WORKFLOW_LOCAL_WRITES on, docs/VERSIONING.md)."""
    driver.local_step_writes = True
    return driver


def _local_activity(event: HistoryEvent) -> str | None:
    marker = event.marker_recorded_event_attributes
    if not event.HasField("marker_recorded_event_attributes") or marker.marker_name != "core_local_activity":
        return None
    return str(json.loads(marker.details["data"].payloads[0].data)["activity_type"])


def _task_of(events: list[HistoryEvent], index: int) -> list[HistoryEvent]:
    """The events a workflow task wrote: from its WorkflowTaskCompleted up to the next task's scheduling."""
    out = []
    for event in events[index:]:
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED and out:
            break
        out.append(event)
    return out


async def test_a_human_step_is_accepted_recorded_and_answered_in_one_workflow_task(driver):
    who = make_order(driver.engine)
    cid = await to_evidence(driver, who)
    before = len((await driver.handle(cid).fetch_history()).events)
    await driver.update(cid, W.control_clock, ClockControl(actor=AGENT, pause=True, reason="waiting on a call"))
    events = list((await driver.handle(cid).fetch_history()).events)[before:]
    kinds = [e.event_type for e in events]
    accepted = kinds.index(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED)
    completed = kinds.index(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED)
    between = events[accepted:completed]
    assert EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED not in [e.event_type for e in between]
    assert EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED not in [e.event_type for e in between]
    assert "record_transition" in [_local_activity(e) for e in between]  # the clock_paused record


async def test_clocks_due_together_are_handled_in_the_task_of_their_timer(driver):
    who = make_order(driver.engine)
    cid = await to_classification(driver, who)  # severity B: first contact and plan fall due together
    await driver.skip(timedelta(hours=24, minutes=1))
    await driver.settle(cid, lambda s: s.escalation_level >= 1)
    events = list((await driver.handle(cid).fetch_history()).events)
    writes = [(i, _local_activity(e)) for i, e in enumerate(events)]
    breach_at = [i for i, name in writes if name == "record_breach"]
    assert len(breach_at) == 2
    # The workflow task holding the first breach row holds the second, the escalation record and the notice.
    task_start = max(
        i for i, e in enumerate(events[: breach_at[0]]) if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
    )
    task = [_local_activity(e) for e in _task_of(events, task_start)]
    assert task.count("record_breach") == 2
    assert "record_transition" in task and "send_notification" in task
    assert not [e for e in _task_of(events, task_start) if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED]


async def test_a_case_filed_with_local_writes_off_records_no_local_activity_and_no_marker(driver):
    """WORKFLOW_LOCAL_WRITES off (and every case filed before the patch): every write is a regular activity."""
    driver.local_step_writes = False
    who = make_order(driver.engine)
    cid = await to_evidence(driver, who)
    events = list((await driver.handle(cid).fetch_history()).events)
    markers = [e.marker_recorded_event_attributes for e in events if e.HasField("marker_recorded_event_attributes")]
    assert not any(m.marker_name == "core_local_activity" for m in markers)
    assert "local-step-writes" not in json.dumps([str(m) for m in markers])
    scheduled = [
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]
    assert "record_transition" in scheduled
