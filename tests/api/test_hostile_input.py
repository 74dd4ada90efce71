"""Hostile input without a workflow: NUL and control characters, huge values, wrong types, old tokens.

Each answer is a 4xx naming the field, on SQLite and PostgreSQL; nothing reaches the database.
"""

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from sqlmodel import Session, func, select

from api.main import create_app
from api.security import ALGORITHM
from core.settings import DEV_JWT_SECRET
from models.tables import AuditLog, Complaint
from tests.api.conftest import api_settings, new_key
from tests.api.test_auth import assert_error

HOSTILE = ["\x00", "a\x00b", "\x07bell", "esc\x1b[31m", "\x7f", "c1\x85"]


def _field(response) -> str:
    return response.json()["error"]["details"][0]["field"]


def _counts(engine) -> tuple[int, int]:
    with Session(engine) as session:
        return (
            session.exec(select(func.count()).select_from(Complaint)).one(),
            session.exec(select(func.count()).select_from(AuditLog)).one(),
        )


def _filing(**overrides) -> dict:
    return {"order_id": "O1001", "order_line_id": "O1001-L1", "description": "broken", **overrides}


@pytest.mark.parametrize("bad", HOSTILE)
async def test_control_characters_are_refused_everywhere_naming_the_field(api, bad):
    before = _counts(api.engine)
    body = await api.http.post(
        "/complaints", json=_filing(contact={"phone": bad}), headers=api.auth("alice", new_key())
    )
    assert_error(body, 422, "validation_error")
    assert _field(body) == "body.contact.phone"
    nested = await api.http.post(
        "/complaints",
        json=_filing(evidence=[{"kind": "photo", "description": bad}]),
        headers=api.auth("alice", new_key()),
    )
    assert _field(nested) == "body.evidence.0.description"
    query = await api.http.get("/complaints", params={"consumer_id": bad}, headers=api.auth("agent1"))
    assert_error(query, 422, "validation_error")
    assert _field(query) == "query.consumer_id"
    form = await api.http.post("/auth/token", data={"username": f"alice{bad}", "password": "demo-password"})
    assert_error(form, 422, "validation_error")
    assert _field(form) == "body.username"
    assert _counts(api.engine) == before


async def test_a_lone_surrogate_in_json_is_refused(api):
    raw = json.dumps(_filing(description="x\ud800y"))  # ensure_ascii: sent as the escape \\ud800
    response = await api.http.post(
        "/complaints", content=raw, headers={**api.auth("alice", new_key()), "Content-Type": "application/json"}
    )
    assert_error(response, 422, "validation_error")
    assert _field(response) == "body.description"


async def test_control_characters_in_a_path_and_in_a_key_are_refused(api):
    path = await api.http.get("/complaints/CMP-1%00x", headers=api.auth("agent1"))
    assert_error(path, 422, "validation_error")
    assert _field(path) == "path.complaint_id"
    key = await api.http.post("/complaints", json=_filing(**{"x\x00": 1}), headers=api.auth("alice", new_key()))
    assert_error(key, 422, "validation_error")
    assert _field(key) == "body.<key>"
    yaml_policy = await api.http.put(
        "/admin/policy", content="version: x\x00\n", headers={**api.auth("admin1"), "Content-Type": "application/yaml"}
    )
    assert _field(yaml_policy) == "body"


async def test_tabs_newlines_rtl_marks_and_other_scripts_pass(api):
    for text in ("第一行\n第二行\t结束", "\u200fمرحبا\u202e", "emoji 📦", "ok\r\n"):
        listed = await api.http.get("/complaints", params={"consumer_id": text}, headers=api.auth("agent1"))
        assert listed.status_code == 200, listed.text
        login = await api.http.post("/auth/token", data={"username": text, "password": "demo-password"})
        assert_error(login, 401, "unauthorized")


async def test_bodies_over_the_limit_get_413_before_parsing(api):
    huge = await api.http.post(
        "/complaints",
        content=b"{" + b" " * (api.settings.api_max_body_bytes + 1) + b"}",
        headers={**api.auth("alice", new_key()), "Content-Type": "application/json"},
    )
    assert_error(huge, 413, "payload_too_large")

    async def chunks():  # no Content-Length: counted as it streams
        for _ in range(40):
            yield b" " * 65536

    streamed = await api.http.post(
        "/complaints", content=chunks(), headers={**api.auth("alice", new_key()), "Content-Type": "application/json"}
    )
    assert_error(streamed, 413, "payload_too_large")


