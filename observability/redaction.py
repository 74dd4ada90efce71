"""No personal data out of the database layer: what an SQL error may say in logs, failures and spans.

Engines hide bound parameters (core/db.py), but the server's own message can still carry values:
PostgreSQL's DETAIL line repeats the failing row ("Failing row contains (…, <evidence text>, …)") or key.
So a database error leaves this process as its driver class, the first line of the server's message and
the statement text (placeholders only): enough to diagnose, nothing about the person.
- Activities: `SafeDatabaseErrorsInterceptor`, the outermost, re-raises a DBAPIError as an ApplicationError of
  the same type name (retry policies match it as before) with that summary, and strips the raw database
  cause from an ApplicationError that activities/errors.py made of one (keeping its type and retryability):
  the SDK's log line, the failure stored in Temporal's history and the activity span see only summaries.
- Logs: `redact` drops DETAIL lines and parameter dumps from any formatted message or traceback.
- SQL spans: `redact_sql_span_errors` gives a failed statement's span the summary as its status.
"""

import logging
import re
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, StatementError
from temporalio import worker
from temporalio.exceptions import ApplicationError

log = logging.getLogger("observability.activities")

_DETAIL = re.compile(r"^[ \t]*(DETAIL|HINT|CONTEXT|Failing row contains)\b.*$\n?", re.MULTILINE)
_PARAMETERS = re.compile(r"\[parameters: .*?\]$", re.MULTILINE | re.DOTALL)


def redact(text: str) -> str:
    return _PARAMETERS.sub("[parameters redacted]", _DETAIL.sub("", text))


def db_error_summary(exc: BaseException) -> str:
    """`(CheckViolation) new row for relation "x" violates check constraint "y" [SQL: INSERT …]`."""
    orig = getattr(exc, "orig", None) or exc
    first_line = (str(orig).strip().splitlines() or [""])[0]
    statement = getattr(exc, "statement", None) if isinstance(exc, StatementError) else None
    return f"({type(orig).__name__}) {first_line}" + (f" [SQL: {statement}]" if statement else "")


def _db_cause(exc: BaseException) -> DBAPIError | None:
    seen = exc.__cause__ or exc.__context__
    while seen is not None and not isinstance(seen, DBAPIError):
        seen = seen.__cause__ or seen.__context__
    return seen


class _SafeActivityInbound(worker.ActivityInboundInterceptor):
    """Outermost activity interceptor: whatever the inner ones made of a database error, it leaves here
    without the error's full text (the failure converter would otherwise carry the cause chain along)."""

    async def execute_activity(self, input: worker.ExecuteActivityInput) -> Any:
        try:
            return await self.next.execute_activity(input)
        except DBAPIError as exc:
            summary = db_error_summary(exc)
            _log(input, summary)
            raise ApplicationError(summary, type=type(exc).__name__) from None
        except ApplicationError as exc:
            cause = _db_cause(exc)
            if cause is None:
                raise
            # Already classified (activities/errors.py: permanent or not); keep that, drop the raw cause.
            _log(input, db_error_summary(cause))
            raise ApplicationError(
                exc.message,
                *exc.details,
                type=exc.type,
                non_retryable=exc.non_retryable,
                next_retry_delay=exc.next_retry_delay,
                category=exc.category,
            ) from None


def _log(input: worker.ExecuteActivityInput, summary: str) -> None:
    # Logged here, inside the activity's span: this line carries the trace id (the SDK's own
    # "Completing activity as failed" line comes after the span has ended).
    log.warning("activity %s: database error %s", input.fn.__name__, summary)


class SafeDatabaseErrorsInterceptor(worker.Interceptor):
    def intercept_activity(self, next: worker.ActivityInboundInterceptor) -> worker.ActivityInboundInterceptor:
        return _SafeActivityInbound(next)


def redact_sql_span_errors(engine: Engine) -> None:
    """Runs before the SQLAlchemy instrumentation's own handler, which would put str(error) on the span."""

    @event.listens_for(engine, "handle_error")
    def _summarise(context: Any) -> None:
        execution = context.execution_context
        span = getattr(execution, "_otel_span", None)  # set by opentelemetry-instrumentation-sqlalchemy
        if span is None:
            return
        from opentelemetry.trace import Status, StatusCode

        if span.is_recording():
            span.set_status(
                Status(StatusCode.ERROR, db_error_summary(context.sqlalchemy_exception or context.original_exception))
            )
        span.end()
        execution._otel_span = None  # the library's handler finds no span and leaves ours alone
