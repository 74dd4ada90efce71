"""Personal data in Temporal: ciphertext in the history, readable only through the audited codec endpoint."""

import base64
import os

from sqlmodel import Session, select
from temporalio.api.history.v1 import History
from temporalio.client import Client

from core.temporal import data_converter
from models.tables import AuditLog
from tests.api.conftest import api_settings, make_party, start_api, start_live_api
from tests.api.flow import act, as_user, file_case, wait_stage
from tests.api.test_auth import assert_error
from workflows.ids import workflow_id

PHONE = "13987654321"
ADDRESS = "99 Quiet Lane, Hangzhou"
DESCRIPTION = "the blender sparks when switched on"


def _history_bytes(history) -> bytes:
    """Every byte of the history as stored: payload data appears here as it is, not base64-encoded."""
    return History(events=history.events).SerializeToString()


def _started_input(history) -> list[dict]:
    payloads = history.events[0].workflow_execution_started_event_attributes.input.payloads
    return [
        {
            "metadata": {k: base64.b64encode(v).decode() for k, v in p.metadata.items()},
            "data": base64.b64encode(p.data).decode(),
        }
        for p in payloads
    ]


async def _file_with_personal_data(api) -> str:
    party = make_party(api.engine)
    contact = {"phone": PHONE, "address": ADDRESS}
    cid = (await file_case(api, party, description=DESCRIPTION, contact=contact))["complaint_id"]
    await wait_stage(api, cid, "classification")
    await act(api, cid, "classification-review", {"confirm": True}, "U-agent1")
    return cid


async def test_with_the_key_set_the_history_holds_no_phone_number_or_address(ts_env, live_engine, tmp_path_factory):
    key = base64.b64encode(os.urandom(32)).decode()
    encrypted = Client(
        ts_env.client.service_client, namespace=ts_env.client.namespace, data_converter=data_converter(key)
    )
    async for api in start_live_api(encrypted, live_engine, tmp_path_factory.mktemp("pii"), payload_key=key):
        cid = await _file_with_personal_data(api)
        # Failure messages are encrypted too, yet the API (holding the key) still names the stage.
        refused = await act(api, cid, "offer-response", {"offer_id": "O1", "accept": True}, "U-agent1")
        assert assert_error(refused, 409, "invalid_stage")["error"]["details"]["stage"] == "evidence"
        # Fetched by a client without the key: exactly what the server, its database and its UI hold.
        history = await ts_env.client.get_workflow_handle(workflow_id(cid)).fetch_history()
        stored = _history_bytes(history)
        for secret in (PHONE, ADDRESS, DESCRIPTION):
            assert secret.encode() not in stored

        decoded = await api.http.post(
            "/codec/decode",
            json={"payloads": _started_input(history)},
            headers={**as_user(api, "U-super1"), "X-Namespace": "default"},
        )
        assert decoded.status_code == 200, decoded.text
        plain = b"".join(base64.b64decode(p["data"]) for p in decoded.json()["payloads"])
        assert PHONE.encode() in plain and ADDRESS.encode() in plain
        with Session(live_engine) as session:
            audited = session.exec(
                select(AuditLog).where(AuditLog.action == "payloads_decoded", AuditLog.actor_id == "U-super1")
            ).all()
        # The record names whose payloads were decoded: the case and its workflow.
        assert len(audited) == 1 and audited[0].complaint_id == cid
        assert audited[0].details == {
            "count": 1,
            "namespace": "default",
            "complaint_ids": [cid],
            "workflow_ids": [workflow_id(cid)],
            "unidentified_payloads": 0,
        }


async def test_without_a_key_the_same_history_would_show_them(live_api, ts_env):
    """The control for the test above: it detects plaintext when there is plaintext to detect."""
    cid = await _file_with_personal_data(live_api)
    history = await ts_env.client.get_workflow_handle(workflow_id(cid)).fetch_history()
    assert PHONE.encode() in _history_bytes(history)


async def test_codec_round_trip_roles_and_bad_input(live_engine, tmp_path_factory):
    key = base64.b64encode(os.urandom(32)).decode()
    settings = api_settings(tmp_path_factory.mktemp("codec"), payload_key=key)
    async for api in start_api(settings, live_engine):
        plain = {
            "payloads": [
                {
                    "metadata": {"encoding": base64.b64encode(b"json/plain").decode()},
                    "data": base64.b64encode(b'{"phone": "139"}').decode(),
                }
            ]
        }
        encoded = await api.http.post("/codec/encode", json=plain, headers=as_user(api, "U-super1"))
        assert encoded.status_code == 200
        sealed = encoded.json()["payloads"][0]
        assert base64.b64decode(sealed["metadata"]["encoding"]) == b"binary/encrypted"
        assert b"139" not in base64.b64decode(sealed["data"])
        decoded = await api.http.post("/codec/decode", json=encoded.json(), headers=as_user(api, "U-audit1"))
        assert decoded.json() == plain

        # Only the roles that read histories: admins see no case data, agents use the audited endpoint.
        for username in ("alice", "shop1", "admin1", "agent1"):
            headers = {"Authorization": f"Bearer {api.token(username)}"}
            assert_error(await api.http.post("/codec/decode", json=plain, headers=headers), 403, "forbidden")
        told = await api.http.post(
            "/codec/decode",
            json=encoded.json(),
            headers={**as_user(api, "U-audit1"), "X-Workflow-Id": "complaint-CMP-Q-1"},
        )
        assert told.status_code == 200
        with Session(live_engine) as session:
            last = session.exec(
                select(AuditLog).where(AuditLog.action == "payloads_decoded").order_by(AuditLog.id.desc())
            ).first()
        assert last.details["workflow_ids"] == ["complaint-CMP-Q-1"] and last.details["unidentified_payloads"] == 1
        assert_error(await api.http.post("/codec/decode", json=plain), 401, "unauthorized")

        bad = {"payloads": [{"metadata": {}, "data": "***not base64***"}]}
        error = assert_error(
            await api.http.post("/codec/decode", json=bad, headers=as_user(api, "U-audit1")), 422, "validation_error"
        )["error"]
        assert error["details"][0]["field"] == "body.payloads.0.data"
        forged = {"payloads": [{**sealed, "data": base64.b64encode(b"x" * 40).decode()}]}
        assert_error(
            await api.http.post("/codec/decode", json=forged, headers=as_user(api, "U-audit1")), 422, "validation_error"
        )


async def test_cors_admits_the_temporal_ui_origin_only(live_api):
    api = live_api
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,x-namespace",
    }
    ui = f"http://localhost:{api.settings.temporal_ui_port}"
    allowed = await api.http.options("/codec/decode", headers={"Origin": ui, **preflight})
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == ui
    other = await api.http.options("/codec/decode", headers={"Origin": "https://evil.example", **preflight})
    assert "access-control-allow-origin" not in other.headers


async def test_health_is_200_when_both_are_up(live_api):
    response = await live_api.http.get("/health")
    assert response.status_code == 200 and response.json() == {"database": "ok", "temporal": "ok"}
