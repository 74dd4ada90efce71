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
) -> None:
    """Run the benchmark and print every figure with its target."""
    from bench.run import ALL, BenchConfig, run_all

    unknown = set(only or ()) - set(ALL)
    if unknown:
        raise typer.BadParameter(f"unknown benchmark(s) {sorted(unknown)}; choose from {', '.join(ALL)}")
    settings = dict(item.split("=", 1) for item in worker_setting or [])
    config = (BenchConfig.quick if quick else BenchConfig)(only=tuple(only or ALL), worker_settings=settings)
    asyncio.run(run_all(config, say=typer.echo, json_path=json_out))


@drills_app.command("run")
def drills_run(
    only: Annotated[
        list[str] | None,
        typer.Option(
            help="kill-worker, temporal-restart, pg-drop, duplicates, "
            "fuzz, agents, model (the attacker model: only "
            "when named)"
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
