"""The Idempotency-Key store on both databases: replay, in-flight duplicates, failures, abandoned claims."""

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select
from starlette.requests import Request

from api.errors import ApiError, conflict, unavailable
from api.idempotency import STALE_AFTER, fingerprint, run_once
from models.tables import IdempotencyRecord
from tests.api.conftest import new_key

BODY = {"confirm": True}


def _request(path: str = "/complaints/C-1/classification-review") -> Request:
    return Request(
        {
            "type": "http",
            "method": "POST",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": [],
            "scheme": "http",
            "server": ("api.test", 80),
            "state": {"request_id": "r-1"},
        }
    )


def _records(engine, key: str) -> list[IdempotencyRecord]:
    with Session(engine) as session:
        return list(session.exec(select(IdempotencyRecord).where(IdempotencyRecord.key == key)).all())


async def test_a_duplicate_while_the_first_is_running_is_409_then_replays(api_engine):
    key, gate, calls = new_key(), asyncio.Event(), []

    async def slow_work():
        calls.append(1)
        await gate.wait()
        return 201, {"complaint_id": "C-1"}

    first = asyncio.create_task(run_once(_request(), api_engine, "U-agent1", key, BODY, slow_work))
    for _ in range(200):
        if _records(api_engine, key):
            break
        await asyncio.sleep(0.01)
    with pytest.raises(ApiError) as in_flight:
        await run_once(_request(), api_engine, "U-agent1", key, BODY, slow_work)
    assert in_flight.value.status_code == 409 and "in progress" in in_flight.value.message
    gate.set()
    done = await first
    replay = await run_once(_request(), api_engine, "U-agent1", key, BODY, slow_work)
    assert (done.status_code, done.body) == (replay.status_code, replay.body) == (201, b'{"complaint_id":"C-1"}')
    assert replay.headers["idempotent-replayed"] == "true" and calls == [1]


async def test_keys_belong_to_one_user(api_engine):
    key = new_key()

    async def work():
        return 200, {"n": 1}

    await run_once(_request(), api_engine, "U-agent1", key, BODY, work)
    other = await run_once(_request(), api_engine, "U-agent2", key, BODY, work)
    assert "idempotent-replayed" not in other.headers
    assert len(_records(api_engine, key)) == 2


async def test_a_definite_refusal_is_stored_and_replayed(api_engine):
    key, calls = new_key(), []

    async def refused():
        calls.append(1)
        raise conflict("offer O1 is still open")

    with pytest.raises(ApiError) as err:
        await run_once(_request(), api_engine, "U-agent1", key, BODY, refused)
    assert err.value.status_code == 409
    replay = await run_once(_request(), api_engine, "U-agent1", key, BODY, refused)
    assert replay.status_code == 409 and replay.headers["idempotent-replayed"] == "true"
    assert json.loads(replay.body) == {
        "error": {"code": "conflict", "message": "offer O1 is still open", "details": None},
        "request_id": "r-1",
    }
    assert calls == [1]


async def test_an_outage_releases_the_key_so_the_retry_runs(api_engine):
    key, outcomes = new_key(), [unavailable("temporal down"), None]

    async def flaky():
        outcome = outcomes.pop(0)
        if outcome:
            raise outcome
        return 200, {"ok": True}

    with pytest.raises(ApiError) as err:
        await run_once(_request(), api_engine, "U-agent1", key, BODY, flaky)
    assert err.value.status_code == 503 and _records(api_engine, key) == []
    retry = await run_once(_request(), api_engine, "U-agent1", key, BODY, flaky)
    assert retry.status_code == 200 and outcomes == []


async def test_an_abandoned_claim_is_taken_over_once_stale(api_engine):
    key, request = new_key(), _request()
    with Session(api_engine) as session:
        session.add(
            IdempotencyRecord(
                user_id="U-agent1",
                key=key,
                request_hash=fingerprint(request, BODY),
                created_at=datetime.now(UTC) - STALE_AFTER - timedelta(seconds=1),
            )
        )
        session.commit()

    async def work():
        return 200, {"ok": True}

    response = await run_once(request, api_engine, "U-agent1", key, BODY, work)
    assert response.status_code == 200
    [record] = _records(api_engine, key)
    assert record.status_code == 200


async def test_fingerprint_depends_on_path_and_body():
    assert fingerprint(_request(), BODY) == fingerprint(_request(), {"confirm": True})
    assert fingerprint(_request(), BODY) != fingerprint(_request(), {"confirm": False})
    assert fingerprint(_request(), BODY) != fingerprint(_request("/complaints/C-2/classification-review"), BODY)
