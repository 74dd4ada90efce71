"""The supervisor's guarantee, with children that misbehave: nothing of a stopped group survives."""

import os
import signal
import socket
import time

import pytest

from cli.devstack import Healer, port_taken
from cli.processes import Backoff, Supervisor, describe_exit, group_members

# A child that ignores SIGTERM and leaves a grandchild in its group (the grandchild ignores it too).
STUBBORN = "trap '' TERM; sh -c \"trap '' TERM; sleep 300\" & sleep 300 & wait"


def wait_for_members(pgid: int, count: int) -> None:
    deadline = time.monotonic() + 10
    while len(group_members(pgid)) < count:
        assert time.monotonic() < deadline, f"group {pgid} never reached {count} members"
        time.sleep(0.05)


def test_stop_all_kills_children_that_ignore_sigterm_and_their_descendants(tmp_path):
    supervisor = Supervisor(grace_seconds=0.5)
    stubborn = supervisor.start("stubborn", ["sh", "-c", STUBBORN], os.environ, log_path=tmp_path / "s.log")
    polite = supervisor.start("polite", ["sleep", "300"], os.environ)
    wait_for_members(stubborn.pid, 3)
    assert os.getpgid(stubborn.pid) == stubborn.pid and os.getpgid(polite.pid) == polite.pid

    supervisor.stop_all()

    assert group_members(stubborn.pid) == [] and group_members(polite.pid) == []
    assert polite.process.returncode == -15, "a child that honours SIGTERM is not killed"
    assert stubborn.process.returncode == -9


def test_a_second_stop_request_skips_the_grace_period():
    supervisor = Supervisor(grace_seconds=300)
    child = supervisor.start("stubborn", ["sh", "-c", STUBBORN], os.environ)
    wait_for_members(child.pid, 3)
    asked = []

    def second_ctrl_c() -> bool:
        asked.append(True)
        return True

    supervisor.stop_all(force=second_ctrl_c)  # without it: 300 s of grace for a child that ignores SIGTERM
    assert asked, "the grace loop must consult the force flag"
    assert group_members(child.pid) == [] and child.process.returncode == -9


def test_first_exited_names_the_child_that_died(tmp_path):
    supervisor = Supervisor(grace_seconds=1)
    supervisor.start("long", ["sleep", "300"], os.environ)
    short = supervisor.start("short", ["sh", "-c", "echo boom; exit 3"], os.environ, log_path=tmp_path / "x.log")
    short.process.wait()
    assert supervisor.first_exited() is short and short.log_tail() == "boom"
    supervisor.stop_all()


def test_restart_starts_the_same_command_in_the_same_place(tmp_path):
    supervisor = Supervisor(grace_seconds=1)
    first = supervisor.start("first", ["sleep", "300"], os.environ)
    dying = supervisor.start("dying", ["sh", "-c", "echo run >> runs.txt; exit 3"], os.environ, cwd=tmp_path)
    dying.process.wait()
    assert supervisor.exited() == [dying]
    again = supervisor.restart(dying)
    again.process.wait()
    assert supervisor.children == [first, again] and again.restarts == 1 and again.pid != dying.pid
    assert (tmp_path / "runs.txt").read_text() == "run\nrun\n"
    supervisor.stop_all()


def test_backoff_doubles_while_a_child_dies_young_and_starts_over_after_a_healthy_run():
    backoff = Backoff(initial=1, maximum=8, healthy_after=60)
    assert [backoff.next_delay(uptime=2) for _ in range(5)] == [1, 2, 4, 8, 8]
    assert backoff.next_delay(uptime=61) == 1


def test_describe_exit_names_the_signal():
    assert describe_exit(-9) == "killed by SIGKILL" and describe_exit(3) == "code 3"


def test_the_healer_restarts_the_worker_and_stops_for_temporal():
    supervisor = Supervisor(grace_seconds=1)
    said: list[str] = []
    temporal = supervisor.start("temporal", ["sleep", "300"], os.environ)
    worker = supervisor.start("worker", ["sleep", "300"], os.environ)
    healer = Healer(supervisor, said.append)
    try:
        os.kill(worker.pid, signal.SIGKILL)
        worker.process.wait()
        assert healer.tick(now=worker.started_at + 5) is None
        assert said == ["worker exited (killed by SIGKILL); restarting it in 1s (restart #1)"]
        assert healer.tick(now=worker.started_at + 5.5) is None and len(said) == 1, "back-off: not yet"
        assert healer.tick(now=worker.started_at + 6.1) is None
        assert said[1].startswith("worker restarted (pid ") and supervisor.children[1].running()

        os.kill(temporal.pid, signal.SIGKILL)
        temporal.process.wait()
        assert healer.tick() == "temporal exited unexpectedly (killed by SIGKILL)"
    finally:
        supervisor.stop_all()


def test_a_port_in_time_wait_after_a_stop_counts_as_free_and_a_listening_one_as_taken():
    """What made an immediate `./scripts/dev` restart fail: a plain bind() refuses a port with TIME_WAIT
    connections left by the last stop; servers (and so the probe) set SO_REUSEADDR."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn's listener has it
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = server.accept()
    accepted.close()  # the server side closes first: its end of the connection waits in TIME_WAIT
    client.recv(1)
    client.close()
    server.close()
    with socket.socket() as plain, pytest.raises(OSError):
        plain.bind(("127.0.0.1", port))  # the old check's probe: guards the guard
    assert not port_taken("127.0.0.1", port)
    with socket.socket() as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.bind(("127.0.0.1", port))
        holder.listen()
        assert port_taken("127.0.0.1", port)
