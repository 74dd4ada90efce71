"""Structured logs: readable text by default, JSON with LOG_FORMAT=json; every record carries its context.

The context is found, not passed: the trace id from the current OpenTelemetry span, the workflow id from
the Temporal activity (or the `temporal_workflow` extra the SDK's workflow logger attaches), the complaint
id from that workflow id or from the HTTP route's `complaint_id` parameter (the API's middleware keeps the
request scope in a context variable). Messages are ours; SQL parameters never reach them because every
engine hides them (core/db.py), and personal data is never formatted into a message.
"""

import contextvars
import logging
import sys
from collections.abc import MutableMapping
from typing import IO, Any, Literal

from pythonjsonlogger.json import JsonFormatter

from observability.redaction import redact
from workflows.ids import WORKFLOW_PREFIX, complaint_id_from_workflow

CONTEXT_FIELDS = ("complaint_id", "workflow_id", "trace_id", "request_id")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"

# The ASGI scope of the request being served: routing fills in its path_params before any endpoint logs.
request_scope: contextvars.ContextVar[MutableMapping[str, Any] | None] = contextvars.ContextVar(
    "request_scope", default=None
)


def _trace_id() -> str | None:
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None


def _temporal_workflow_id(record: logging.LogRecord) -> str | None:
    for extra in ("temporal_activity", "temporal_workflow"):
        info = getattr(record, extra, None)
        if isinstance(info, dict) and info.get("workflow_id"):
            return str(info["workflow_id"])
    from temporalio import activity

    if activity.in_activity():
        return activity.info().workflow_id
    return None


class ContextFilter(logging.Filter):
    """Adds complaint_id, workflow_id, trace_id and request_id (None when unknown) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        scope = request_scope.get()
        workflow_id = getattr(record, "workflow_id", None) or _temporal_workflow_id(record)
        complaint_id = getattr(record, "complaint_id", None)
        if complaint_id is None and scope is not None:
            complaint_id = (scope.get("path_params") or {}).get("complaint_id")
        if complaint_id is None and workflow_id and workflow_id.startswith(WORKFLOW_PREFIX):
            complaint_id = complaint_id_from_workflow(workflow_id)
        if workflow_id is None and complaint_id:
            workflow_id = f"{WORKFLOW_PREFIX}{complaint_id}"
        record.complaint_id = complaint_id
        record.workflow_id = workflow_id
        record.trace_id = getattr(record, "trace_id", None) or _trace_id()
        record.request_id = getattr(record, "request_id", None) or (
            (scope.get("state") or {}).get("request_id") if scope is not None else None
        )
        message = record.getMessage()
        if redact(message) != message:  # a database error formatted into the message: drop its values
            record.msg, record.args = redact(message), None
        return True


class TextFormatter(logging.Formatter):
    """`time LEVEL logger: message [complaint=… workflow=… trace=…]`: the context only where known."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def formatException(self, ei) -> str:  # logging's name and signature
        return redact(super().formatException(ei))

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        context = " ".join(
            f"{name.removesuffix('_id')}={value}" for name in CONTEXT_FIELDS if (value := getattr(record, name, None))
        )
        if not context:
            return line
        first, newline, rest = line.partition("\n")  # keep a traceback below the context
        return f"{first} [{context}]{newline}{rest}"


class RedactingJsonFormatter(JsonFormatter):
    def formatException(self, ei) -> str:  # logging's name and signature
        return redact(super().formatException(ei))


def json_formatter() -> JsonFormatter:
    return RedactingJsonFormatter(
        JSON_FIELDS, rename_fields={"levelname": "level", "name": "logger", "asctime": "time"}, timestamp=False
    )


def formatter_for(log_format: Literal["text", "json"]) -> logging.Formatter:
    return json_formatter() if log_format == "json" else TextFormatter()


def make_handler(stream: IO[str], log_format: Literal["text", "json"] = "text") -> logging.Handler:
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(formatter_for(log_format))
    return handler


def configure_logging(log_format: Literal["text", "json"] = "text", level: str = "INFO") -> None:
    """One stderr handler on the root logger, with the context filter. Safe to call more than once."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_complaints_handler", False):
            root.removeHandler(handler)
    handler = make_handler(sys.stderr, log_format)
    handler._complaints_handler = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    # uvicorn installs its own handlers; its records go through ours instead, in the same format.
    for name in UVICORN_LOGGERS:
        server_logger = logging.getLogger(name)
        server_logger.handlers.clear()
        server_logger.propagate = True
