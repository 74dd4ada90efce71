"""The API's operations wiring, kept here so api/main.py needs three lines: `instrument_api_app` when the
app is built, `start_api_operations` in its lifespan (its return value stops what it started)."""

from collections.abc import Callable

from fastapi import FastAPI
from opentelemetry.trace import TracerProvider
from prometheus_client import CollectorRegistry
from starlette.types import ASGIApp, Receive, Scope, Send

from core.settings import Settings
from observability import logs, metrics, tracing
from observability.business import BusinessCollector


class LogContextMiddleware:
    """Keeps the request's ASGI scope in a context variable: log records read its route's complaint id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = logs.request_scope.set(scope)
        try:
            await self.app(scope, receive, send)
        finally:
            logs.request_scope.reset(token)


def instrument_api_app(app: FastAPI, settings: Settings, tracer_provider: TracerProvider | None = None) -> None:
    """HTTP metrics and business figures on app.state.metrics_registry, request spans, log context.

    `tracer_provider`: a test's; otherwise the process's from the OTEL_ variables (None: no tracing).
    """
    registry = CollectorRegistry()
    metrics.instrument_api(app, registry)
    registry.register(
        BusinessCollector(
            lambda: getattr(app.state, "engine", None), cache_seconds=settings.business_metrics_cache_seconds
        )
    )
    app.state.metrics_registry = registry
    provider = tracer_provider or tracing.provider_from_environment("complaints-api")
    app.state.tracer_provider = provider
    tracing.instrument_app(app, provider)
    app.add_middleware(LogContextMiddleware)


def start_api_operations(app: FastAPI, settings: Settings, *, own_process: bool) -> Callable[[], None]:
    """Trace the app's engine; in a process of its own (not an app under test) also take over logging and
    serve /metrics on API_METRICS_PORT. Returns the function that stops the metrics server."""
    tracing.instrument_engine(app.state.engine, app.state.tracer_provider)
    if not own_process:
        return lambda: None
    logs.configure_logging(settings.log_format, settings.log_level)
    stop_metrics = metrics.serve(app.state.metrics_registry, settings.metrics_host, settings.api_metrics_port, "API")
    provider = tracing.provider_from_environment("complaints-api")

    def stop() -> None:
        stop_metrics()
        if provider is not None and app.state.tracer_provider is provider:
            provider.force_flush()  # spans still batched leave before the process does

    return stop
