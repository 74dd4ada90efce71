"""Tokens: the password flow, and every way a token can be missing, wrong, expired or revoked."""

import logging
from datetime import timedelta

from pydantic import SecretStr
from sqlmodel import Session

from api.security import create_access_token
from models.tables import User
from tests.api.conftest import ONE_USER_PER_ROLE


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"]["code"] == code
    assert body["request_id"] == response.headers["x-request-id"]
    return body


async def test_password_login_gives_a_token_that_identifies_the_user(api):
    response = await api.http.post("/auth/token", data={"username": "alice", "password": "demo-password"})
    assert response.status_code == 200, response.text
    token = response.json()
    assert token["token_type"] == "bearer" and token["role"] == "consumer"

    me = await api.http.get("/auth/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.status_code == 200
    assert me.json() == {
        "id": "U-alice",
        "username": "alice",
        "role": "consumer",
        "consumer_id": "C001",
        "merchant_id": None,
    }


async def test_every_demo_role_can_log_in(api):
    for role, username in ONE_USER_PER_ROLE.items():
        response = await api.http.post("/auth/token", data={"username": username, "password": "demo-password"})
        assert response.status_code == 200, username
        assert response.json()["role"] == role


async def test_wrong_password_and_unknown_user_get_the_same_401(api):
    wrong = await api.http.post("/auth/token", data={"username": "alice", "password": "nope-nope-nope"})
    unknown = await api.http.post("/auth/token", data={"username": "mallory", "password": "demo-password"})
    for response in (wrong, unknown):
        body = assert_error(response, 401, "unauthorized")
        assert body["error"]["message"] == "incorrect username or password"


async def test_missing_token_is_401_with_a_bearer_challenge(api):
    response = await api.http.get("/auth/me")
    assert_error(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"


async def test_garbage_forged_and_expired_tokens_are_401(api):
    forged = create_access_token(
        api.settings.model_copy(update={"jwt_secret": SecretStr("another-secret-" + "y" * 40)}),
        user_id="U-admin1",
        role="admin",
    )
    expired = create_access_token(api.settings, user_id="U-alice", role="consumer", expires_in=timedelta(seconds=-5))
    for token, message in (
        ("not-a-jwt", "invalid bearer token"),
        (forged, "invalid bearer token"),
        (expired, "token expired; request a new one at /auth/token"),
    ):
        response = await api.http.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert assert_error(response, 401, "unauthorized")["error"]["message"] == message


async def test_a_token_for_an_unknown_user_is_401(api):
    token = create_access_token(api.settings, user_id="U-ghost", role="admin")
    response = await api.http.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert_error(response, 401, "unauthorized")


async def test_a_deactivated_users_token_stops_working_at_once(api):
    headers = api.auth("bob")
    assert (await api.http.get("/auth/me", headers=headers)).status_code == 200
    with Session(api.engine) as session:
        bob = session.get(User, "U-bob")
        bob.active = False
        session.add(bob)
        session.commit()
    try:
        assert_error(await api.http.get("/auth/me", headers=headers), 401, "unauthorized")
        login = await api.http.post("/auth/token", data={"username": "bob", "password": "demo-password"})
        assert_error(login, 401, "unauthorized")
    finally:
        with Session(api.engine) as session:
            bob = session.get(User, "U-bob")
            bob.active = True
            session.add(bob)
            session.commit()


async def test_passwords_and_tokens_never_reach_the_logs(api, caplog):
    caplog.set_level(logging.DEBUG)
    login = await api.http.post("/auth/token", data={"username": "alice", "password": "demo-password"})
    token = login.json()["access_token"]
    await api.http.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    await api.http.get("/auth/me", headers={"Authorization": "Bearer forged.token.value"})
    await api.http.post("/auth/token", data={"username": "alice", "password": "wrong-password-123"})
    logged = "\n".join(f"{r.getMessage()} {r.args}" for r in caplog.records)
    for secret in ("demo-password", "wrong-password-123", token, "forged.token.value"):
        assert secret not in logged
