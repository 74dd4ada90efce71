"""Admin endpoints: users and policy. Every change is audited; a retry with the same key is a replay."""

import yaml
from sqlmodel import Session, select

from api.policy_store import active_policy_path
from models.policy import Policy
from models.tables import AuditLog, User
from tests.api.conftest import ONE_USER_PER_ROLE, new_key
from tests.api.test_auth import assert_error

NON_ADMINS = [u for r, u in ONE_USER_PER_ROLE.items() if r != "admin"]


def _audit_actions(engine, action: str) -> list[AuditLog]:
    with Session(engine) as session:
        return list(session.exec(select(AuditLog).where(AuditLog.action == action)).all())


async def test_admin_lists_users_without_password_hashes(api):
    response = await api.http.get("/admin/users", headers=api.auth("admin1"), params={"role": "agent"})
    assert response.status_code == 200
    users = response.json()
    assert [u["username"] for u in users] == ["agent1", "agent2"]
    assert all("hashed_password" not in u for u in users)


async def test_only_admins_manage_users(api):
    for username in NON_ADMINS:
        headers = api.auth(username, new_key())
        assert_error(await api.http.get("/admin/users", headers=headers), 403, "forbidden")
        created = await api.http.post(
            "/admin/users", headers=headers, json={"username": "x-" + username, "password": "p" * 12, "role": "agent"}
        )
        assert_error(created, 403, "forbidden")
        assert_error(await api.http.post("/admin/users/U-agent2/deactivate", headers=headers), 403, "forbidden")


async def test_create_user_is_idempotent_and_audited(api):
    key = new_key()
    body = {"username": "carol", "password": "carol-passphrase", "role": "consumer", "consumer_id": "C003"}
    first = await api.http.post("/admin/users", headers=api.auth("admin1", key), json=body)
    assert first.status_code == 201, first.text
    retry = await api.http.post("/admin/users", headers=api.auth("admin1", key), json=body)
    assert retry.status_code == 201 and retry.json() == first.json()
    assert retry.headers["idempotent-replayed"] == "true"
    with Session(api.engine) as session:
        assert len(session.exec(select(User).where(User.username == "carol")).all()) == 1
    audited = [a for a in _audit_actions(api.engine, "user_created") if a.details["username"] == "carol"]
    assert len(audited) == 1 and audited[0].actor_id == "U-admin1"

    login = await api.http.post("/auth/token", data={"username": "carol", "password": "carol-passphrase"})
    assert login.status_code == 200


async def test_the_same_key_with_a_different_body_is_refused_naming_the_header(api):
    key = new_key()
    body = {"username": "dave", "password": "dave-passphrase", "role": "agent"}
    assert (await api.http.post("/admin/users", headers=api.auth("admin1", key), json=body)).status_code == 201
    other = await api.http.post("/admin/users", headers=api.auth("admin1", key), json={**body, "username": "eve"})
    error = assert_error(other, 422, "validation_error")["error"]
    assert error["details"][0]["field"] == "header.Idempotency-Key"


async def test_user_validation_names_the_field(api):
    cases = [
        ({"username": "frank", "password": "short", "role": "agent"}, "body.password"),
        ({"username": "frank", "password": "frank-passphrase", "role": "wizard"}, "body.role"),
        ({"username": "frank", "password": "frank-passphrase", "role": "consumer"}, "body.consumer_id"),
        (
            {"username": "frank", "password": "frank-passphrase", "role": "merchant", "merchant_id": "M999"},
            "body.merchant_id",
        ),
        (
            {"username": "frank", "password": "frank-passphrase", "role": "agent", "merchant_id": "M001"},
            "body.merchant_id",
        ),
    ]
    for body, field in cases:
        response = await api.http.post("/admin/users", headers=api.auth("admin1", new_key()), json=body)
        error = assert_error(response, 422, "validation_error")["error"]
        assert error["details"][0]["field"] == field, body
        assert error["message"].startswith(field)


async def test_duplicate_username_is_409(api):
    body = {"username": "agent1", "password": "agent-passphrase", "role": "agent"}
    response = await api.http.post("/admin/users", headers=api.auth("admin1", new_key()), json=body)
    assert_error(response, 409, "conflict")


