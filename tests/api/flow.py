"""Driving a case through the HTTP API, the way a client would."""

import asyncio
import hashlib

from tests.api.conftest import Api, Party, headers_for, new_key

STAFF_ROLE = {
    "U-agent1": "agent",
    "U-agent2": "agent",
    "U-super1": "supervisor",
    "U-audit1": "auditor",
    "U-admin1": "admin",
}


def evidence(name: str) -> dict:
    return {
        "kind": "photo",
        "description": "close-up of the crack",
        "attachment_ref": f"s3://ev/{name}.jpg",
        "sha256": hashlib.sha256(name.encode()).hexdigest(),
    }


def as_user(api: Api, user_id: str, party: Party | None = None, key: str | None = None) -> dict[str, str]:
    if party is not None and user_id == party.consumer_user:
        role = "consumer"
    elif party is not None and user_id == party.merchant_user:
        role = "merchant"
    else:
        role = STAFF_ROLE[user_id]
    return headers_for(api, user_id, role, key or new_key())


async def file_case(
    api: Api,
    party: Party,
    *,
    description: str = "屏幕破损 the screen cracked after two days of use",
    line: int = 0,
    contact: dict | None = None,
) -> dict:
    body = {
        "order_id": party.order_id,
        "order_line_id": party.lines[line],
        "description": description,
        "evidence": [evidence(party.order_id)],
        **({"contact": contact} if contact else {}),
    }
    response = await api.http.post("/complaints", json=body, headers=as_user(api, party.consumer_user, party))
    assert response.status_code == 201, response.text
    return response.json()


async def read(api: Api, complaint_id: str, user_id: str = "U-agent1", party: Party | None = None) -> dict:
    response = await api.http.get(f"/complaints/{complaint_id}", headers=as_user(api, user_id, party))
    assert response.status_code == 200, response.text
    return response.json()


async def wait_for(api: Api, complaint_id: str, predicate, attempts: int = 200) -> dict:
    """Poll the live state until activities have moved the case where `predicate` holds."""
    for _ in range(attempts):
        live = (await read(api, complaint_id))["live"]
        if live is not None and predicate(live):
            return live
        await asyncio.sleep(0.05)
    raise AssertionError(f"case {complaint_id} never settled; last live state: {live}")


async def wait_stage(api: Api, complaint_id: str, stage: str) -> dict:
    return await wait_for(api, complaint_id, lambda live: live["stage"] == stage)


async def act(
    api: Api, complaint_id: str, step: str, body: dict, user_id: str, party: Party | None = None, key: str | None = None
):
    return await api.http.post(
        f"/complaints/{complaint_id}/{step}", json=body, headers=as_user(api, user_id, party, key)
    )
