"""Concurrent support agents working their cases through the real HTTP API.

Each agent owns a few cases in the evidence stage and, with a think time between actions, pauses
and resumes their SLA clocks: one workflow update (and one audit record) per action, the commonest
small write an agent makes. Every request is timed from send to response; every answer other than
200 is an error. Used by the latency benchmark and by the "agents" reliability drill.
"""

import asyncio
import random
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from sqlalchemy import insert

from api.security import create_access_token
from bench.env import BenchEnv
from bench.fixtures import make_parties
from bench.scenario import FullCase
from bench.stack import WorkerProcess, free_port
from core.settings import Settings
from models.enums import Stage
from models.policy import Policy
from models.tables import User

JWT_SECRET = "bench-secret-" + "x" * 40


@dataclass
class AgentLoad:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def actions(self) -> int:
        return len(self.latencies) + len(self.errors)


async def prepare_cases(
    env: BenchEnv, policy: Policy, task_queue: str, *, agents: int, per_agent: int
) -> dict[str, list[str]]:
    """`per_agent` cases in the evidence stage for each of `agents` new agent users: {user id: [case ids]}."""
    parties = make_parties(env.engine, agents * per_agent)
    users = [f"U-bench-{uuid.uuid4().hex[:6]}-{i}" for i in range(agents)]
    with env.engine.begin() as conn:
        conn.execute(
            insert(User),
            [
                dict(id=u, username=u.lower(), hashed_password="-", role="agent", created_at=datetime.now(UTC))
                for u in users
            ],
        )
    gate = asyncio.Semaphore(20)

    async def open_case(party) -> str:
        async with gate:
            case = FullCase(env.client, env.engine, task_queue, policy, party)
            await case.file()
            state = await case.step("review_classification")
            assert state.stage == Stage.EVIDENCE, state.stage
            return case.complaint_id

    ids = await asyncio.gather(*(open_case(p) for p in parties))
    return {user: ids[i * per_agent : (i + 1) * per_agent] for i, user in enumerate(users)}


def api_settings() -> Settings:
    return Settings(_env_file=None, jwt_secret=JWT_SECRET, dev_mode=False)


@asynccontextmanager
async def running_api(env: BenchEnv, task_queue: str) -> AsyncIterator[str]:
    """The API as its own uvicorn process on the bench's server and database; yields its base URL."""
    port = free_port()
    process = WorkerProcess(
        env={
            "TEMPORAL_ADDRESS": env.server.address,
            "DATABASE_URL": env.database_url,
            "TEMPORAL_TASK_QUEUE": task_queue,
            "JWT_SECRET": JWT_SECRET,
            "DEV_MODE": "false",
            "DATA_DIR": str(env.root / "data"),
        },
        log_path=env.root / "logs" / "api.log",
        module="uvicorn",
        args=("api.main:app", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"),
    ).start()
    env.workers.append(process)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=5.0) as http:
            for _ in range(300):
                if not process.alive():
                    raise RuntimeError(f"API exited:\n{process.log_tail()}")
                try:
                    if (await http.get("/health")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
            else:
                raise RuntimeError(f"API not healthy:\n{process.log_tail()}")
        yield base
    finally:
        process.stop()


async def run_agents(
    base_url: str,
    cases: dict[str, list[str]],
    *,
    seconds: float,
    think: tuple[float, float] = (1.0, 3.0),
    seed: int = 7,
    paused: dict[str, bool] | None = None,
) -> AgentLoad:
    """Every agent acts until `seconds` have passed; think time drawn uniformly from `think`.

    `paused` carries each case's clock state from one run to the next (a warm-up, then the measurement).
    """
    settings = api_settings()
    paused = paused if paused is not None else {}
    load = AgentLoad()
    rng = random.Random(seed)
    stop_at = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=len(cases) + 10, max_keepalive_connections=len(cases) + 10)

    async def agent(user: str, mine: list[str], http: httpx.AsyncClient) -> None:
        token = create_access_token(settings, user_id=user, role="agent")
        for cid in mine:
            paused.setdefault(cid, False)
        await asyncio.sleep(rng.uniform(0, think[1]))  # agents do not all start on the same instant
        turn = 0
        while time.monotonic() < stop_at:
            cid = mine[turn % len(mine)]
            turn += 1
            body = {"pause": not paused[cid], "reason": "waiting for the carrier's report"}
            headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}
            began = time.perf_counter()
            try:
                response = await http.post(f"/complaints/{cid}/clock", json=body, headers=headers)
            except httpx.HTTPError as exc:
                load.errors.append(f"{cid}: {type(exc).__name__}: {exc}")
            else:
                if response.status_code == 200:
                    load.latencies.append(time.perf_counter() - began)
                    paused[cid] = not paused[cid]
                else:
                    load.errors.append(f"{cid}: HTTP {response.status_code}: {response.text[:200]}")
            await asyncio.sleep(rng.uniform(*think))

    began = time.monotonic()
    async with httpx.AsyncClient(base_url=base_url, timeout=30.0, limits=limits) as http:
        await asyncio.gather(*(agent(user, mine, http) for user, mine in cases.items()))
    load.seconds = time.monotonic() - began
    return load
