"""Prometheus metrics: the Temporal SDK's own (worker), HTTP requests (API), and one server per process.

- Worker: the SDK runtime's Prometheus exporter (Rust core) serves task latencies, schedule-to-start,
  slots, pollers and the sticky cache on WORKER_METRICS_PORT. Durations are in seconds, counters end in
  `_total`, as everywhere else on the dashboard.
- API: prometheus-fastapi-instrumentator counts requests and times them per route template, method and
  status; the business figures (observability.business) are added to the same registry. Both are served
  on API_METRICS_PORT by prometheus_client's server thread, apart from the public API port.

Port 0 turns a process's metrics off. METRICS_HOST is the address both bind to.
"""

import logging
from collections.abc import Callable
from wsgiref.simple_server import WSGIServer

from fastapi import FastAPI
from prometheus_client import CollectorRegistry, start_http_server
from prometheus_fastapi_instrumentator import Instrumentator
from prometheus_fastapi_instrumentator import metrics as http_metrics
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

log = logging.getLogger("observability.metrics")

# Exported by prometheus-fastapi-instrumentator as configured in instrument_api (labels: handler, method,
# status). The dashboard test holds its queries to these names and to what a real scrape shows.
HTTP_REQUESTS = "http_requests_total"
HTTP_LATENCY = "http_request_duration_seconds"
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def worker_runtime(host: str, port: int) -> Runtime | None:
    """A Temporal runtime whose core serves Prometheus metrics on host:port; None when port is 0.

    A taken port is logged and the worker runs without metrics: a second worker on the same host must still
    work its cases (its `complaints health --worker` then fails, which is how the operator notices).
    """
    if not port:
        return None
    try:
        return Runtime(
            telemetry=TelemetryConfig(
                metrics=PrometheusConfig(
                    bind_address=f"{host}:{port}", counters_total_suffix=True, durations_as_seconds=True
                )
            )
        )
    except ValueError as exc:  # the SDK reports a failed bind as ValueError("Failed starting Prometheus ...")
        log.warning("worker metrics not served on %s:%d: %s", host, port, exc)
        return None


def instrument_api(app: FastAPI, registry: CollectorRegistry) -> None:
    """Request count and latency per route template and status (unmatched paths grouped as `none`)."""
    instrumentator = Instrumentator(
        should_group_status_codes=False,
        should_group_untemplated=True,
        excluded_handlers=["/metrics"],
        registry=registry,
    )
    instrumentator.add(http_metrics.requests(registry=registry))
    instrumentator.add(http_metrics.latency(should_include_status=True, buckets=LATENCY_BUCKETS, registry=registry))
    instrumentator.instrument(app)


def serve(registry: CollectorRegistry, host: str, port: int, what: str) -> Callable[[], None]:
    """Serve /metrics on host:port from a daemon thread; returns the stop function (a no-op when off).

    A port already taken is logged, not fatal: the API keeps serving requests without its metrics.
    """
    if not port:
        return lambda: None
    try:
        server: WSGIServer
        server, thread = start_http_server(port, addr=host, registry=registry)
    except OSError as exc:
        log.warning("%s metrics not served: %s:%d unavailable (%s)", what, host, port, exc.strerror or exc)
        return lambda: None
    log.info("%s metrics on http://%s:%d/metrics", what, host, port)

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return stop
