"""Child processes of the dev stack: each in its own process group, so stopping one stops all it spawned.

Every child is a session leader (start_new_session): the terminal's Ctrl-C reaches only the supervisor,
which then stops the children in reverse start order, SIGTERM first and SIGKILL after a grace period.
On Linux each child also gets SIGTERM if the supervisor dies without cleaning up (PR_SET_PDEATHSIG).
A child that died can be started again in its place (`restart`); `Backoff` spaces such restarts out.
"""

import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

_PR_SET_PDEATHSIG = 1
_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
# Loaded before any fork: dlopen in the child between fork and exec is not safe.
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def _prepare_child() -> None:
    """Runs in the child between fork and exec."""
    # The supervisor blocks stop signals while it spawns; exec keeps the mask, so undo it here.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Child:
    name: str
    process: subprocess.Popen
    log_path: Path | None = None
    argv: Sequence[str] = ()
    env: Mapping[str, str] | None = None
    cwd: Path | None = None
    started_at: float = field(default_factory=time.monotonic)
    restarts: int = 0

    @property
    def pid(self) -> int:
        return self.process.pid

    def running(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


class Supervisor:
    """Starts named children and guarantees that stop_all() leaves none of them, nor their descendants."""

    def __init__(self, grace_seconds: float = 10.0) -> None:
        self.grace_seconds = grace_seconds
        self.children: list[Child] = []

    def start(
        self,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str],
        cwd: Path | None = None,
        log_path: Path | None = None,
    ) -> Child:
        log: IO[bytes] | None = None
        if log_path is not None:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            log = open(log_path, "ab")  # noqa: SIM115 - the child holds it; closed right after spawning
        # No stop signal may land between the fork and the bookkeeping, or a child would go unrecorded.
        old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            process = subprocess.Popen(
                list(argv),
                env=dict(env),
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=log if log else None,
                stderr=subprocess.STDOUT if log else None,
                start_new_session=True,
                preexec_fn=_prepare_child,
            )
            child = Child(name, process, log_path, argv=list(argv), env=dict(env), cwd=cwd)
            self.children.append(child)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
            if log is not None:
                log.close()
        return child

    def first_exited(self) -> Child | None:
        return next((c for c in self.children if not c.running()), None)

    def exited(self) -> list[Child]:
        return [c for c in self.children if not c.running()]

    def restart(self, dead: Child) -> Child:
        """Start `dead`'s command again in its place (same position in the stop order)."""
        index = self.children.index(dead)
        self._stop(dead, lambda: True)  # reap it and anything it left in its group
        self.children.remove(dead)
        child = self.start(dead.name, dead.argv, dead.env or {}, cwd=dead.cwd, log_path=dead.log_path)
        self.children.remove(child)
        self.children.insert(index, child)
        child.restarts = dead.restarts + 1
        return child

    def stop_all(self, force: Callable[[], bool] = lambda: False) -> None:
        """Stop in reverse start order: the API before the worker before the server they talk to."""
        for child in reversed(self.children):
            self._stop(child, force)

    def _stop(self, child: Child, force: Callable[[], bool]) -> None:
        pgid = child.pid  # a session leader's group id is its pid
        if child.running():
            _signal_group(pgid, signal.SIGTERM)
            deadline = time.monotonic() + self.grace_seconds
            while child.running() and time.monotonic() < deadline and not force():
                time.sleep(0.1)
        # Whatever is left in the group, the leader included, is killed: nothing may outlive the stack.
        _signal_group(pgid, signal.SIGKILL)
        child.process.wait()
        deadline = time.monotonic() + 5.0
        while group_members(pgid) and time.monotonic() < deadline:  # grandchildren die asynchronously
            time.sleep(0.05)


@dataclass
class Backoff:
    """Restart delays that double while a child keeps dying young, and start over once it ran long enough."""

    initial: float = 1.0
    maximum: float = 30.0
    healthy_after: float = 60.0
    _failures: int = 0

    def next_delay(self, uptime: float) -> float:
        if uptime >= self.healthy_after:
            self._failures = 0
        delay = min(self.maximum, self.initial * 2**self._failures)
        self._failures += 1
        return delay


def describe_exit(returncode: int | None) -> str:
    """`code 3`, or `killed by SIGKILL` for a child ended by a signal."""
    if returncode is not None and returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"code {returncode}"


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        # The group is already empty (PermissionError: a zombie leader on some kernels).
        pass


def group_members(pgid: int) -> list[int]:
    """Live processes of a process group, read from /proc (Linux; elsewhere none are seen); zombies count
    as gone."""
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    members = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        state, process_group = fields[0], int(fields[2])
        if process_group == pgid and state != "Z":
            members.append(int(entry.name))
    return members