async def test_deactivate_user_revokes_access_and_is_repeatable(api):
    created = await api.http.post(
        "/admin/users",
        headers=api.auth("admin1", new_key()),
        json={"username": "temp-agent", "password": "temp-passphrase", "role": "agent"},
    )
    user_id = created.json()["id"]
    login = await api.http.post("/auth/token", data={"username": "temp-agent", "password": "temp-passphrase"})
    token = {"Authorization": f"Bearer {login.json()['access_token']}"}
    assert (await api.http.get("/auth/me", headers=token)).status_code == 200

    for _ in range(2):
        response = await api.http.post(f"/admin/users/{user_id}/deactivate", headers=api.auth("admin1", new_key()))
        assert response.status_code == 200 and response.json()["active"] is False
    assert_error(await api.http.get("/auth/me", headers=token), 401, "unauthorized")
    assert len([a for a in _audit_actions(api.engine, "user_deactivated") if a.details["user_id"] == user_id]) == 1


async def test_deactivate_unknown_user_is_404_and_self_is_409(api):
    assert_error(await api.http.post("/admin/users/U-nobody/deactivate", headers=api.auth("admin1")), 404, "not_found")
    assert_error(await api.http.post("/admin/users/U-admin1/deactivate", headers=api.auth("admin1")), 409, "conflict")


# ---- policy ---------------------------------------------------------------------------------------


async def test_admin_and_auditor_read_the_policy_others_may_not(api):
    for username in ("admin1", "audit1"):
        response = await api.http.get("/admin/policy", headers=api.auth(username))
        assert response.status_code == 200
        assert response.json()["version"] == "2026.12-default"
    for username in ("alice", "shop1", "agent1", "super1"):
        assert_error(await api.http.get("/admin/policy", headers=api.auth(username)), 403, "forbidden")
    denied = await api.http.put("/admin/policy", headers=api.auth("audit1"), json={"version": "x"})
    assert_error(denied, 403, "forbidden")


async def test_put_policy_installs_it_for_new_cases_and_audits(api):
    current = (await api.http.get("/admin/policy", headers=api.auth("admin1"))).json()["policy"]
    current["version"] = "2026.12-faster-intake"
    current["intake"]["completion"] = "PT10M"
    response = await api.http.put("/admin/policy", headers=api.auth("admin1", new_key()), json=current)
    assert response.status_code == 200, response.text
    assert response.json()["changed"] is True
    installed = Policy.model_validate(yaml.safe_load(active_policy_path(api.settings).read_text()))
    assert installed.version == "2026.12-faster-intake" and installed.intake.completion.total_seconds() == 600
    read_back = (await api.http.get("/admin/policy", headers=api.auth("admin1"))).json()
    assert read_back["version"] == "2026.12-faster-intake"
    assert read_back["source"].endswith("policy.active.yaml")
    audited = [
        a for a in _audit_actions(api.engine, "policy_changed") if a.details["to_version"] == "2026.12-faster-intake"
    ]
    assert len(audited) == 1

    again = await api.http.put("/admin/policy", headers=api.auth("admin1", new_key()), json=current)
    assert again.status_code == 200 and again.json()["changed"] is False


async def test_put_policy_as_yaml(api):
    text = "version: 2026.12-yaml\nsla:\n  warning_ratio: 0.7\n"
    response = await api.http.put(
        "/admin/policy", content=text, headers={**api.auth("admin1", new_key()), "Content-Type": "application/yaml"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["policy"]["sla"]["warning_ratio"] == 0.7


async def test_invalid_policies_are_422_naming_the_field(api):
    active = (await api.http.get("/admin/policy", headers=api.auth("admin1"))).json()["version"]
    cases = [
        ({"version": "bad-1", "sla": {"warning_ratio": 1.5}}, "body.sla.warning_ratio"),
        ({"version": "bad-2", "surprise": True}, "body.surprise"),
        ({"version": "bad-3", "sla": {"stage": {"evidence": "P3D"}}}, "body.sla.stage.negotiation"),
        ({"version": active, "currency": "USD"}, "body.version"),
    ]
    for body, field in cases:
        response = await api.http.put("/admin/policy", headers=api.auth("admin1", new_key()), json=body)
        error = assert_error(response, 422, "validation_error")["error"]
        assert error["details"][0]["field"] == field, error
    broken = await api.http.put(
        "/admin/policy",
        content="{not json",
        headers={**api.auth("admin1", new_key()), "Content-Type": "application/json"},
    )
    assert_error(broken, 422, "validation_error")
    assert (await api.http.get("/admin/policy", headers=api.auth("admin1"))).json()["version"] == active
