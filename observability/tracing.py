"""OpenTelemetry traces: HTTP request -> workflow update -> activities -> database, one trace per action.

Off by default. The standard variables turn it on: OTEL_EXPORTER_OTLP_ENDPOINT (or
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) with OTEL_TRACES_EXPORTER unset or `otlp`; OTEL_SDK_DISABLED=true
keeps it off. The OTLP/HTTP exporter reads the rest itself (headers, timeout, compression, certificate);
OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES name the process.

No global provider is installed: each process (and each test) hands its provider to the pieces it
instruments, so a test with an in-memory exporter sees exactly its own spans.
"""

import os
from collections.abc import Mapping
from functools import cache

from fastapi import FastAPI
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import TracerProvider as TracerProviderApi
from sqlalchemy.engine import Engine
from temporalio.client import Interceptor

from observability.redaction import redact_sql_span_errors

INSTRUMENTATION_NAME = "complaintdesk"
# Polled constantly by health checks and Prometheus: spans of them would drown the interesting ones.
UNTRACED_URLS = "/health,/health/live,/health/ready,/metrics"


def enabled(environ: Mapping[str, str] = os.environ) -> bool:
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    exporters = {e.strip().lower() for e in environ.get("OTEL_TRACES_EXPORTER", "otlp").split(",")}
    endpoint = environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    return "otlp" in exporters and bool(endpoint)


@cache
def provider_from_environment(service_name: str) -> TracerProvider | None:
    """This process's provider with an OTLP/HTTP exporter, or None when tracing is off (the default)."""
    if not enabled():
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    # Resource.create reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, which win over this default.
    resource = Resource.create({"service.name": service_name}).merge(Resource.create())
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


def temporal_interceptors(provider: TracerProviderApi | None) -> list[Interceptor]:
    """temporalio's TracingInterceptor (updates traced with their caller: observability.temporal_tracing) on
    the client; workers built from that client inherit it, client and worker side."""
    if provider is None:
        return []
    from observability.temporal_tracing import CaseTracingInterceptor

    return [CaseTracingInterceptor(tracer=provider.get_tracer(INSTRUMENTATION_NAME))]


def instrument_engine(engine: Engine, provider: TracerProviderApi | None) -> None:
    """A span per SQL statement (text only: the instrumentation records no parameters)."""
    if provider is None or getattr(engine, "_complaints_traced", False):
        return
    from opentelemetry.instrumentation.sqlalchemy import __version__
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
    from opentelemetry.metrics import get_meter

    # Per engine rather than SQLAlchemyInstrumentor().instrument(): that one is a process-wide singleton
    # which patches create_engine globally and takes only the first provider it is given.
    meter = get_meter("opentelemetry.instrumentation.sqlalchemy", __version__)
    usage = meter.create_up_down_counter("db.client.connections.usage", unit="connections")
    redact_sql_span_errors(engine)  # first: it must run before the tracer's own error handler
    EngineTracer(provider.get_tracer("opentelemetry.instrumentation.sqlalchemy", __version__), engine, usage)
    engine._complaints_traced = True  # type: ignore[attr-defined]


def instrument_app(app: FastAPI, provider: TracerProviderApi | None) -> None:
    """A server span per HTTP request; the W3C traceparent of an incoming request is honoured."""
    if provider is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider, excluded_urls=UNTRACED_URLS)
