"""Nothing a client sends produces a 500: every operation in the OpenAPI document, hostile inputs, every role."""

import json

import pytest

from tests.api.conftest import make_party, new_key
from tests.api.flow import as_user, file_case, wait_stage

HOSTILE_BODIES: list[tuple[str, bytes | None]] = [
    ("application/json", b"{not json"),
    ("application/json", b"[]"),
    ("application/json", b"null"),
    ("application/json", b"{}"),
    ("application/json", json.dumps({"unexpected": True, "actor": {"id": "x", "role": "admin"}}).encode()),
    (
        "application/json",
        json.dumps(
            {"reason": "x" * 100_000, "confirm": "yes", "party": 7, "refund_minor": 10**30, "offer_id": None}
        ).encode(),
    ),
    ("application/json", json.dumps({"a": [[[[[[[[[[{}]]]]]]]]]]}).encode()),
    ("text/plain", b"hello"),
    ("application/x-www-form-urlencoded", b"username=%00&password="),
    ("application/yaml", b"version: [unclosed"),
    ("application/json", "\ud800".encode("utf-8", "surrogatepass")),
    ("application/json", None),
]
HOSTILE_IDS = ["CMP-nope-1", "x" * 300, "投诉-1", "..%2F..%2Fetc", "%00", "complaint-CMP-1"]
HOSTILE_KEYS = [None, "", "k", "ключ-идемпотентности".encode(), "x" * 500, "valid-key-but-reused"]


def _operations(spec: dict) -> list[tuple[str, str]]:
    return [
        (path, method.upper())
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "post", "put")
    ]


@pytest.fixture(scope="module")
async def real_case(live_api):
    party = make_party(live_api.engine)
    cid = (await file_case(live_api, party))["complaint_id"]
    await wait_stage(live_api, cid, "classification")
    return cid, party


async def test_no_operation_answers_500_to_hostile_input(live_api, real_case):
    cid, party = real_case
    spec = (await live_api.http.get("/openapi.json")).json()
    users = [("U-agent1", None), (party.consumer_user, party), ("U-admin1", None)]
    failures, sent = [], 0
    for path, method in _operations(spec):
        ids = [cid, *HOSTILE_IDS] if "{complaint_id}" in path or "{user_id}" in path else [None]
        for i, target in enumerate(ids):
            url = path.replace("{complaint_id}", target or "").replace("{user_id}", target or "")
            bodies = HOSTILE_BODIES if method != "GET" and i == 0 else HOSTILE_BODIES[:1]
            for user, owner in users:
                for content_type, body in bodies:
                    headers = as_user(live_api, user, owner, key=new_key())
                    headers["Content-Type"] = content_type
                    response = await live_api.http.request(
                        method, url, content=body, headers=headers, params={"limit": "-1", "sort": "'; drop table"}
                    )
                    sent += 1
                    # Readiness answers 503 by contract when no worker polls (the time-skipping server
                    # reports no pollers); that is an answer about the deployment, not about the input.
                    if response.status_code >= 500 and (path, response.status_code) != ("/health/ready", 503):
                        failures.append(
                            (
                                method,
                                url[:60],
                                user,
                                body[:40] if body else body,
                                response.status_code,
                                response.text[:200],
                            )
                        )
    assert failures == []
    assert sent > 1000  # the sweep really covered the operations


async def test_hostile_headers_and_query_strings(live_api, real_case):
    cid, party = real_case
    failures = []
    for key in HOSTILE_KEYS:
        headers = as_user(live_api, "U-agent1")
        if key is None:
            del headers["Idempotency-Key"]
        else:
            headers["Idempotency-Key"] = key
        for path in (f"/complaints/{cid}/assignment", "/complaints", "/admin/users"):
            response = await live_api.http.post(path, json={}, headers=headers)
            if response.status_code >= 500:
                failures.append((path, key, response.status_code, response.text[:200]))
    for params in (
        {"created_from": "yesterday"},
        {"stage": ["x" * 10_000]},
        {"offset": "9" * 50},
        {"limit": "1e3"},
        {"assignee": "\x00"},
        {"sort": "-"},
    ):
        response = await live_api.http.get("/complaints", params=params, headers=as_user(live_api, "U-agent1"))
        if response.status_code >= 500:
            failures.append(("/complaints", params, response.status_code, response.text[:200]))
    for authorization in ("Bearer", "Basic YWxpY2U6ZGVtbw==", "Bearer " + "a" * 10_000, "Bearer a.b.c"):
        response = await live_api.http.get("/auth/me", headers={"Authorization": authorization})
        if response.status_code != 401:
            failures.append(("/auth/me", authorization[:20], response.status_code, response.text[:200]))
    assert failures == []
