"""`complaints health`: one line per part, read from the API's /health/ready (or a worker's /metrics)."""

import httpx

from core.settings import Settings

TIMEOUT_SECONDS = 5.0


def _local(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host


def check_api(settings: Settings, url: str | None, *, live_only: bool = False) -> tuple[list[str], bool]:
    base = (url or f"http://{_local(settings.api_host)}:{settings.api_port}").rstrip("/")
    path = "/health/live" if live_only else "/health/ready"
    try:
        response = httpx.get(f"{base}{path}", timeout=TIMEOUT_SECONDS)
    except httpx.HTTPError as exc:
        return [f"api        unreachable at {base} ({type(exc).__name__})"], False
    try:
        body = response.json()
    except ValueError:
        return [f"api        {base}{path} answered {response.status_code} without JSON"], False
    if live_only:
        return [
            f"api        {'alive' if response.status_code == 200 else response.status_code} ({base})"
        ], response.status_code == 200
    workers = body.get("workers") or {}
    lines = [
        f"api        alive ({base})",
        f"database   {body.get('database', '?')}",
        f"temporal   {body.get('temporal', '?')}",
        (
            f"workers    {workers.get('status', '?')} on task queue {workers.get('task_queue', '?')} "
            f"({workers.get('workflow_pollers', 0)} workflow, {workers.get('activity_pollers', 0)} activity pollers)"
        ),
        f"ready      {'yes' if response.status_code == 200 else 'no'}",
    ]
    return lines, response.status_code == 200


def check_worker(settings: Settings) -> tuple[list[str], bool]:
    """The worker has no API: its SDK metrics endpoint answering means its runtime is up."""
    if not settings.worker_metrics_port:
        return ["worker     cannot be checked: WORKER_METRICS_PORT is 0 (metrics off)"], False
    url = f"http://{_local(settings.metrics_host)}:{settings.worker_metrics_port}/metrics"
    try:
        response = httpx.get(url, timeout=TIMEOUT_SECONDS)
    except httpx.HTTPError as exc:
        return [f"worker     unreachable at {url} ({type(exc).__name__})"], False
    ok = response.status_code == 200
    return [f"worker     {'alive' if ok else response.status_code} ({url})"], ok
