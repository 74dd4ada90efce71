"""Retries, races and outages: a write happens once, one of two racing agents wins, an outage is a clean 503."""

import asyncio
import socket
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select
from temporalio.testing import WorkflowEnvironment

from api.idempotency import update_id
from core import search_attributes
from core.binaries import SERVER_STARTUP_TIMEOUT, find_binary
from core.db import make_engine
from core.temporal import data_converter
from models.case import Actor, ClassificationReview
from models.enums import Role
from models.tables import AuditLog, Complaint, IdempotencyRecord, User
from tests.api.conftest import api_settings, make_party, new_key, start_api
from tests.api.flow import act, as_user, file_case, wait_stage
from tests.api.test_auth import assert_error
from workflows.ids import workflow_id


def _audit(engine, complaint_id: str, actor_id: str) -> list[AuditLog]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(AuditLog).where(AuditLog.complaint_id == complaint_id, AuditLog.actor_id == actor_id)
            ).all()
        )


async def _case_in_classification(api) -> tuple[str, object]:
    party = make_party(api.engine)
    cid = (await file_case(api, party))["complaint_id"]
    await wait_stage(api, cid, "classification")
    return cid, party


async def test_a_retried_action_replays_the_first_answer_and_acts_once(live_api):
    cid, _ = await _case_in_classification(live_api)
    key = new_key()
    first = await act(live_api, cid, "classification-review", {"confirm": True}, "U-agent1", key=key)
    recorded = [a.action for a in _audit(live_api.engine, cid, "U-agent1")]
    retry = await act(live_api, cid, "classification-review", {"confirm": True}, "U-agent1", key=key)
    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json() and retry.headers["idempotent-replayed"] == "true"
    assert recorded
    assert [a.action for a in _audit(live_api.engine, cid, "U-agent1")] == recorded

    changed = await act(
        live_api, cid, "classification-review", {"confirm": False, "severity": "A"}, "U-agent1", key=key
    )
    assert assert_error(changed, 422, "validation_error")["error"]["details"][0]["field"] == "header.Idempotency-Key"


async def test_a_retry_after_a_lost_answer_is_deduplicated_by_temporal(live_api):
    """The update reached the workflow but the API never stored its answer: the retry must not act again."""
    cid, _ = await _case_in_classification(live_api)
    key = new_key()
    handle = live_api.app.state.temporal.connected.get_workflow_handle(workflow_id(cid))
    await handle.execute_update(
        "review_classification",
        ClassificationReview(actor=Actor(id="U-agent1", role=Role.AGENT), confirm=True),
        id=update_id("U-agent1", key),
    )
    recorded = [a.action for a in _audit(live_api.engine, cid, "U-agent1")]

    retry = await act(live_api, cid, "classification-review", {"confirm": True}, "U-agent1", key=key)
    assert retry.status_code == 200, retry.text
    assert retry.json()["stage"] == "evidence"
    assert [a.action for a in _audit(live_api.engine, cid, "U-agent1")] == recorded


