"""One server round trip per human step, and one workflow task per missed deadline (issue 15).

A case started under the current code writes a step's audit record, read model and notifications as one
local activity (patches `local-step-writes` and `batched-step-writes`), so the update that carries a step is
accepted and answered in one workflow task with no activity task in between; the clock keeper (patch
`clock-keeper`) fires every clock due at one moment in the workflow task of its timer, breach rows, audit
record and notification together, in one transaction.
"""

import json
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from activities.records import RecordActivities
from audit.case_driver import AGENT, CaseDriver
from models.activity_io import WRITE_ACTIVITIES, StepWrites
from models.case import ClassificationReview, ClockControl
from models.enums import Stage
from models.tables import AuditLog, Complaint, EvidenceItem, Notification
from tests.ops.conftest import evidence_store_fails
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


def _writes(event: HistoryEvent) -> list[str]:
    """The writes a local activity made: its own, or each of a batch's (record_step_writes) in order."""
    name = _local_activity(event)
    if name != "record_step_writes":
        return [name] if name else []
    batch = json.loads(event.marker_recorded_event_attributes.details["result"].payloads[0].data)
    return [WRITE_ACTIVITIES[kind] for write in batch["writes"] for kind, value in write.items() if value is not None]


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
    assert [_local_activity(e) for e in between if _local_activity(e)] == ["record_step_writes"]  # one batch
    assert "record_transition" in [w for e in between for w in _writes(e)]  # holding the clock_paused record


async def test_clocks_due_together_are_handled_in_the_task_of_their_timer(driver):
    who = make_order(driver.engine)
    cid = await to_classification(driver, who)  # severity B: first contact and plan fall due together
    await driver.skip(timedelta(hours=24, minutes=1))
    await driver.settle(cid, lambda s: s.escalation_level >= 1)
    events = list((await driver.handle(cid).fetch_history()).events)
    breach_at = [i for i, e in enumerate(events) if "record_breach" in _writes(e)]
    assert len(breach_at) == 1  # both breach rows, in one batch
    # That batch, in the workflow task of the timer, holds both breach rows, the escalation record and the notice.
    task_start = max(
        i for i, e in enumerate(events[: breach_at[0]]) if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
    )
    task = [w for e in _task_of(events, task_start) for w in _writes(e)]
    assert task.count("record_breach") == 2
    assert "record_transition" in task and "send_notification" in task
    assert [_local_activity(e) for e in _task_of(events, task_start) if _local_activity(e)] == ["record_step_writes"]
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


async def test_a_refused_write_takes_its_whole_step_back_in_the_database(driver):
    """A task's writes are one transaction: when the consumer's filed evidence cannot be stored, the review
    that opened the evidence stage leaves no audit record and no read-model change behind, only the failure.
    (One local activity per write kept the review's records and moved the read model to evidence, while the
    case itself went back to classification.)"""
    who = make_order(driver.engine)
    cid = await to_classification(driver, who)
    with evidence_store_fails(driver.engine):
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await driver.update(cid, W.review_classification, ClassificationReview(actor=AGENT, confirm=True))
    assert isinstance(refused.value.cause, ApplicationError) and refused.value.cause.type == "StepFailed"
    with Session(driver.engine) as db:
        trail = db.exec(select(AuditLog).where(AuditLog.complaint_id == cid).order_by(col(AuditLog.id))).all()
        row = db.get(Complaint, cid)
        stored = db.exec(select(EvidenceItem).where(EvidenceItem.complaint_id == cid)).all()
    actions = [a.action for a in trail]
    assert actions[-1] == "step_failed" and "evidence_opened" not in actions, actions
    assert row is not None and row.stage == Stage.CLASSIFICATION.value and stored == []
    assert (await driver.state(cid)).stage == Stage.CLASSIFICATION
    # The same step, with the store back, goes through whole.
    await driver.update(cid, W.review_classification, ClassificationReview(actor=AGENT, confirm=True))
    with Session(driver.engine) as db:
        assert db.get(Complaint, cid).stage == Stage.EVIDENCE.value  # type: ignore[union-attr]
        assert len(db.exec(select(EvidenceItem).where(EvidenceItem.complaint_id == cid)).all()) == 1


async def test_a_batch_written_again_writes_nothing_new(driver):
    """A retried batch (a local activity attempt that timed out after it committed) finds what it wrote: every
    batch of a real case, written a second time, adds no audit row, notification, evidence or offer row."""
    who = make_order(driver.engine)
    cid = await to_evidence(driver, who)
    events = (await driver.handle(cid).fetch_history()).events
    batches = [
        StepWrites.model_validate_json(e.marker_recorded_event_attributes.details["result"].payloads[0].data)
        for e in events
        if _local_activity(e) == "record_step_writes"
    ]
    assert len(batches) >= 3 and any(w.notification for b in batches for w in b.writes)

    def counts() -> tuple[int, ...]:
        with Session(driver.engine) as db:
            return tuple(
                len(db.exec(select(table).where(table.complaint_id == cid)).all())
                for table in (AuditLog, Notification, EvidenceItem)
            )

    before = counts()
    assert before[0] >= 3
    records = RecordActivities(driver.engine)
    for batch in batches:
        records.record_step_writes(batch)
    assert counts() == before
    with Session(driver.engine) as db:
        assert db.get(Complaint, cid).stage == Stage.EVIDENCE.value  # type: ignore[union-attr]
