"""Brute force on /auth/token: 429 with Retry-After per username and per address, then a lockout that doubles."""

import pytest_asyncio

from api.errors import ApiError
from api.login_guard import LoginGuard
from tests.api.conftest import api_settings, start_api
from tests.api.test_auth import assert_error

WRONG = "not-the-password"


@pytest_asyncio.fixture
async def strict_api(live_engine, tmp_path):
    """The throttle keeps no state in the database: SQLite alone."""
    settings = api_settings(
        tmp_path,
        login_attempts_per_user="3/minute",
        login_attempts_per_address="8/minute",
        login_lockout_base_seconds=60,
        login_lockout_max_seconds=600,
    )
    async for instance in start_api(settings, live_engine):
        yield instance


async def _login(api, username: str, password: str = WRONG):
    return await api.http.post("/auth/token", data={"username": username, "password": password})


async def test_a_username_past_its_limit_is_locked_out_even_with_the_right_password(strict_api):
    for _ in range(3):
        assert_error(await _login(strict_api, "agent1"), 401, "unauthorized")
    locked = await _login(strict_api, "agent1")
    assert_error(locked, 429, "too_many_requests")
    assert 55 <= int(locked.headers["Retry-After"]) <= 60
    assert_error(await _login(strict_api, "agent1", "demo-password"), 429, "too_many_requests")
    assert (await _login(strict_api, "super1", "demo-password")).status_code == 200  # others are unaffected
    # An unknown name is counted and locked exactly the same: a lockout does not reveal who exists.
    for _ in range(3):
        assert_error(await _login(strict_api, "nobody-here"), 401, "unauthorized")
    assert_error(await _login(strict_api, "nobody-here"), 429, "too_many_requests")


async def test_an_address_past_its_limit_waits_whatever_username_it_tries(strict_api):
    for i in range(8):
        assert_error(await _login(strict_api, f"guess{i}"), 401, "unauthorized")
    spread = await _login(strict_api, "guess-next")
    assert_error(spread, 429, "too_many_requests")
    assert int(spread.headers["Retry-After"]) >= 1
    assert_error(await _login(strict_api, "audit1", "demo-password"), 429, "too_many_requests")


def _lockout_seconds(guard: LoginGuard, user: str) -> int:
    for _ in range(10):
        try:
            guard.failed(user, f"addr-{user}")
        except ApiError as err:
            return int(err.headers["Retry-After"])
    raise AssertionError("never locked out")


def test_each_further_lockout_doubles_up_to_the_maximum(tmp_path):
    guard = LoginGuard.from_settings(
        api_settings(
            tmp_path,
            login_attempts_per_user="2/minute",
            login_attempts_per_address="1000/minute",
            login_lockout_base_seconds=10,
            login_lockout_max_seconds=35,
        )
    )
    seen = []
    for _ in range(4):
        seen.append(_lockout_seconds(guard, "mallory"))
        guard.storage.clear("login-lock/mallory")  # as if the lockout had run out
    assert seen == [10, 20, 35, 35]
    guard.succeeded("mallory")
    assert _lockout_seconds(guard, "mallory") == 10
