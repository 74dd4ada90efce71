"""`complaints bench` and `complaints drills`: performance figures and reliability drills (docs/PERFORMANCE.md,
docs/RELIABILITY.md). Both start their own dev server, database and processes, and leave nothing behind."""

import asyncio
from pathlib import Path
from typing import Annotated

import typer

bench_app = typer.Typer(help="Benchmarks on the embedded dev server (docs/PERFORMANCE.md).", no_args_is_help=True)
drills_app = typer.Typer(help="Reliability drills (docs/RELIABILITY.md).", no_args_is_help=True)


@bench_app.command("run")
def bench_run(
    only: Annotated[
        list[str] | None, typer.Option(help="throughput, replay, latency, lateness, listing, memory, insights")
    ] = None,
    quick: Annotated[bool, typer.Option(help="small samples: a smoke run in minutes, not figures to quote")] = False,
    worker_setting: Annotated[
        list[str] | None, typer.Option(help="KEY=VALUE worker settings to try, e.g. WORKER_ACTIVITY_THREADS=4")
    ] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="also write the figures here")] = None,
    rounds: Annotated[int | None, typer.Option(help="throughput rounds (each: project, bare, minimal)")] = None,
    cases: Annotated[int | None, typer.Option(help="cases per throughput round")] = None,
    agent_seconds: Annotated[float | None, typer.Option(help="seconds of agent load, project and bare each")] = None,
    lateness_cases: Annotated[
        list[int] | None, typer.Option(help="stalled cases per lateness run (repeat for several runs)")
    ] = None,
) -> None:
    """Run the benchmark and print every figure with its yardstick and target (flags trim a full run)."""
    from bench.run import ALL, BenchConfig, run_all

    unknown = set(only or ()) - set(ALL)
    if unknown:
        raise typer.BadParameter(f"unknown benchmark(s) {sorted(unknown)}; choose from {', '.join(ALL)}")
    settings = dict(item.split("=", 1) for item in worker_setting or [])
    trims = dict(rounds=rounds, cases=cases, agent_seconds=agent_seconds, lateness_cases=lateness_cases)
    overrides = {name: value for name, value in trims.items() if value is not None}
    config = (BenchConfig.quick if quick else BenchConfig)(
        only=tuple(only or ALL), worker_settings=settings, **overrides
    )
    asyncio.run(run_all(config, say=typer.echo, json_path=json_out))


@drills_app.command("run")
def drills_run(
    only: Annotated[
        list[str] | None,
        typer.Option(
            help="kill-worker, temporal-restart, pg-drop, worker-stall, worker-stall-local, duplicates, "
            "fuzz, agents; only when named: model (the attacker model), worker-stall-short-sticky "
            "(Temporal's 10 s sticky timeout: expected to find cases that do not replay)"
        ),
    ] = None,
    sequences: Annotated[int, typer.Option(help="model: Hypothesis sequences")] = 50,
    steps: Annotated[int, typer.Option(help="model: steps per sequence")] = 40,
) -> None:
    """Run the drills at full size; exit 1 if any finds a problem."""
    from drills.run import DEFAULT_DRILLS, DRILLS, model_drill, run_drills

    DRILLS["model"] = lambda: model_drill(sequences, steps)
    names = only or DEFAULT_DRILLS
    unknown = set(names) - set(DRILLS)
    if unknown:
        raise typer.BadParameter(f"unknown drill(s) {sorted(unknown)}; choose from {', '.join(DRILLS)}")
    results = asyncio.run(run_drills(names, say=typer.echo))
    failed = [r.name for r in results if not r.ok]
    typer.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    if failed:
        raise typer.Exit(1)
