"""Escalation lateness: how long after its deadline a breach is recorded.

Cases are filed and left untouched in classification under a scaled policy, so their SLA clocks run
out (and, re-armed after each breach, run out again up to the top escalation level) while other cases
are still being filed. For every `sla_breach` row: `breached_at - due_at` is when the workflow saw the
deadline pass (its timer fired), `recorded_at - due_at` is when the breach was in the database.
"""

import asyncio
import time
import uuid
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from bench.env import BenchEnv
from bench.fixtures import make_parties
from bench.scenario import FullCase
from bench.stats import percentile
from models.policy import Policy
from models.tables import SlaBreach
from workflows.ids import workflow_id

# P1D clocks become ~8.6 s: long enough for filing to finish first, short enough to breach soon after.
LATENESS_SCALE = 1e-4


@dataclass
class LatenessResult:
    cases: int
    fired: list[float] = field(default_factory=list)  # breached_at - due_at, seconds
    recorded: list[float] = field(default_factory=list)  # recorded_at - due_at, seconds

    def p(self, which: str, pct: float) -> float:
        return percentile(getattr(self, which), pct)


async def run_lateness(
    env: BenchEnv, policy: Policy, *, cases: int, watch_seconds: float, worker_settings: dict
) -> LatenessResult:
    task_queue = f"late-{uuid.uuid4().hex[:6]}"
    parties = make_parties(env.engine, cases)
    gate = asyncio.Semaphore(10)
    ids: list[str] = []

    async def file(party) -> None:
        async with gate:
            ids.append(await FullCase(env.client, env.engine, task_queue, policy, party).file())

    async with env.running_worker(task_queue, **worker_settings):
        await asyncio.gather(*(file(p) for p in parties))
        stop_at = time.monotonic() + watch_seconds
        while time.monotonic() < stop_at:
            await asyncio.sleep(1.0)
        for cid in ids:  # stop the clocks: nothing else should run on this server afterwards
            await env.client.get_workflow_handle(workflow_id(cid)).terminate("benchmark finished")
    with Session(env.engine) as session:
        rows = session.exec(select(SlaBreach).where(col(SlaBreach.complaint_id).in_(ids))).all()
    result = LatenessResult(cases=cases)
    for row in rows:
        result.fired.append((row.breached_at - row.due_at).total_seconds())
        result.recorded.append((row.recorded_at - row.due_at).total_seconds())
    return result
