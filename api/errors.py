"""The one error contract, and the one place where every failure is mapped onto it.

Body: {"error": {"code", "message", "details"}, "request_id"}. Codes and statuses:
validation_error 422 · unauthorized 401 · forbidden 403 · not_found 404 · payload_too_large 413 ·
too_many_requests 429 · invalid_stage 409 ·
conflict 409 · unavailable 503 (retry; nothing was done) · internal 500 (a bug: logged, never
caused by what a client sends). Client input is echoed at most as a short excerpt (field names and ids,
EXCERPT_CHARS characters): it may hold personal data, and a huge value must not make a huge error.
"""

import logging
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.client import (
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

log = logging.getLogger("api.errors")

RETRY_AFTER_SECONDS = "2"
# The most of one client-supplied value (a field name, an id) an error message repeats.
EXCERPT_CHARS = 40
# The most validation problems one 422 lists: a body with 10,000 bad items gets the first ones.
MAX_ERROR_DETAILS = 20


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """A client value as an error may quote it: repr'd (so control characters show escaped), cut short."""
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ErrorBody(BaseModel):
    code: str = Field(examples=["invalid_stage"])
    message: str = Field(examples=["case is in stage 'evidence'; respond_to_offer expects 'negotiation'"])
    details: Any = Field(None, examples=[{"stage": "evidence", "expected": "negotiation"}])


class ErrorResponse(BaseModel):
    error: ErrorBody
    request_id: str = Field(examples=["5f0c6f7e6c5b4f7f9a3c2d1e0b9a8f7e"])


class ApiError(Exception):
    """Raised by routes and dependencies; rendered as the error contract."""

    def __init__(
        self, status_code: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers


def unauthorized(message: str = "missing or invalid bearer token") -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


def forbidden(message: str) -> ApiError:
    return ApiError(403, "forbidden", message)


def not_found(message: str, field: str | None = None) -> ApiError:
    """404; with `field`, the details name the request field whose value was not found (or is not yours)."""
    details = [{"field": field, "message": message}] if field else None
    return ApiError(404, "not_found", f"{field}: {message}" if field else message, details)


def conflict(message: str, details: Any = None) -> ApiError:
    return ApiError(409, "conflict", message, details)


def invalid_stage(message: str, details: Any = None) -> ApiError:
    return ApiError(409, "invalid_stage", message, details)


def invalid_field(field: str, message: str) -> ApiError:
    return ApiError(422, "validation_error", f"{field}: {message}", [{"field": field, "message": message}])


def unavailable(message: str) -> ApiError:
    return ApiError(503, "unavailable", message, headers={"Retry-After": RETRY_AFTER_SECONDS})


def request_id_of(request: Request) -> str:
    rid = getattr(request.state, "request_id", None)
    return rid if isinstance(rid, str) else uuid.uuid4().hex


def render(request: Request, err: ApiError) -> JSONResponse:
    body = ErrorResponse(
        error=ErrorBody(code=err.code, message=err.message, details=err.details), request_id=request_id_of(request)
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=err.status_code, headers=err.headers)


# ---- mapping of library exceptions ---------------------------------------------------------------

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    503: "unavailable",
}

_APPLICATION_ERRORS = {
    "InvalidStage": (409, "invalid_stage"),
    "Conflict": (409, "conflict"),
    "InvalidInput": (422, "validation_error"),
    "NotAllowed": (403, "forbidden"),
    # A step whose effect the database refused for good (workflows/failures.py).
    "StepFailed": (422, "step_failed"),
}

_TRANSIENT_RPC = {
    RPCStatusCode.UNAVAILABLE,
    RPCStatusCode.DEADLINE_EXCEEDED,
    RPCStatusCode.CANCELLED,
    RPCStatusCode.RESOURCE_EXHAUSTED,
    RPCStatusCode.ABORTED,
}


def _field_path(loc: Sequence[int | str]) -> str:
    # A location part can be a client-chosen key (an unexpected field): quote only its beginning.
    return ".".join(
        str(part) if len(str(part)) <= EXCERPT_CHARS else str(part)[: EXCERPT_CHARS - 1] + "…" for part in loc
    )


def from_validation(exc: RequestValidationError) -> ApiError:
    errors = [
        {
            "field": _field_path(e.get("loc", ())),
            "message": str(e.get("msg", "invalid"))[:200],
            "type": e.get("type", "value_error"),
        }
        for e in exc.errors()[:MAX_ERROR_DETAILS]
    ]
    first = errors[0] if errors else {"field": "body", "message": "invalid request"}
    return ApiError(422, "validation_error", f"{first['field']}: {first['message']}", errors)


def from_http(exc: StarletteHTTPException) -> ApiError:
    code = _HTTP_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else "request failed"
    headers = dict(exc.headers) if exc.headers else None
    if exc.status_code == 401:
        headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
    return ApiError(exc.status_code, code, message, headers=headers)


def from_update_failure(exc: WorkflowUpdateFailedError) -> ApiError:
    cause = exc.cause
    if isinstance(cause, ApplicationError) and cause.type in _APPLICATION_ERRORS:
        status, code = _APPLICATION_ERRORS[cause.type]
        details = cause.details[0] if cause.details else None
        if code == "validation_error" and isinstance(details, dict):
            # The workflow names a payload field; the API's bodies are those payloads, so it is a body field.
            details = [{**details, "field": f"body.{details.get('field', '')}".rstrip(".")}]
        return ApiError(status, code, cause.message, details)
    # An update failing for any other reason is the workflow's bug, not the client's request.
    log.error("update failed unexpectedly: %s", type(cause).__name__ if cause else "no cause")
    return ApiError(500, "internal", "the case could not process this action")


def from_rpc(exc: RPCError) -> ApiError:
    if exc.status == RPCStatusCode.NOT_FOUND:
        return not_found("no such case")
    if exc.status in _TRANSIENT_RPC:
        return unavailable("the workflow service is unreachable; retry the request")
    if exc.status == RPCStatusCode.ALREADY_EXISTS:
        return conflict("the case was changed concurrently; reload and retry")
    if exc.status == RPCStatusCode.FAILED_PRECONDITION:
        # Temporal refuses the call in the workflow's present condition (it is completing, or its task is
        # failing): nothing was done, and the case's read model still answers GET.
        return conflict("the case cannot take this step in its present condition; reload it and retry")
    log.error("unexpected Temporal RPC status %s", exc.status.name if exc.status else "?")
    return ApiError(500, "internal", "the workflow service rejected the request")


def from_database(exc: DBAPIError | PoolTimeoutError) -> ApiError:
    if isinstance(exc, (OperationalError, PoolTimeoutError)) or getattr(exc, "connection_invalidated", False):
        return unavailable("the database is unreachable; retry the request")
    log.error("unexpected database error: %s", type(exc).__name__)
    return ApiError(500, "internal", "the database rejected the request")


def from_connect_failure(exc: RuntimeError) -> ApiError:
    from api.temporal_link import is_connect_failure

    if is_connect_failure(exc):
        return unavailable("the workflow service is unreachable; retry the request")
    return internal(exc)


def internal(exc: BaseException) -> ApiError:
    log.error("unhandled error: %s", type(exc).__name__, exc_info=exc)
    return ApiError(500, "internal", "internal error; the request id identifies it in the logs")


_CONVERTERS: list[tuple[type[Exception], Callable[[Any], ApiError]]] = [
    (ApiError, lambda e: e),
    (RequestValidationError, from_validation),
    (StarletteHTTPException, from_http),
    (WorkflowUpdateFailedError, from_update_failure),
    (
        WorkflowUpdateRPCTimeoutOrCancelledError,
        lambda e: unavailable("the case did not answer in time; retry with the same Idempotency-Key"),
    ),
    (
        WorkflowQueryFailedError,
        lambda e: unavailable("the case's workflow cannot answer right now; retry, or read GET /complaints/{id}"),
    ),
    (RPCError, from_rpc),
    (DBAPIError, from_database),
    (PoolTimeoutError, from_database),
    (RuntimeError, from_connect_failure),
]


def to_api_error(exc: BaseException) -> ApiError:
    """Any exception as the error contract; an unknown one is logged and becomes 500."""
    for kind, convert in _CONVERTERS:
        if isinstance(exc, kind):
            return convert(exc)
    return internal(exc)


def install_error_handlers(app: FastAPI) -> None:
    async def handle(request: Request, exc: Exception) -> JSONResponse:
        return render(request, to_api_error(exc))

    for kind, _ in _CONVERTERS:
        app.add_exception_handler(kind, handle)
    app.add_exception_handler(Exception, handle)


# ---- OpenAPI documentation of the error responses -----------------------------------------------

_EXAMPLES: dict[int, tuple[str, str, str, Any]] = {
    401: ("Missing, invalid or expired token", "unauthorized", "missing or invalid bearer token", None),
    403: ("The role may not use this endpoint", "forbidden", "role 'merchant' may not perform approve_tier3", None),
    404: (
        "Unknown case, order, line or resource (to consumers and merchants also another party's)",
        "not_found",
        "no complaint 'c-2f1e'",
        None,
    ),
    409: (
        "Not valid in the current stage, a concurrent change, or the same Idempotency-Key still in flight",
        "invalid_stage",
        "case is in stage 'evidence'; respond_to_offer expects 'negotiation' with a pending offer",
        {"stage": "evidence", "expected": "negotiation"},
    ),
    413: (
        "The request body is larger than the configured limit",
        "payload_too_large",
        "the request body is larger than 1048576 bytes",
        None,
    ),
    429: (
        "Too many failed logins: wait Retry-After seconds",
        "too_many_requests",
        "too many failed logins for this username; try again later",
        {"retry_after_seconds": 60},
    ),
    422: (
        "Invalid payload; details name each field",
        "validation_error",
        "body.refund_minor: Input should be greater than or equal to 0",
        [
            {
                "field": "body.refund_minor",
                "message": "Input should be greater than or equal to 0",
                "type": "greater_than_equal",
            }
        ],
    ),
    503: (
        "Temporal or the database is unreachable; nothing was done, retry (see Retry-After)",
        "unavailable",
        "the workflow service is unreachable; retry the request",
        None,
    ),
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each error status with the shared schema and an example."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        description, code, message, details = _EXAMPLES[status]
        example = {
            "error": {"code": code, "message": message, "details": details},
            "request_id": "5f0c6f7e6c5b4f7f9a3c2d1e0b9a8f7e",
        }
        out[status] = {
            "model": ErrorResponse,
            "description": description,
            "content": {"application/json": {"example": example}},
        }
    return out
