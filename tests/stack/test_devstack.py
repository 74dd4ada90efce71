"""`complaints up` end to end: the real Temporal dev server, worker and API come up, answer, and are all gone
after Ctrl-C; a second run on the same data dir finds the first run's history and database."""

import asyncio
import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client

from cli.processes import group_members
from core.binaries import find_binary

STARTUP_SECONDS = 240  # 2 shared cores: three Python processes and a Go server start together
STOP_SECONDS = 60


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def children_of(pid: int) -> dict[int, str]:
    """Direct children of `pid` with their command lines, read from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if parent == pid:
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
    return found


@dataclass
class RunningStack:
    process: subprocess.Popen
    log: Path
    temporal_port: int
    ui_port: int
    api_port: int

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_banner(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while "Press Ctrl-C to stop everything." not in self.output():
            assert self.process.poll() is None, f"`complaints up` exited early:\n{self.output()}"
            assert time.monotonic() < deadline, f"stack not up within {STARTUP_SECONDS}s:\n{self.output()}"
            time.sleep(0.5)

    def interrupt(self, sig: signal.Signals) -> int:
        self.process.send_signal(sig)
        return self.process.wait(timeout=STOP_SECONDS)


@pytest.fixture
def stack_env(tmp_path: Path) -> Iterator[dict]:
    temporal_port, ui_port, api_port, api_metrics, worker_metrics = free_ports(5)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PAYLOAD_KEY")}
    env.update(
        DATA_DIR=str(tmp_path / "data"),
        TEMPORAL_ADDRESS=f"127.0.0.1:{temporal_port}",
        TEMPORAL_UI_PORT=str(ui_port),
        API_PORT=str(api_port),
        DEV_MODE="true",
        API_METRICS_PORT=str(api_metrics),
        WORKER_METRICS_PORT=str(worker_metrics),
    )
    yield {
        "env": env,
        "ports": (temporal_port, ui_port, api_port),
        "dir": tmp_path,
        "metrics": (api_metrics, worker_metrics),
    }


def start(stack_env: dict, name: str) -> RunningStack:
    log = stack_env["dir"] / f"{name}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [find_binary("complaints"), "up"],
            env=stack_env["env"],
            cwd=stack_env["dir"],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    return RunningStack(process, log, *stack_env["ports"])


def stop_and_assert_nothing_left(stack: RunningStack, groups: list[int], sig: signal.Signals = signal.SIGINT) -> None:
    try:
        code = stack.interrupt(sig)
    finally:
        if stack.process.poll() is None:  # the test failed: its children die with it (PR_SET_PDEATHSIG)
            stack.process.kill()
            stack.process.wait()
    assert code == 0, stack.output()
    assert "Stopped: no process left running." in stack.output()
    for pgid in groups:
        assert group_members(pgid) == [], f"process group {pgid} still has members after Ctrl-C"


def test_up_serves_heals_a_killed_worker_and_api_then_ctrl_c_leaves_nothing_and_a_restart_keeps_the_data(stack_env):
    """The second start follows the first stop at once: its ports (in TIME_WAIT) must be taken as free."""
    stack = start(stack_env, "first")
    try:
        stack.wait_for_banner()
        children = children_of(stack.process.pid)
        names = " ".join(children.values())
        assert "temporal server start-dev" in names and "-m worker" in names and "uvicorn api.main:app" in names
        assert all(os.getpgid(pid) == pid for pid in children), "each child leads its own process group"

        health = httpx.get(f"http://127.0.0.1:{stack.api_port}/health", timeout=10)
        assert (health.status_code, health.json()) == (200, {"database": "ok", "temporal": "ok"})
        ui = httpx.get(f"http://127.0.0.1:{stack.ui_port}/", timeout=10)
        assert ui.status_code == 200 and "<html" in ui.text.lower()
        assert httpx.get(f"http://127.0.0.1:{stack.api_port}/docs", timeout=10).status_code == 200
        assert "seeded now (first run)" in stack.output()
        api_metrics, worker_metrics = stack_env["metrics"]
        assert "complaints_open_cases" in httpx.get(f"http://127.0.0.1:{api_metrics}/metrics", timeout=10).text
        assert "temporal_" in httpx.get(f"http://127.0.0.1:{worker_metrics}/metrics", timeout=10).text

        for name, marker_in_cmdline in (("worker", "-m worker"), ("api", "uvicorn api.main:app")):
            kill_and_wait_for_restart(stack, name, marker_in_cmdline)
        ready = wait_ready(stack.api_port)
        assert ready["workers"]["status"] == "ok", ready
        marker = asyncio.run(_start_marker_workflow(stack.temporal_port))
    finally:
        if stack.process.poll() is None:
            stop_and_assert_nothing_left(stack, list(children_of(stack.process.pid)))

    again = start(stack_env, "second")
    try:
        again.wait_for_banner()
        assert "from an earlier run" in again.output(), "the SQLite database survived: no second seeding"
        assert asyncio.run(_workflow_exists(again.temporal_port, marker)), "temporal.db kept the history"
    finally:
        if again.process.poll() is None:  # SIGTERM this time: what a service manager sends
            stop_and_assert_nothing_left(again, list(children_of(again.process.pid)), signal.SIGTERM)


def kill_and_wait_for_restart(stack: RunningStack, name: str, marker_in_cmdline: str) -> None:
    """kill -9 one child: the stack logs it, starts it again with back-off and keeps running."""
    [pid] = [pid for pid, cmd in children_of(stack.process.pid).items() if marker_in_cmdline in cmd]
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + STARTUP_SECONDS
    while f"{name} restarted (pid" not in stack.output():
        assert stack.process.poll() is None, f"the stack died with its {name}:\n{stack.output()}"
        assert time.monotonic() < deadline, f"{name} not restarted:\n{stack.output()}"
        time.sleep(0.25)
    assert f"{name} exited (killed by SIGKILL); restarting it in 1s (restart #1)" in stack.output()
    [fresh] = [p for p, cmd in children_of(stack.process.pid).items() if marker_in_cmdline in cmd]
    assert fresh != pid and os.getpgid(fresh) == fresh


def wait_ready(api_port: int) -> dict:
    """/health/ready once the restarted processes are back: database, Temporal and polling workers."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        try:
            response = httpx.get(f"http://127.0.0.1:{api_port}/health/ready", timeout=10)
            if response.status_code == 200:
                return response.json()
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "not ready again after the restarts"
        time.sleep(0.5)


async def _start_marker_workflow(port: int) -> str:
    # A workflow on a queue nobody polls: it just stays open, proving persistence without any worker.
    client = await Client.connect(f"127.0.0.1:{port}")
    workflow_id = f"persistence-probe-{uuid.uuid4().hex[:8]}"
    await client.start_workflow("PersistenceProbe", id=workflow_id, task_queue="nobody-polls-this")
    return workflow_id


async def _workflow_exists(port: int, workflow_id: str) -> bool:
    client = await Client.connect(f"127.0.0.1:{port}")
    description = await client.get_workflow_handle(workflow_id).describe()
    return description.id == workflow_id


def test_up_refuses_a_taken_port_with_a_clear_message(stack_env):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", stack_env["ports"][2]))
        holder.listen()
        stack = start(stack_env, "busy")
        code = stack.process.wait(timeout=60)
    assert code == 1
    assert f"port {stack.api_port} (API) is already in use" in stack.output()
    assert "Traceback" not in stack.output() and len(stack.output().strip().splitlines()) == 1, stack.output()
    assert not (Path(stack_env["env"]["DATA_DIR"]) / "temporal.db").exists(), "refused before starting anything"
    assert "--api-port" in stack.output()
