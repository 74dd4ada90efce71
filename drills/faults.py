"""Drills that break the running system under a fleet of full cases, then audit the books.

- kill -9 the worker mid-run, start a new one;
- stop the file-backed Temporal dev server mid-run, start it again on the same port and file;
- terminate the worker's PostgreSQL connections (pg_terminate_backend) again and again during activities;
- freeze the worker (SIGSTOP) past the workflow-task timeout, again and again, then replay every case.
"""

import asyncio
import uuid
from datetime import timedelta

from sqlalchemy import create_engine, text

from audit.replay import replay_verdict
from bench.databases import PG_ADMIN_URL, postgres_schema, with_options
from bench.env import BenchEnv, bench_env
from bench.replay import fetch
from bench.stack import wait_for_pollers
from core.settings import DEFAULT_POLICY_FILE, Settings
from core.temporal import data_converter
from drills.checks import full_case_problems
from drills.fleet import FleetOutcome, run_fleet
from drills.result import DrillResult
from models.policy import Policy
from policy.loader import load_policy
from workflows.ids import workflow_id

SURVEY_DELAY = timedelta(seconds=2)


def drill_policy(survey_delay: timedelta = SURVEY_DELAY) -> Policy:
    """The default policy with a 2-second survey delay: cases finish in seconds, while every deadline that
    could change a case's path (a merchant's refund window, an offer's lapse) stays far longer than any
    outage a drill injects. A shortened deadline lapsing during the outage would be correct behaviour,
    but a different case from the one whose books the drill checks."""
    policy = load_policy(DEFAULT_POLICY_FILE)
    return policy.model_copy(
        update={
            "review": policy.review.model_copy(update={"survey_delay": survey_delay}),
            "version": f"{policy.version}+drill",
        }
    )


def _verdict(name: str, env: BenchEnv, outcome: FleetOutcome, cases: int, **figures) -> DrillResult:
    result = DrillResult(
        name,
        figures={
            "cases": cases,
            "closed": outcome.closed,
            "fault after steps": outcome.fault_at_steps,
            "seconds": outcome.seconds,
            **figures,
        },
    )
    result.problems += outcome.failures
    if outcome.fault_at_steps is None:
        result.problems.append("the fault was never injected (the fleet finished first)")
    result.problems += full_case_problems(env.engine, outcome.complaint_ids)
    return result


async def kill_worker_drill(cases: int = 50, concurrency: int = 50) -> DrillResult:
    async with bench_env() as env:
        queue = f"kill-{uuid.uuid4().hex[:6]}"
        first = env.worker(queue).start()
        await wait_for_pollers(env.client, queue, worker=first)
        replacement = {}

        async def kill_and_replace() -> None:
            first.kill_hard()
            await asyncio.sleep(1.0)
            replacement["worker"] = env.worker(queue).start()

        outcome = await run_fleet(
            env, drill_policy(), queue, cases=cases, concurrency=concurrency, fault=kill_and_replace
        )
        return _verdict(
            "kill -9 the worker mid-run",
            env,
            outcome,
            cases,
            **{"killed worker exit": first.process.returncode if first.process else None},
        )


async def temporal_restart_drill(
    cases: int = 50,
    concurrency: int = 50,
    down_seconds: float = 2.0,
    fault_at: float = 0.5,
    survey_delay: timedelta = SURVEY_DELAY,
) -> DrillResult:
    """`fault_at=0.5` restarts with updates in flight; `fault_at=5/6` with a survey delay longer than the
    cases' spread restarts while every case waits on its survey timer (no update in flight)."""
    async with bench_env() as env:
        queue = f"restart-{uuid.uuid4().hex[:6]}"
        async with env.running_worker(queue):
            outcome = await run_fleet(
                env,
                drill_policy(survey_delay),
                queue,
                cases=cases,
                concurrency=concurrency,
                fault=lambda: env.server.restart(down_seconds),
                fault_at=fault_at,
            )
        return _verdict("restart the Temporal server mid-run", env, outcome, cases, **{"down s": down_seconds})


