"""Operations: metrics (Prometheus), traces (OpenTelemetry) and structured logs for the API and the worker.

Each concern is one module, built on a maintained library: `metrics` (Temporal SDK runtime exporter,
prometheus-fastapi-instrumentator, a metrics server), `business` (figures computed from the read model at
scrape time), `tracing` (OpenTelemetry, off unless the standard OTEL_/OTLP variables ask for it) and `logs`
(stdlib logging with python-json-logger, every record carrying complaint, workflow and trace ids).
"""