async def test_every_string_and_list_is_bounded_and_errors_stay_small(api):
    for body, field in (
        (_filing(contact={"phone": "1" * 41}), "body.contact.phone"),
        (_filing(contact={"address": "x" * 501}), "body.contact.address"),
        (_filing(description="d" * 4001), "body.description"),
        (_filing(order_id="O" * 101), "body.order_id"),
        (
            _filing(
                evidence=[{"kind": "photo", "description": "x" * 2001, "attachment_ref": "s3://a", "sha256": "0" * 64}]
            ),
            "body.evidence.0.description",
        ),
    ):
        response = await api.http.post("/complaints", json=body, headers=api.auth("alice", new_key()))
        assert_error(response, 422, "validation_error")
        assert _field(response) == field
    many = _filing(evidence=[{"kind": "photo", "attachment_ref": f"s3://{i}", "sha256": "0" * 64} for i in range(21)])
    response = await api.http.post("/complaints", json=many, headers=api.auth("alice", new_key()))
    assert _field(response) == "body.evidence"
    for step, body, field in (
        ("offers", {"note": "n" * 1001}, "body.note"),
        ("offer-response", {"offer_id": "o", "accept": False, "reason": "r" * 1001}, "body.reason"),
        ("survey", {"resolved_score": 1, "communication_score": 1, "comment": "c" * 2001}, "body.comment"),
        ("classification-review", {"confirm": False, "reason": "r" * 1001}, "body.reason"),
    ):
        user = {"survey": "alice", "offer-response": "alice"}.get(step, "agent1")
        response = await api.http.post(f"/complaints/CMP-X/{step}", json=body, headers=api.auth(user, new_key()))
        assert_error(response, 422, "validation_error")
        assert _field(response) == field
    # A 900 KB unexpected key used to come back twice in a 2 MB error.
    echo = await api.http.post("/complaints", json=_filing(**{"k" * 900_000: 1}), headers=api.auth("alice", new_key()))
    assert_error(echo, 422, "validation_error")
    assert len(echo.content) < 4000


async def test_money_is_a_strict_integer(api):
    for value in ("100", 100.5, True, "１００"):
        response = await api.http.post(
            "/complaints/CMP-X/offers", json={"refund_minor": value}, headers=api.auth("agent1", new_key())
        )
        assert_error(response, 422, "validation_error")
        assert _field(response) == "body.refund_minor"


async def test_a_policy_mixing_aware_and_naive_business_hours_is_a_422(api):
    body = {"version": "tz-mix", "business_hours": {"enabled": True, "start": "09:00:00+08:00", "end": "18:00:00"}}
    response = await api.http.put("/admin/policy", json=body, headers=api.auth("admin1"))
    assert_error(response, 422, "validation_error")
    assert "business_hours" in response.json()["error"]["message"]


async def test_a_token_older_than_the_maximum_age_is_refused_whatever_its_exp(api):
    now = datetime.now(UTC)
    secret = api.settings.jwt_secret.get_secret_value()
    old = jwt.encode(
        {
            "sub": "U-admin1",
            "role": "admin",
            "iat": now - timedelta(minutes=api.settings.jwt_max_age_minutes + 1),
            "exp": now + timedelta(days=3650),
        },
        secret,
        algorithm=ALGORITHM,
    )
    no_iat = jwt.encode(
        {"sub": "U-admin1", "role": "admin", "exp": now + timedelta(days=3650)}, secret, algorithm=ALGORITHM
    )
    future = jwt.encode(
        {"sub": "U-admin1", "role": "admin", "iat": now + timedelta(days=1), "exp": now + timedelta(days=3650)},
        secret,
        algorithm=ALGORITHM,
    )
    for token in (old, no_iat, future):
        response = await api.http.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert_error(response, 401, "unauthorized")
    login = await api.http.post("/auth/token", data={"username": "admin1", "password": "demo-password"})
    assert login.json()["expires_in"] <= api.settings.jwt_max_age_minutes * 60


@pytest.mark.parametrize("secret", ["", "   ", DEV_JWT_SECRET])
def test_production_refuses_to_start_on_a_missing_or_built_in_secret(tmp_path, secret):
    with pytest.raises(SystemExit) as exited:
        create_app(api_settings(tmp_path, dev_mode=False, jwt_secret=secret))
    assert "JWT_SECRET" in str(exited.value) and "\n" not in str(exited.value)
    create_app(api_settings(tmp_path, dev_mode=True, jwt_secret=DEV_JWT_SECRET))  # dev mode may


def test_the_worker_refuses_to_start_on_the_built_in_secret(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "DEV_MODE": "false",
        "JWT_SECRET": DEV_JWT_SECRET,
        "DATA_DIR": str(tmp_path),
        "TEMPORAL_ADDRESS": "127.0.0.1:1",
    }
    done = subprocess.run(
        [sys.executable, "worker.py"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0 and "JWT_SECRET" in done.stderr
