"""Decisions written by a local activity (patches `local-step-writes` and `batched-step-writes`): Temporal keeps
no input of a local activity, so they are compared with the records the activity returned (its marker, one
batch per workflow task), and with the audit rows."""

import uuid

import pytest
from sqlalchemy import select
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment

from audit.case_driver import CaseDriver
from audit.replay import replay_verdict
from audit.scenarios import tier2_no_survey_answer
from core import search_attributes
from core.binaries import SERVER_STARTUP_TIMEOUT, find_binary
from core.settings import DEFAULT_POLICY_FILE
from core.temporal import data_converter
from models.tables import AuditLog
from policy.loader import load_policy
from runtime.worker_build import build_worker
from tests.api.conftest import api_settings
from tests.audit import changed_policy_code as change
from workflows.complaint import ComplaintWorkflow


@pytest.fixture(scope="module")
async def local_case(tmp_path_factory):
    from core.db import make_engine
    from core.migrate import upgrade_database

    url = f"sqlite:///{tmp_path_factory.mktemp('local') / 'local.db'}"
    upgrade_database(url)
    engine = make_engine(url)
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_startup_timeout=SERVER_STARTUP_TIMEOUT,
        test_server_existing_path=find_binary("temporal-test-server"),
        data_converter=data_converter(),
    )
    try:
        await search_attributes.register(env.client)
        queue = f"local-{uuid.uuid4().hex[:8]}"
        settings = api_settings(tmp_path_factory.mktemp("local-data"), temporal_task_queue=queue)
        async with build_worker(env.client, engine, settings, task_queue=queue, workflows=[ComplaintWorkflow]):
            driver = CaseDriver(env, engine, queue, load_policy(DEFAULT_POLICY_FILE), local_step_writes=True)
            cid = await tier2_no_survey_answer(driver)
            await driver.finish(cid)
            history = await driver.handle(cid).fetch_history()
        with Session(engine) as session:
            rows = [
                r.model_dump()
                for r in session.execute(
                    select(AuditLog).where(AuditLog.complaint_id == cid).order_by(AuditLog.id)
                ).scalars()
            ]
        yield history, rows
    finally:
        await env.shutdown()
        engine.dispose()


async def test_local_records_are_compared_with_their_audit_rows(local_case):
    history, rows = local_case
    assert not any(
        e.HasField("activity_task_scheduled_event_attributes")
        and e.activity_task_scheduled_event_attributes.activity_type.name == "record_transition"
        for e in history.events
    )
    verdict = await replay_verdict(history, data_converter(), audit_rows=rows)
    assert verdict.replays_cleanly, verdict.reason
    assert verdict.decisions_not_comparable == {}
    blind = await replay_verdict(history, data_converter())  # no audit rows: the markers alone
    assert blind.replays_cleanly and blind.decisions_not_comparable == {}
    assert blind.decisions_compared >= len(rows)  # every audit record, and the other record writes


async def test_a_doubled_coupon_in_a_local_record_is_named_at_its_marker(local_case, monkeypatch):
    history, rows = local_case
    change.doubled_gift_coupon(monkeypatch)
    verdict = await replay_verdict(history, data_converter())
    assert verdict.commands_match and not verdict.replays_cleanly
    offer_row = next(r for r in rows if r["action"] == "offer_made" and r["details"]["tier"] == "refund_plus_gift")
    local = next(d for d in verdict.decision_divergences if d.local and d.activity == "record_transition")
    marker = next(e for e in history.events if e.event_id == local.event_id)
    assert marker.HasField("marker_recorded_event_attributes")
    assert (local.timeline_seq, local.timeline_action) == (offer_row["details"]["seq"], "offer_made")
    coupon = next(d for d in local.differences if d.field == "details.gift_coupon_minor")
    assert (coupon.recorded, coupon.replayed) == (
        offer_row["details"]["gift_coupon_minor"],
        2 * offer_row["details"]["gift_coupon_minor"],
    )
    offer = next(d for d in verdict.decision_divergences if d.activity == "record_offer")
    # The offer row and its audit record were written by the same task, in one batch: one marker.
    assert offer.local and offer.event_id == local.event_id and offer.timeline_action == "offer_made"
