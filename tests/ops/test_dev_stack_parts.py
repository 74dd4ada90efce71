"""Parts of the dev stack and the worker's metrics: the loopback codec (decodes for the dev UI from this machine
only, audits every decode first), its wiring, and a worker whose metrics port is taken."""

import base64
import os

import httpx
from sqlmodel import Session, select

from cli.dev_codec import ACTOR, create_codec_app
from cli.devstack import StackConfig, stack_ports, temporal_command
from core.db import make_engine
from core.migrate import upgrade_database
from models.tables import AuditLog
from tests.api.conftest import api_settings

PAYLOAD = {
    "metadata": {"encoding": base64.b64encode(b"json/plain").decode()},
    "data": base64.b64encode(b'{"phone": "13900001111"}').decode(),
}


async def _post(app, client_host: str, path: str, body: dict) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, client=(client_host, 50123))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8234") as http:
        return await http.post(path, json=body, headers={"X-Namespace": "default"})


def _decodes(engine) -> list[AuditLog]:
    with Session(engine) as session:
        return list(session.exec(select(AuditLog).where(AuditLog.action == "payloads_decoded")))


async def test_loopback_round_trip_is_audited_and_any_other_address_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'codec.db'}"
    upgrade_database(url)
    engine = make_engine(url)
    settings = api_settings(tmp_path, payload_key=base64.b64encode(os.urandom(32)).decode())
    app = create_codec_app(settings, engine)

    encoded = await _post(app, "127.0.0.1", "/encode", {"payloads": [PAYLOAD]})
    assert encoded.status_code == 200 and encoded.json()["payloads"][0]["data"] != PAYLOAD["data"]
    assert "dev stack only" in encoded.headers["X-Dev-Codec"]
    decoded = await _post(app, "127.0.0.1", "/decode", encoded.json())
    assert decoded.status_code == 200 and decoded.json()["payloads"] == [PAYLOAD]
    [audit] = _decodes(engine)
    assert (audit.actor_kind, audit.actor_id, audit.details["count"], audit.details["namespace"]) == (
        "system",
        ACTOR,
        1,
        "default",
    )

    refused = await _post(app, "192.0.2.7", "/decode", encoded.json())
    assert refused.status_code == 403 and "loopback" in refused.json()["error"]["message"]
    assert len(_decodes(engine)) == 1, "a refused request decodes nothing and records nothing"
    tampered = {"payloads": [{**encoded.json()["payloads"][0], "data": base64.b64encode(b"x" * 40).decode()}]}
    assert (await _post(app, "127.0.0.1", "/decode", tampered)).status_code == 422
    engine.dispose()


def test_the_stack_points_the_ui_at_the_codec_only_when_payloads_are_encrypted(tmp_path):
    cfg = StackConfig(data_dir=tmp_path, codec_port=18234)
    command = temporal_command(cfg, cfg.codec_url)
    assert command[command.index("--ui-codec-endpoint") + 1] == "http://127.0.0.1:18234"
    assert "--ui-codec-endpoint" not in temporal_command(cfg, None)
    assert 18234 in [port for port, *_ in stack_ports(cfg, with_codec=True)]
    assert 18234 not in [port for port, *_ in stack_ports(cfg, with_codec=False)]


def test_a_second_worker_on_a_taken_metrics_port_runs_without_metrics(caplog):
    import socket

    from observability.metrics import worker_runtime

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        assert worker_runtime("127.0.0.1", holder.getsockname()[1]) is None
    assert "worker metrics not served" in caplog.text
    assert worker_runtime("127.0.0.1", 0) is None
