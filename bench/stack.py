"""Throwaway processes for benchmarks and drills: a file-backed Temporal dev server and worker processes.

Each runs in its own process group so a stop (or a deliberate kill -9) reaches everything it spawned.
The dev server keeps its history in a SQLite file, so it can be stopped and started again on the same
port with every case intact: that is what the Temporal-restart drill relies on.
"""

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from temporalio.client import Client

from core import search_attributes
from core.binaries import find_binary
from core.temporal import data_converter

REPO_ROOT = Path(__file__).resolve().parent.parent
ADDRESS_IN_USE = "address already in use"  # what Go's net.Listen says, in the server's exit message or panic


class ServerExited(RuntimeError):
    """The dev server process ended before it answered."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop_group(process: subprocess.Popen, sig: int = signal.SIGTERM, grace: float = 10.0) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=grace)


@dataclass
class DevServer:
    """`temporal server start-dev` on a fixed port with its history in `directory/temporal.db`."""

    directory: Path
    port: int = field(default_factory=free_port)
    dynamic_config: tuple[str, ...] = ()  # KEY=VALUE pairs for --dynamic-config-value
    process: subprocess.Popen | None = None
    started_once: bool = False  # after a first start the port is the cases' address: a restart keeps it

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [
            find_binary("temporal"),
            "server",
            "start-dev",
            "--headless",
            "--ip",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--db-filename",
            str(self.directory / "temporal.db"),
            # WAL roughly doubles the dev server's throughput (shared/temporal-notes.md).
            "--sqlite-pragma",
            "journal_mode=WAL",
            "--sqlite-pragma",
            "synchronous=NORMAL",
            "--log-level",
            "error",
            *search_attributes.cli_flags(),
            *(arg for pair in self.dynamic_config for arg in ("--dynamic-config-value", pair)),
        ]

    async def start(self, ready_seconds: float = 60.0, *, port_attempts: int = 3) -> None:
        """Start and wait until it answers. A port taken between our pick and the server's bind (ours, or
        one of the internal ports the server picks itself) is a race, not a fault: only then, and only when
        its log says so, start again, on a new port if the server was never up on this one."""
        for attempt in range(1, port_attempts + 1):
            log_start = self._spawn()
            try:
                await self._wait_ready(ready_seconds)
                self.started_once = True
                return
            except ServerExited:
                if attempt == port_attempts or ADDRESS_IN_USE not in self._log_since(log_start):
                    raise
                if not self.started_once:
                    self.port = free_port()

    def _spawn(self) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        log_path = self.directory / "temporal.log"
        log = open(log_path, "ab")  # noqa: SIM115 - handed to the child
        try:
            log_start = log.tell()
            self.process = subprocess.Popen(
                self.command(), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        finally:
            log.close()
        return log_start

    def _log_since(self, offset: int) -> str:
        with open(self.directory / "temporal.log", "rb") as log:
            log.seek(offset)
            return log.read().decode("utf-8", errors="replace")

    async def _wait_ready(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise ServerExited(
                    f"temporal dev server exited with {self.process.returncode}; see {self.directory / 'temporal.log'}"
                )
            try:
                # Bounded, so a process that exits while something else holds the port is seen at once
                # instead of after a connect to the wrong listener times out.
                await asyncio.wait_for(Client.connect(self.address, data_converter=data_converter()), 2.0)
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"temporal dev server not answering on {self.address}") from None
                await asyncio.sleep(0.2)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None:
            _stop_group(self.process, sig)
            self.process = None

    async def restart(self, down_seconds: float = 0.0) -> None:
        """Stop and start again on the same port and file: running cases must resume from it."""
        self.stop()
        await asyncio.sleep(down_seconds)
        await self.start()

    async def client(self) -> Client:
        return await Client.connect(self.address, data_converter=data_converter())


@dataclass
class WorkerProcess:
    """`python -m worker` (the production worker) or another worker module, as its own process."""

    env: Mapping[str, str]
    log_path: Path
    module: str = "worker"  # or "bench.bare_worker", or "uvicorn" with `args` for the API
    args: tuple[str, ...] = ()
    process: subprocess.Popen | None = None

    def start(self) -> "WorkerProcess":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", self.module, *self.args],
                cwd=REPO_ROOT,
                env={**os.environ, **self.env, "PYTHONUNBUFFERED": "1"},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            log.close()
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill_hard(self) -> None:
        """kill -9: no shutdown, no goodbye to Temporal, in-flight activities cut off mid-way."""
        if self.process is not None:
            _stop_group(self.process, signal.SIGKILL)

    def stop(self) -> None:
        if self.process is not None:
            _stop_group(self.process, signal.SIGTERM)

    async def stall(self, seconds: float) -> None:
        """SIGSTOP, then SIGCONT: the worker freezes as under a long GC pause or a starved CPU, then goes on
        with what it held (its cached cases, workflow tasks that timed out meanwhile, running activities)."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGSTOP)
        try:
            await asyncio.sleep(seconds)
        finally:
            os.killpg(self.process.pid, signal.SIGCONT)

    def rss_bytes(self) -> int:
        """Resident set size of the worker process, read from /proc (Linux)."""
        status = Path(f"/proc/{self.pid}/status").read_text()
        kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
        return kib * 1024

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def worker_env(
    *, temporal_address: str, database_url: str, task_queue: str, data_dir: Path, **extra: str
) -> dict[str, str]:
    """Settings for a worker subprocess, from environment variables only (no .env from the cwd)."""
    from audit.chain import DEV_CHAIN_KEY

    # Outside dev mode the worker needs the audit chain's key; the bench's books check verifies the chain
    # in this process (dev mode), so both use the development key.
    env = {
        "TEMPORAL_ADDRESS": temporal_address,
        "DATABASE_URL": database_url,
        "TEMPORAL_TASK_QUEUE": task_queue,
        "DATA_DIR": str(data_dir),
        "DEV_MODE": "false",
        "AUDIT_CHAIN_KEY": DEV_CHAIN_KEY.decode(),
        # Production mode refuses the built-in secret; a worker signs no tokens, so any private value does.
        "JWT_SECRET": secrets.token_urlsafe(32),
    }
    env.update({k.upper(): str(v) for k, v in extra.items()})
    return env


async def wait_for_pollers(
    client: Client, task_queue: str, seconds: float = 60.0, worker: WorkerProcess | None = None
) -> None:
    """Until a worker polls `task_queue` (a worker subprocess takes a few seconds to import and connect)."""
    from temporalio.api.enums.v1 import TaskQueueType
    from temporalio.api.taskqueue.v1 import TaskQueue
    from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if worker is not None and not worker.alive():
            raise RuntimeError(f"worker exited early:\n{worker.log_tail()}")
        response = await client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=client.namespace,
                task_queue=TaskQueue(name=task_queue),
                task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
            )
        )
        if response.pollers:
            return
        await asyncio.sleep(0.2)
    raise RuntimeError(f"no worker polled {task_queue} within {seconds:.0f}s")
