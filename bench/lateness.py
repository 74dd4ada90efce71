"""Escalation lateness: how long after its deadline a breach is recorded, beside a bare yardstick.

Cases are filed and left untouched in classification under a scaled policy, so their SLA clocks run
out (and, re-armed after each breach, run out again up to the top escalation level) while other cases
are still being filed. For every `sla_breach` row: `breached_at - due_at` is when the workflow saw the
deadline pass (its timer fired), `recorded_at - due_at` is when the breach was in the database.

Only breaches due before the watch ends count; after it, the run waits (the cases still running) until
no more of those are recorded, so a late recording is measured rather than cut off.

The yardstick (bench/bare_deadlines.py) then replays the same instants on the same server: one bare
workflow per case, started at the case's filing instant shifted to the bare run's start, with one timer
per breach falling due at the breach's shifted due instant and one row recorded per timer.
"""

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.client import Client

from bench.bare_cases import bare_id, copy_rows
from bench.bare_deadlines import BareDeadlines, BareDeadlineWorkflow
from bench.env import BenchEnv
from bench.fixtures import make_parties
from bench.scenario import FullCase
from bench.stats import percentile
from models.policy import Policy
from models.tables import Complaint, SlaBreach
from workflows.ids import workflow_id

# P1D clocks become ~8.6 s: long enough for filing to finish first, short enough to breach soon after.
LATENESS_SCALE = 1e-4
FILING_CONCURRENCY = 10
# After the watch: done once this many seconds pass without a new breach (due in the window) recorded.
SETTLE_SECONDS = 5.0
MAX_SETTLE_SECONDS = 60.0
# The bare run's first workflow starts this long after its schedule is built.
BARE_LEAD = timedelta(seconds=1)


@dataclass
class Lateness:
    fired: list[float] = field(default_factory=list)  # breached_at - due_at, seconds
    recorded: list[float] = field(default_factory=list)  # recorded_at - due_at, seconds

    def p(self, which: str, pct: float) -> float:
        return percentile(getattr(self, which), pct)

    @classmethod
    def of(cls, rows: list[SlaBreach]) -> "Lateness":
        return cls(
            fired=[(r.breached_at - r.due_at).total_seconds() for r in rows],
            recorded=[(r.recorded_at - r.due_at).total_seconds() for r in rows],
        )


@dataclass
class LatenessResult:
    cases: int
    project: Lateness
    bare: Lateness
    unrecorded_bare: int = 0  # bare timers whose row never came: a broken yardstick, reported

    def p(self, which: str, pct: float) -> float:
        return self.project.p(which, pct)

    def ratio(self, pct: float) -> float:
        return self.project.p("recorded", pct) / self.bare.p("recorded", pct)


def _breaches(engine: Engine, ids: list[str], due_before: datetime) -> list[SlaBreach]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(SlaBreach).where(col(SlaBreach.complaint_id).in_(ids), col(SlaBreach.due_at) < due_before)
            ).all()
        )


def _count(engine: Engine, ids: list[str], due_before: datetime) -> int:
    with Session(engine) as session:
        query = select(func.count()).select_from(SlaBreach)
        return session.exec(query.where(col(SlaBreach.complaint_id).in_(ids), col(SlaBreach.due_at) < due_before)).one()


async def _settle(engine: Engine, ids: list[str], due_before: datetime, expected: int | None = None) -> None:
    """Until the rows due before `due_before` stop coming (or all `expected` are there)."""
    last, quiet_since, give_up = -1, time.monotonic(), time.monotonic() + MAX_SETTLE_SECONDS
    while time.monotonic() < give_up:
        count = _count(engine, ids, due_before)
        if expected is not None and count >= expected:
            return
        if count != last:
            last, quiet_since = count, time.monotonic()
        elif time.monotonic() - quiet_since >= SETTLE_SECONDS:
            return
        await asyncio.sleep(1.0)


async def run_lateness(
    env: BenchEnv, policy: Policy, *, cases: int, watch_seconds: float, worker_settings: dict
) -> LatenessResult:
    task_queue, bare_queue = f"late-{uuid.uuid4().hex[:6]}", f"late-bare-{uuid.uuid4().hex[:6]}"
    parties = make_parties(env.engine, cases)
    gate = asyncio.Semaphore(FILING_CONCURRENCY)
    ids: list[str] = []

    async def file(party) -> None:
        async with gate:
            ids.append(await FullCase(env.client, env.engine, task_queue, policy, party).file())

    async with env.running_worker(task_queue, **worker_settings):
        await asyncio.gather(*(file(p) for p in parties))
        await asyncio.sleep(watch_seconds)
        watch_end = datetime.now(UTC)
        await _settle(env.engine, ids, watch_end)
        for cid in ids:  # stop the clocks: nothing else should run on this server afterwards
            await env.client.get_workflow_handle(workflow_id(cid)).terminate("benchmark finished")
    rows = _breaches(env.engine, ids, watch_end)
    async with env.running_worker(bare_queue, module="bench.bare_worker", **worker_settings):
        bare_ids, last_due = await _run_bare(env.client, env.engine, bare_queue, ids, rows)
        await asyncio.sleep(max(0.0, (last_due - datetime.now(UTC)).total_seconds()))
        bare_end = last_due + timedelta(seconds=1)
        await _settle(env.engine, bare_ids, bare_end, expected=len(rows))
    bare_rows = _breaches(env.engine, bare_ids, bare_end)
    return LatenessResult(
        cases=cases, project=Lateness.of(rows), bare=Lateness.of(bare_rows), unrecorded_bare=len(rows) - len(bare_rows)
    )


async def _run_bare(
    client: Client, engine: Engine, task_queue: str, ids: list[str], rows: list[SlaBreach]
) -> tuple[list[str], datetime]:
    """Start one bare deadline workflow per case at its shifted filing instant; (bare ids, last due instant)."""
    cases = copy_rows(engine, ids)  # the bare rows need a case row to belong to, as the project's do
    origin = min(c.created_at for c in cases)
    shift = datetime.now(UTC) + BARE_LEAD - origin
    dues: dict[str, list[datetime]] = {c.id: [] for c in cases}
    for row in rows:
        dues[row.complaint_id].append(row.due_at + shift)
    gate = asyncio.Semaphore(FILING_CONCURRENCY)

    async def start(case: Complaint) -> None:
        await asyncio.sleep(max(0.0, (case.created_at + shift - datetime.now(UTC)).total_seconds()))
        async with gate:
            await client.start_workflow(
                BareDeadlineWorkflow.run,
                BareDeadlines(complaint_id=bare_id(case.id), due=sorted(dues[case.id])),
                id=workflow_id(bare_id(case.id)),
                task_queue=task_queue,
            )

    await asyncio.gather(*(start(c) for c in cases))
    last_due = max((due for case_dues in dues.values() for due in case_dues), default=datetime.now(UTC))
    return [bare_id(c.id) for c in cases], last_due