# Past the 10 s workflow-task timeout Temporal gives a case's tasks, and past Temporal's default 10 s sticky
# timeout: the server times the frozen worker's tasks out, while the frozen worker still holds the case.
STALL_SECONDS = 12.0


async def worker_stall_drill(
    cases: int = 30,
    stalls: int = 3,
    stall_seconds: float = STALL_SECONDS,
    local_step_writes: bool = False,
    sticky_timeout_seconds: float | None = None,
) -> DrillResult:
    """Every case must close with clean books, and every history must replay on the current code: a case
    that does not replay breaks the next time a worker rebuilds it from its history.

    `sticky_timeout_seconds` None runs the worker's default (WORKER_STICKY_TIMEOUT_SECONDS). Below the
    stall (Temporal's 10 s default) this drill finds cases that do not replay: docs/RELIABILITY.md."""
    async with bench_env() as env:
        queue = f"stall-{uuid.uuid4().hex[:6]}"
        settings = {} if sticky_timeout_seconds is None else {"worker_sticky_timeout_seconds": sticky_timeout_seconds}
        async with env.running_worker(queue, **settings) as worker:

            async def stall_again_and_again() -> None:
                for _ in range(stalls):
                    await worker.stall(stall_seconds)
                    await asyncio.sleep(3.0)  # the worker catches up between stalls

            outcome = await run_fleet(
                env,
                drill_policy(),
                queue,
                cases=cases,
                concurrency=cases,
                fault=stall_again_and_again,
                fault_at=0.3,
                patience=240.0,
                local_step_writes=local_step_writes,
            )
        result = _verdict(
            "freeze the worker past the workflow-task timeout",
            env,
            outcome,
            cases,
            **{
                "stalls": stalls,
                "stall s": stall_seconds,
                "local step writes": local_step_writes,
                "sticky timeout s": sticky_timeout_seconds or Settings().worker_sticky_timeout_seconds,
            },
        )
        histories = await fetch(env.client, [workflow_id(c) for c in outcome.complaint_ids])
        # The drill only tests something when the server did time the frozen worker's tasks out.
        result.figures["workflow tasks timed out"] = sum(
            1 for h in histories for e in h.events if e.HasField("workflow_task_timed_out_event_attributes")
        )
        # The auditors' replay: the same sandbox as the worker, decisions compared, a CPU-starved task retried.
        verdicts = [await replay_verdict(history, data_converter()) for history in histories]
        result.problems += [
            f"{v.workflow_id}: does not replay: {v.reason}"[:300] for v in verdicts if not v.replays_cleanly
        ]
        return result


def _terminate_backends(application_name: str) -> int:
    admin = create_engine(PG_ADMIN_URL)
    try:
        with admin.begin() as conn:
            return len(
                conn.execute(
                    text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name"),
                    {"name": application_name},
                ).all()
            )
    finally:
        admin.dispose()


async def pg_drop_drill(cases: int = 50, concurrency: int = 50, drops: int = 5, every: float = 1.0) -> DrillResult:
    with postgres_schema(prefix="drill") as url:
        async with bench_env(database_url=url) as env:
            queue = f"pgdrop-{uuid.uuid4().hex[:6]}"
            name = f"drill-worker-{uuid.uuid4().hex[:6]}"
            env.database_url = with_options(url, application_name=name)  # the worker's connections only
            terminated: list[int] = []

            async def drop_connections() -> None:
                for _ in range(drops):
                    terminated.append(await asyncio.to_thread(_terminate_backends, name))
                    await asyncio.sleep(every)

            async with env.running_worker(queue):
                outcome = await run_fleet(
                    env,
                    drill_policy(),
                    queue,
                    cases=cases,
                    concurrency=concurrency,
                    fault=drop_connections,
                    fault_at=0.3,
                )
            result = _verdict(
                "drop the worker's PostgreSQL connections mid-run",
                env,
                outcome,
                cases,
                **{"connections terminated": sum(terminated)},
            )
            if sum(terminated) == 0:
                result.problems.append("no worker connection was ever terminated: the drill tested nothing")
            return result
