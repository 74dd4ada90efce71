"""The whole benchmark, one command: `complaints bench run` (or `python -m bench`).

Everything runs on a fresh embedded dev server (file-backed, WAL) with a throwaway SQLite database,
workers and the API as their own processes; the list query also runs on a throwaway PostgreSQL schema.
Figures are printed as they come and summarised at the end; `json_path` keeps them for docs/PERFORMANCE.md.
"""

import json
import platform
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.databases import postgres_reachable, postgres_schema, sqlite_database
from bench.env import bench_env
from bench.insights import add_to_report as add_insights
from bench.insights import measure as measure_insights
from bench.latency import run_latency
from bench.lateness import LATENESS_SCALE, run_lateness
from bench.listing import measure
from bench.memory import run_memory
from bench.replay import run_replay
from bench.report import Report
from bench.scenario import full_case_policy
from bench.throughput import run_throughput
from core.settings import DEFAULT_POLICY_FILE, Settings
from policy.loader import load_policy, scaled

ALL = ("throughput", "replay", "latency", "lateness", "listing", "memory", "insights")


@dataclass
class BenchConfig:
    only: tuple[str, ...] = ALL
    cases: int = 150
    concurrency: int = 30
    rounds: int = 3
    agents: int = 50
    cases_per_agent: int = 2
    agent_seconds: float = 60.0
    think: tuple[float, float] = (1.0, 3.0)
    lateness_cases: list[int] = field(default_factory=lambda: [100, 1_000])
    lateness_watch: float = 45.0
    list_rows: int = 100_000
    list_repeats: int = 20
    memory_checkpoints: list[int] = field(default_factory=lambda: [1_000, 10_000])
    replay_histories: int = 100
    insight_rows: int = 100_000
    insight_repeats: int = 20
    worker_settings: dict[str, str] = field(default_factory=dict)

    @classmethod
    def quick(cls, **overrides) -> "BenchConfig":
        """Minutes, not an hour: every figure, from samples too small to quote."""
        values = dict(
            cases=30,
            concurrency=15,
            rounds=1,
            agents=10,
            agent_seconds=10.0,
            lateness_cases=[10, 40],
            lateness_watch=25.0,
            list_rows=10_000,
            list_repeats=5,
            memory_checkpoints=[100, 300],
            replay_histories=20,
            insight_rows=10_000,
            insight_repeats=5,
        )
        return cls(**{**values, **overrides})


def machine() -> dict[str, str]:
    import os

    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": str(os.cpu_count()),
        "cpu": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }


async def run_all(config: BenchConfig, say=print, json_path: Path | None = None) -> Report:
    report = Report(machine=machine(), config=asdict(config))
    say(f"Benchmark on {report.machine}")
    base = load_policy(DEFAULT_POLICY_FILE)
    effective = Settings(_env_file=None, **{k.lower(): v for k, v in config.worker_settings.items()})
    report.worker = {
        "activity_threads": effective.worker_activity_threads,
        "max_concurrent_workflow_tasks": effective.worker_max_concurrent_workflow_tasks,
        "max_cached_workflows": effective.worker_max_cached_workflows,
        "db_pool_size": effective.db_pool_size,
    }
    ws = config.worker_settings
    async with bench_env() as env:
        if "throughput" in config.only or "replay" in config.only:
            say("Throughput: full cases vs the bare workflow of the same shape ...")
            tp = await run_throughput(
                env,
                full_case_policy(base),
                cases=config.cases,
                concurrency=config.concurrency,
                rounds=config.rounds,
                worker_settings=ws,
                say=say,
            )
            report.add_throughput(tp)
            if "replay" in config.only:
                say("Replay ...")
                n = config.replay_histories
                report.add_replay(*await run_replay(env.client, tp.project_ids[:n], tp.bare_ids[:n]))
        if "latency" in config.only:
            say(f"Agent action latency: {config.agents} agents for {config.agent_seconds:.0f} s ...")
            report.add_latency(
                await run_latency(
                    env,
                    base,
                    agents=config.agents,
                    per_agent=config.cases_per_agent,
                    seconds=config.agent_seconds,
                    think=config.think,
                    worker_settings=ws,
                )
            )
        if "lateness" in config.only:
            for stalled in config.lateness_cases:
                say(f"Escalation lateness, {stalled} stalled cases ...")
                report.add_lateness(
                    await run_lateness(
                        env,
                        scaled(base, LATENESS_SCALE),
                        cases=stalled,
                        watch_seconds=config.lateness_watch,
                        worker_settings=ws,
                    )
                )
    if "memory" in config.only:
        say("Worker memory ...")
        async with bench_env() as env:  # a server of its own: no leftovers from the other runs
            report.add_memory(
                await run_memory(env, base, checkpoints=config.memory_checkpoints, worker_settings=ws, say=say)
            )
    if "listing" in config.only:
        say(f"Case list query at {config.list_rows:,} rows ...")
        with tempfile.TemporaryDirectory(prefix="complaints-list-") as tmp:
            report.add_listing(measure(sqlite_database(Path(tmp)), "SQLite", config.list_rows, config.list_repeats))
        reason = postgres_reachable()
        if reason is None:
            with postgres_schema() as url:
                report.add_listing(measure(url, "PostgreSQL", config.list_rows, config.list_repeats))
        else:
            report.notes.append(f"PostgreSQL list query skipped: {reason}")
    if "insights" in config.only:
        say(f"Insights over {config.insight_rows:,} cases ...")
        with tempfile.TemporaryDirectory(prefix="complaints-insights-") as tmp:
            add_insights(
                report,
                measure_insights(sqlite_database(Path(tmp)), "SQLite", config.insight_rows, config.insight_repeats),
            )
        reason = postgres_reachable()
        if reason is None:
            with postgres_schema() as url:
                add_insights(report, measure_insights(url, "PostgreSQL", config.insight_rows, config.insight_repeats))
        else:
            report.notes.append(f"PostgreSQL insights skipped: {reason}")
    say(report.render())
    if json_path is not None:
        json_path.write_text(json.dumps(report.as_dict(), indent=2, default=str))
    return report
