"""`complaints`: the operator's console command.

`up` runs the whole system on one machine; `api`, `worker`, `migrate` and `temporal-setup` are the
production shape, each one process against an external Temporal and database taken from the settings.
Heavy modules are imported inside the commands so `complaints --help` and `complaints settings` stay fast.
"""

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from cli.audit import audit_app
from cli.bench import bench_app, drills_app
from cli.classifier import classifier_app
from cli.console import fail
from cli.insights import insights_app
from cli.users import user_app
from core.process_exit import exit_now
from core.settings import Settings

app = typer.Typer(
    help="Complaint case management: run, operate and inspect the system.", no_args_is_help=True, add_completion=False
)
policy_app = typer.Typer(help="Work with policy files.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")
app.add_typer(bench_app, name="bench")
app.add_typer(drills_app, name="drills")
app.add_typer(classifier_app, name="classifier")
app.add_typer(insights_app, name="insights")


@app.command()
def up(
    data_dir: Annotated[Path | None, typer.Option(help="SQLite file and Temporal history [DATA_DIR]")] = None,
    temporal_port: Annotated[int | None, typer.Option(help="Temporal gRPC port [port of TEMPORAL_ADDRESS]")] = None,
    ui_port: Annotated[int | None, typer.Option(help="Temporal Web UI port [TEMPORAL_UI_PORT]")] = None,
    api_port: Annotated[int | None, typer.Option(help="API port [API_PORT]")] = None,
    codec_port: Annotated[int, typer.Option(help="loopback-only payload codec for the UI (with PAYLOAD_KEY)")] = 8234,
) -> None:
    """Run everything locally: Temporal dev server + Web UI, migrations, demo data, worker and API."""
    from cli.devstack import StackConfig, run_stack

    settings = Settings()
    resolved_dir = (data_dir or settings.data_dir).resolve()
    settings = settings.model_copy(update={"data_dir": resolved_dir})
    default_port = int(settings.temporal_address.rsplit(":", 1)[-1])
    cfg = StackConfig(
        data_dir=resolved_dir,
        temporal_port=temporal_port or default_port,
        ui_port=ui_port or settings.temporal_ui_port,
        api_port=api_port or settings.api_port,
        namespace=settings.temporal_namespace,
        task_queue=settings.temporal_task_queue,
        api_metrics_port=settings.api_metrics_port,
        worker_metrics_port=settings.worker_metrics_port,
        codec_port=codec_port,
    )
    raise typer.Exit(run_stack(cfg, settings, say=typer.echo))


@app.command()
def worker() -> None:
    """Run one worker process against TEMPORAL_ADDRESS (scale by running more of them)."""
    from runtime.worker_process import main

    main()


@app.command()
def api(workers: Annotated[int, typer.Option(help="uvicorn worker processes")] = 1) -> None:
    """Serve the HTTP API on API_HOST:API_PORT against the configured Temporal and database."""
    import uvicorn

    from observability.logs import configure_logging

    settings = Settings()
    configure_logging(settings.log_format, settings.log_level)  # uvicorn's loggers too (log_config=None)
    uvicorn.run(
        "api.main:app",
        host=settings.api_host,
        port=settings.api_port,
        workers=workers,
        proxy_headers=True,
        log_config=None,
    )


@app.command()
def migrate() -> None:
    """Apply database migrations up to the newest revision (safe to repeat)."""
    from cli.settings_view import masked_url
    from core.migrate import upgrade_database

    settings = Settings()
    upgrade_database(settings.db_url)
    typer.echo(f"database at head: {masked_url(settings.db_url)}")


@app.command()
def seed() -> None:
    """Load the demo data set (merchants, orders, demo users) into the configured database."""
    from core.db import engine_from_settings
    from seed.demo import seed_demo

    engine = engine_from_settings(Settings())
    try:
        seed_demo(engine, now=datetime.now(UTC))
    finally:
        engine.dispose()
    typer.echo("demo data loaded")


@app.command("temporal-setup")
def temporal_setup() -> None:
    """Register the custom search attributes on the configured Temporal namespace (idempotent)."""
    from cli.temporal_setup import SearchAttributeConflict, register_search_attributes
    from core.temporal import connect

    settings = Settings()

    async def run() -> None:
        client = await connect(settings)
        result = await register_search_attributes(client, settings.temporal_namespace)
        typer.echo(
            f"search attributes on {settings.temporal_namespace}: added {result.added or 'none'}, "
            f"already present {result.present or 'none'}"
        )

    try:
        asyncio.run(run())
    except SearchAttributeConflict as exc:
        raise fail(str(exc)) from None
    exit_now(0)


@app.command()
def token(
    username: str, minutes: Annotated[int | None, typer.Option(help="lifetime [JWT_TTL_MINUTES]")] = None
) -> None:
    """Print a bearer token for an active user (demo users exist after `complaints up` or `seed`)."""
    from datetime import timedelta

    from api.security import create_access_token
    from cli.users import find_active_user

    settings = Settings()
    user = find_active_user(settings, username)
    if user is None:
        raise fail(f"no active user named {username!r} (list them with `complaints user list`)")
    expires = timedelta(minutes=minutes) if minutes else None
    typer.echo(create_access_token(settings, user_id=user.id, role=user.role, expires_in=expires))


@app.command()
def health(
    url: Annotated[str | None, typer.Option(help="base URL of the API [API_HOST:API_PORT]")] = None,
    live: Annotated[bool, typer.Option("--live", help="only ask whether the API process answers")] = False,
    worker: Annotated[
        bool,
        typer.Option("--worker", help="check this host's worker instead: its /metrics on WORKER_METRICS_PORT answers"),
    ] = False,
) -> None:
    """Report each part: the API, the database, Temporal and the workers polling the task queue.

    Exit 0 only when all are ready (the API's /health/ready). `--live` asks /health/live; `--worker` is the
    worker container's own check.
    """
    from cli.health import check_api, check_worker

    settings = Settings()
    lines, ok = check_worker(settings) if worker else check_api(settings, url, live_only=live)
    for line in lines:
        typer.echo(line)
    if not ok:
        raise typer.Exit(1)


@app.command("settings")
def show_settings() -> None:
    """Print the effective settings (environment and .env), secrets masked."""
    from cli.settings_view import render_settings

    typer.echo(render_settings(Settings()))


@policy_app.command("check")
def policy_check(file: Path) -> None:
    """Validate a policy file; every problem is reported with its field path."""
    from policy.loader import PolicyError, load_policy

    try:
        policy = load_policy(file)
    except PolicyError as exc:
        typer.secho(f"{file}: invalid policy", err=True, fg=typer.colors.RED)
        for problem in exc.problems:
            typer.echo(f"  - {problem}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{file}: valid (version {policy.version})")


def main() -> None:
    """The `complaints` command: every subcommand leaves with its own exit status through `exit_now`. The ones
    that talk to Temporal (audit replays, verify-bundle, drills) would otherwise reach the interpreter's
    teardown, where the SDK's native runtime can abort (status -6 in place of the command's own)."""
    try:
        app()
    except SystemExit as done:
        code = done.code
        if code is not None and not isinstance(code, int):
            print(code, file=sys.stderr)  # a message, as sys.exit prints it
            code = 1
        exit_now(code or 0)
    exit_now(0)


if __name__ == "__main__":
    main()