async def test_two_agents_racing_on_one_step_one_wins_the_other_gets_409(live_api):
    cid, _ = await _case_in_classification(live_api)
    first, second = await asyncio.gather(
        act(live_api, cid, "classification-review", {"confirm": True}, "U-agent1"),
        act(
            live_api, cid, "classification-review", {"confirm": False, "severity": "A", "reason": "allergy"}, "U-agent2"
        ),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    loser = first if first.status_code == 409 else second
    assert loser.json()["error"]["code"] in ("invalid_stage", "conflict")
    winner = "U-agent1" if first.status_code == 200 else "U-agent2"
    loser_id = "U-agent2" if winner == "U-agent1" else "U-agent1"
    assert _audit(live_api.engine, cid, winner) and _audit(live_api.engine, cid, loser_id) == []


async def test_staff_reads_of_personal_data_are_audited(live_api):
    party = make_party(live_api.engine)
    contact = {"phone": "13911112222", "address": "88 Huaihai Rd, Shanghai"}
    cid = (await file_case(live_api, party, description="the kettle leaks", contact=contact))["complaint_id"]

    response = await live_api.http.get(f"/complaints/{cid}/personal-data", headers=as_user(live_api, "U-audit1"))
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["description"] == "the kettle leaks" and data["contact"]["phone"] == "13911112222"
    assert data["consumer"]["phone"] == "13800138000"
    reads = [a for a in _audit(live_api.engine, cid, "U-audit1") if a.action == "personal_data_read"]
    assert len(reads) == 1 and reads[0].actor_kind == "auditor"

    own = await live_api.http.get(
        f"/complaints/{cid}/personal-data", headers=as_user(live_api, party.consumer_user, party)
    )
    assert own.status_code == 200
    # This login was bound to the consumer a moment ago (as an admin could have done): audited like staff.
    [fresh] = [a for a in _audit(live_api.engine, cid, party.consumer_user) if a.action == "personal_data_read"]
    assert fresh.details["fresh_binding"] is True and fresh.details["consumer_id"] == party.consumer_id
    with Session(live_api.engine) as session:
        user = session.get(User, party.consumer_user)
        user.created_at = user.created_at - timedelta(days=live_api.settings.fresh_binding_audit_days + 1)
        session.add(user)
        session.commit()
    assert (
        await live_api.http.get(
            f"/complaints/{cid}/personal-data", headers=as_user(live_api, party.consumer_user, party)
        )
    ).status_code == 200
    assert (
        len([a for a in _audit(live_api.engine, cid, party.consumer_user) if a.action == "personal_data_read"]) == 1
    )  # a long-standing login reads its own unaudited
    for user in (party.merchant_user, "U-admin1"):
        denied = await live_api.http.get(f"/complaints/{cid}/personal-data", headers=as_user(live_api, user, party))
        assert_error(denied, 403, "forbidden")
    plain = await live_api.http.get(f"/complaints/{cid}", headers=as_user(live_api, "U-agent1"))
    assert "13911112222" not in plain.text and "kettle" not in plain.text


async def test_while_temporal_is_down_writes_are_503_and_leave_nothing_behind(live_engine, tmp_path_factory):
    party = make_party(live_engine)
    with Session(live_engine) as session:
        session.add(
            Complaint(
                id="CMP-down-1",
                workflow_id="complaint-CMP-down-1",
                consumer_id=party.consumer_id,
                merchant_id=party.merchant_id,
                order_id=party.order_id,
                stage="classification",
                created_at=datetime.now(UTC),
                updated_at=datetime.now(UTC),
            )
        )
        session.commit()
    settings = api_settings(tmp_path_factory.mktemp("down"))
    async for api in start_api(settings, live_engine):
        key = new_key()
        response = await act(api, "CMP-down-1", "classification-review", {"confirm": True}, "U-agent1", key=key)
        assert assert_error(response, 503, "unavailable") and response.headers["retry-after"]
        filing = await api.http.post(
            "/complaints",
            headers=as_user(api, party.consumer_user, party, key=new_key()),
            json={"order_id": party.order_id, "description": "broken"},
        )
        assert_error(filing, 503, "unavailable")
        with Session(live_engine) as session:
            assert session.exec(select(IdempotencyRecord).where(IdempotencyRecord.key == key)).all() == []
        health = await api.http.get("/health")
        assert health.status_code == 503 and health.json() == {"database": "ok", "temporal": "unreachable"}
        detail = await api.http.get("/complaints/CMP-down-1", headers=as_user(api, "U-agent1"))
        assert detail.status_code == 200 and detail.json()["live"] is None


async def test_the_api_reconnects_when_temporal_comes_up(live_engine, tmp_path_factory):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = api_settings(tmp_path_factory.mktemp("late"), temporal_address=f"127.0.0.1:{port}")
    async for api in start_api(settings, live_engine):
        assert (await api.http.get("/health")).json()["temporal"] == "unreachable"
        env = await WorkflowEnvironment.start_time_skipping(
            test_server_startup_timeout=SERVER_STARTUP_TIMEOUT,
            test_server_existing_path=find_binary("temporal-test-server"),
            data_converter=data_converter(),
            port=port,
        )
        try:
            await search_attributes.register(env.client)
            health = None
            for _ in range(100):  # the API retries at most every RECONNECT_BACKOFF_SECONDS
                health = await api.http.get("/health")
                if health.status_code == 200:
                    break
                await asyncio.sleep(0.1)
            assert health.json() == {"database": "ok", "temporal": "ok"}
        finally:
            await env.shutdown()


async def test_database_down_is_503_not_500(tmp_path_factory, ts_env):
    dead = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/test?connect_timeout=2")
    settings = api_settings(tmp_path_factory.mktemp("dbdown"))
    async for api in start_api(settings, dead, client=ts_env.client):
        for path in ("/auth/me", "/complaints", "/queues/overdue", "/admin/users"):
            response = await api.http.get(path, headers=as_user(api, "U-agent1"))
            assert_error(response, 503, "unavailable")
            assert response.headers["retry-after"]
        login = await api.http.post("/auth/token", data={"username": "agent1", "password": "demo-password"})
        assert_error(login, 503, "unavailable")
        health = await api.http.get("/health")
        assert health.status_code == 503 and health.json() == {"database": "unreachable", "temporal": "ok"}
    dead.dispose()
