"""Permanent errors are non-retryable: one interceptor for every activity of the worker.

A retry cannot fix bad data. Without this, a `DataError` (a NUL byte PostgreSQL refuses, a value too long
for its column) or an `IntegrityError` (a CHECK or foreign key the input breaks) is retried by the default
policy for ever, and the update that scheduled the activity never answers. Here such errors become
`ApplicationError(non_retryable=True)`, so the workflow sees the failure at once and handles it
(workflows/failures.py). A unique-key violation stays retryable: it is the race of two idempotent
writes with the same key, and the retry finds the winner's row and answers with it.
"""

import re
from typing import Any

from sqlalchemy.exc import DataError, IntegrityError
from temporalio.exceptions import ApplicationError
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor

from adapters.ports import PermanentFailure

PERMANENT_DATA_ERROR = "PermanentDataError"
PERMANENT_FAILURE = "PermanentFailure"
_UNIQUE_PG_CODE = "23505"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MESSAGE_LIMIT = 300


def short_message(err: BaseException) -> str:
    """The error's first line, without control characters and cut short: it goes into history and audit."""
    text = str(getattr(err, "orig", None) or err).splitlines()[0] if str(err) else type(err).__name__
    return _CONTROL.sub(" ", text)[:MESSAGE_LIMIT]


def is_unique_violation(err: IntegrityError) -> bool:
    orig = err.orig
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return code == _UNIQUE_PG_CODE or "UNIQUE constraint failed" in str(orig)


def as_permanent(err: BaseException) -> ApplicationError | None:
    """The non-retryable error for `err`, or None when a retry may succeed."""
    if isinstance(err, PermanentFailure):
        return ApplicationError(short_message(err), type=PERMANENT_FAILURE, non_retryable=True)
    if isinstance(err, DataError) or (isinstance(err, IntegrityError) and not is_unique_violation(err)):
        return ApplicationError(
            f"{type(err).__name__}: {short_message(err)}", type=PERMANENT_DATA_ERROR, non_retryable=True
        )
    return None


class _PermanentErrors(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        try:
            return await super().execute_activity(input)
        except (PermanentFailure, DataError, IntegrityError) as err:
            permanent = as_permanent(err)
            if permanent is None:
                raise
            raise permanent from err


class PermanentErrorInterceptor(Interceptor):
    """Pass to the Worker's `interceptors`: turns permanent data errors into non-retryable failures."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _PermanentErrors(next)
