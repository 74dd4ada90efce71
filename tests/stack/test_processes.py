"""The supervisor's guarantee, with children that misbehave: nothing of a stopped group survives."""

import os
import time

from cli.processes import Supervisor, group_members

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
