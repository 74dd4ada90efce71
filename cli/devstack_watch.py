"""`complaints up` watching its children: the stop request (Ctrl-C, SIGTERM), waiting for each part to be
ready (read over HTTP, so the supervisor never loads the Temporal SDK), and the healer that restarts a dead
worker, API or codec."""

import signal
import time
from collections.abc import Callable

import httpx

from cli.devstack_config import StackConfig, StackError
from cli.processes import Backoff, Child, Supervisor, describe_exit


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
