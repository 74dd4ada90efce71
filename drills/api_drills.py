"""Drills through the HTTP API: duplicate writes, schema-driven fuzzing with every role, agents under load.

The API runs in this process (ASGI transport) for the duplicate-write and fuzzing drills, and as its own
uvicorn process for the agents drill; the worker is always its own process on a dev server.
"""

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import httpx
from sqlmodel import Session, col, select

from api.main import create_app
from api.security import create_access_token
from bench.agents import api_settings, prepare_cases, run_agents, running_api
from bench.env import BenchEnv, bench_env
from bench.fixtures import Party, evidence_for, make_parties
from core.settings import DEFAULT_POLICY_FILE
from drills.result import DrillResult
from models.tables import AuditLog, Complaint, LedgerEntry, User
from policy.loader import load_policy


@asynccontextmanager
async def in_process_api(env: BenchEnv, task_queue: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = api_settings().model_copy(update={"temporal_task_queue": task_queue, "data_dir": env.root / "api-data"})
    app = create_app(settings, client=env.client, engine=env.engine)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.drill", timeout=60) as http:
            yield http


def party_users(env: BenchEnv, party: Party) -> tuple[str, str]:
    consumer, merchant = f"U-{party.consumer_id}", f"U-{party.merchant_id}"
    with Session(env.engine) as session:
        session.add(
            User(
                id=consumer,
                username=consumer.lower(),
                hashed_password="-",
                role="consumer",
                consumer_id=party.consumer_id,
                created_at=datetime.now(UTC),
            )
        )
        session.add(
            User(
                id=merchant,
                username=merchant.lower(),
                hashed_password="-",
                role="merchant",
                merchant_id=party.merchant_id,
                created_at=datetime.now(UTC),
            )
        )
        session.commit()
    return consumer, merchant


def auth(user: str, role: str, key: str | None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {create_access_token(api_settings(), user_id=user, role=role)}"}
    return headers | ({"Idempotency-Key": key} if key else {})


async def _twice(http: httpx.AsyncClient, path: str, body: dict, headers: dict) -> list[httpx.Response]:
    """The same request sent twice at once (a double click, a client retrying over a slow link)."""
    return list(
        await asyncio.gather(http.post(path, json=body, headers=headers), http.post(path, json=body, headers=headers))
    )


async def _wait_pending(http: httpx.AsyncClient, cid: str, action: str, headers: dict) -> dict:
    for _ in range(400):
        live = (await http.get(f"/complaints/{cid}", headers=headers)).json().get("live") or {}
        if action in {p["action"] for p in live.get("pending_actions", [])}:
            return live
        await asyncio.sleep(0.05)
    raise AssertionError(f"{cid}: {action} never became pending")


async def duplicate_writes_drill() -> DrillResult:
    """One Idempotency-Key sent twice, and identical content under fresh keys or none: one effect each."""
    result = DrillResult("duplicate writes: one effect")
    async with bench_env() as env:
        queue = f"dup-{uuid.uuid4().hex[:6]}"
        [party] = make_parties(env.engine, 1)
        consumer, merchant = party_users(env, party)
        agent = "U-drill-agent"
        with Session(env.engine) as session:
            session.add(
                User(id=agent, username="drill-agent", hashed_password="-", role="agent", created_at=datetime.now(UTC))
            )
            session.commit()
        staff = auth(agent, "agent", None)
        filing = {
            "order_id": party.order_id,
            "order_line_id": party.line_id,
            "description": "屏幕破损 cracked",
            "evidence": [evidence_for(party.order_id).model_dump()],
        }
        async with env.running_worker(queue), in_process_api(env, queue) as http:
            key = uuid.uuid4().hex
            first, second = await _twice(http, "/complaints", filing, auth(consumer, "consumer", key))
            ids = {r.json().get("complaint_id") for r in (first, second) if r.status_code in (200, 201)}
            statuses = sorted([first.status_code, second.status_code])
            fresh = await http.post("/complaints", json=filing, headers=auth(consumer, "consumer", uuid.uuid4().hex))
            keyless = await http.post("/complaints", json=filing, headers=auth(consumer, "consumer", None))
            cid = (first if first.status_code == 201 else second).json()["complaint_id"]
            if len(ids) != 1 or fresh.json().get("complaint_id") != cid or fresh.json().get("joined") is not True:
                result.problems.append(f"filings made more than one case: {ids}, fresh {fresh.text[:200]}")
            if keyless.status_code != 422:
                result.problems.append(f"a write without Idempotency-Key answered {keyless.status_code}")
            for path, pending, body in (
                ("classification-review", "review_classification", {"confirm": True}),
                ("liability", "set_liability", {"party": "merchant", "reason": "crack"}),
                ("offers", "make_offer", {}),
            ):
                await _wait_pending(http, cid, pending, staff)
                await _twice(http, f"/complaints/{cid}/{path}", body, auth(agent, "agent", uuid.uuid4().hex))
            live = await _wait_pending(http, cid, "respond_to_offer", staff)
            accept = {"offer_id": live["offers"][-1]["offer_id"], "accept": True}
            await _twice(http, f"/complaints/{cid}/offer-response", accept, auth(consumer, "consumer", "acc-1234"))
            again = await http.post(
                f"/complaints/{cid}/offer-response", json=accept, headers=auth(consumer, "consumer", uuid.uuid4().hex)
            )
            await _wait_pending(http, cid, "confirm_merchant_refund", staff)
            refund = {"reference": "RF-drill"}
            await _twice(http, f"/complaints/{cid}/merchant-refund", refund, auth(merchant, "merchant", "ref-1234"))
            third = await http.post(
                f"/complaints/{cid}/merchant-refund", json=refund, headers=auth(merchant, "merchant", uuid.uuid4().hex)
            )
            await asyncio.sleep(1.0)  # the unfreeze after the refund
        with Session(env.engine) as session:
            kinds = Counter(e.kind for e in session.exec(select(LedgerEntry).where(LedgerEntry.complaint_id == cid)))
            actions = Counter(a.action for a in session.exec(select(AuditLog).where(AuditLog.complaint_id == cid)))
            cases = session.exec(select(Complaint).where(col(Complaint.order_line_id) == party.line_id)).all()
        result.figures = {
            "filing statuses": statuses,
            "repeat accept": again.status_code,
            "repeat refund": third.status_code,
            "ledger": dict(kinds),
        }
        if again.status_code != 409 or third.status_code != 409:
            result.problems.append(
                f"identical writes under fresh keys were not refused: {again.status_code}, {third.status_code}"
            )
        expected = {"deposit_freeze": 1, "merchant_refund": 1, "deposit_unfreeze": 1}
        if dict(kinds) != expected:
            result.problems.append(f"ledger {dict(kinds)}, expected {expected}")
        for action in ("filed", "offer_made", "offer_accepted", "merchant_refund_confirmed"):
            if actions[action] != 1:
                result.problems.append(f"audit has {actions[action]} '{action}' records, expected 1")
        if len(cases) != 1:
            result.problems.append(f"{len(cases)} cases on one order line")
    return result


async def agents_drill(
    agents: int = 50, seconds: float = 60.0, think: tuple[float, float] = (1.0, 3.0), per_agent: int = 2
) -> DrillResult:
    """`agents` concurrent agents for `seconds` through the API process: every action must answer 200."""
    async with bench_env() as env:
        queue = f"agents-{uuid.uuid4().hex[:6]}"
        async with env.running_worker(queue):
            cases = await prepare_cases(
                env, load_policy(DEFAULT_POLICY_FILE), queue, agents=agents, per_agent=per_agent
            )
            async with running_api(env, queue) as base_url:
                load = await run_agents(base_url, cases, seconds=seconds, think=think)
    result = DrillResult(
        f"{agents} concurrent agents for {seconds:.0f} s",
        figures={
            "actions": load.actions,
            "errors": len(load.errors),
            "per s": load.actions / load.seconds if load.seconds else 0.0,
        },
    )
    result.problems += load.errors[:20]
    if load.actions < agents:
        result.problems.append(f"only {load.actions} actions from {agents} agents")
    return result
