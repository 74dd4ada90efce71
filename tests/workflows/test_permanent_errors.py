"""A permanent data error fails its step at once, is recorded and escalated, and leaves the case workable."""

import asyncio
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel import Session, select
from temporalio import activity
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from activities.errors import PERMANENT_DATA_ERROR, as_permanent
from activities.records import RecordActivities
from audit.case_driver import AGENT, CaseDriver, evidence
from core.db import make_engine
from core.settings import Settings
from models.activity_io import EvidenceRecord, StepWrites
from models.case import EvidenceSubmission
from models.enums import Party, Stage
from models.tables import AuditLog, EvidenceItem, Notification
from runtime.worker_build import activities_for, build_worker
from tests.workflows.factories import make_order
from tests.workflows.steps import to_evidence
from workflows.complaint import ComplaintWorkflow as W


class PoisonedEvidence(RecordActivities):
    """The real activity, except that a description marked 'poison' reaches PostgreSQL with a NUL byte,
    which it refuses with a DataError: the bad input of finding 4 arriving past the API's checks."""

    @activity.defn(name="record_evidence")
    def record_evidence(self, rec: EvidenceRecord) -> EvidenceRecord:
        return super().record_evidence(_poisoned(rec))

    @activity.defn(name="record_step_writes")
    def record_step_writes(self, batch: StepWrites) -> StepWrites:
        """The same poison in a batch of a task's writes (patch batched-step-writes, the current path)."""
        writes = [w.model_copy(update={"evidence": _poisoned(w.evidence)}) if w.evidence else w for w in batch.writes]
        return super().record_step_writes(batch.model_copy(update={"writes": writes}))


def _poisoned(rec: EvidenceRecord) -> EvidenceRecord:
    if "poison" not in rec.item.description:
        return rec
    item = rec.item.model_copy(update={"description": rec.item.description + "\x00"})
    return rec.model_copy(update={"item": item})


@pytest.fixture
def pg_engine(pg_url):
    engine = make_engine(pg_url)
    yield engine
    engine.dispose()


async def test_a_data_error_answers_the_update_with_step_failed_and_the_case_stays_workable(
    case_env, pg_engine, policy
):
    queue = f"tq-{uuid.uuid4().hex[:8]}"
    poisoner = PoisonedEvidence(pg_engine)
    replaced = ("record_evidence", "record_step_writes")
    activities = [a for a in activities_for(pg_engine) if getattr(a, "__name__", "") not in replaced]
    activities += [poisoner.record_evidence, poisoner.record_step_writes]
    async with build_worker(case_env.client, pg_engine, Settings(), task_queue=queue, activities=activities):
        driver = CaseDriver(case_env, pg_engine, queue, policy)
        who = make_order(pg_engine)
        cid = await to_evidence(driver, who)
        before = await driver.state(cid)
        poisoned = evidence("p1").model_copy(update={"description": "poison"})
        with pytest.raises(WorkflowUpdateFailedError) as failed:
            # Old code: the activity retried for ever and the update never answered.
            await asyncio.wait_for(
                driver.update(
                    cid, W.submit_evidence, EvidenceSubmission(actor=AGENT, party=Party.MERCHANT, item=poisoned)
                ),
                timeout=20,
            )
        cause = failed.value.cause
        assert isinstance(cause, ApplicationError) and cause.type == "StepFailed"
        assert "DataError" in cause.message and "\x00" not in cause.message
        after = await driver.state(cid)
        assert after.evidence == before.evidence and after.stage == Stage.EVIDENCE
        with Session(pg_engine) as db:
            # Ordered: PostgreSQL returns rows in no particular order otherwise (CI read them out of order once).
            trail = select(AuditLog).where(AuditLog.complaint_id == cid).order_by(AuditLog.id)
            actions = [a.action for a in db.exec(trail)]
            told = db.exec(
                select(Notification).where(Notification.complaint_id == cid, Notification.template == "step_failed")
            ).all()
        assert actions[-1] == "step_failed" and [n.recipient for n in told] == ["queue:supervisors"]

        # The next, clean step goes through.
        s = await asyncio.wait_for(
            driver.update(
                cid, W.submit_evidence, EvidenceSubmission(actor=AGENT, party=Party.MERCHANT, item=evidence("p2"))
            ),
            timeout=20,
        )
        assert len(s.evidence) == len(before.evidence) + 1
        with Session(pg_engine) as db:
            assert len(db.exec(select(EvidenceItem).where(EvidenceItem.complaint_id == cid)).all()) == len(s.evidence)
        await driver.cleanup()


def test_data_and_integrity_errors_are_permanent_but_a_unique_race_retries(engine):
    with engine.connect() as conn:
        key = f"L-{uuid.uuid4().hex[:8]}"
        insert = text("INSERT INTO consumer_line_total (order_line_id, paid_minor, refunded_minor) VALUES (:k, 1, 0)")
        conn.execute(insert, {"k": key})
        with pytest.raises(IntegrityError) as unique:
            conn.execute(insert, {"k": key})
        conn.rollback()
        with pytest.raises(IntegrityError) as check:
            conn.execute(
                text(
                    "INSERT INTO order_line (id, order_id, sku, title, category, quantity, paid_minor)"
                    " VALUES ('x', 'no-such-order', 's', 't', 'c', 0, -1)"
                )
            )
    assert as_permanent(unique.value) is None
    permanent = as_permanent(check.value)
    assert permanent is not None and permanent.non_retryable and permanent.type == PERMANENT_DATA_ERROR
    assert as_permanent(DataError("stmt", {}, Exception("bad \x00 byte"))).non_retryable
