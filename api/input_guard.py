"""Characters no request may carry, refused with 422 naming the field before any route sees them.

NUL and the other control characters have no business in a complaint: PostgreSQL refuses NUL in text
(a 500 and an activity that retried forever), SQLite stores it silently, and logs and consoles show
the rest as garbage or worse. Lone UTF-16 surrogates (`"\\ud800"` in JSON) cannot be encoded as UTF-8
at all. Allowed everywhere: tab, line feed and carriage return (normal in free text), and every other
character, including right-to-left marks and other format characters and every script (中文, العربية).

Bodies larger than the configured limit get 413 before they are parsed (BodyLimitMiddleware).

One app-wide dependency checks the path parameters, the query string, JSON bodies (values and keys,
at any depth), form fields (POST /auth/token) and text bodies (a YAML policy), so no route can forget.
"""

import json
import re
from typing import Any

from fastapi import Request
from starlette.datastructures import Headers
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import ApiError, render

# C0 controls except tab, LF and CR; DEL; C1 controls; lone surrogates.
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
ALLOWED_CONTROLS = "tab, line feed and carriage return"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _refuse(field: str, text: str) -> ApiError:
    found = FORBIDDEN.search(text)
    code = f"U+{ord(found.group()):04X}" if found else "?"
    message = f"contains the control character {code}; only {ALLOWED_CONTROLS} are allowed"
    return ApiError(
        422,
        "validation_error",
        f"{field}: {message}",
        [{"field": field, "message": message, "type": "control_character"}],
    )


def _short(name: str) -> str:
    return name if len(name) <= 40 else name[:39] + "…"


def _check_json(value: Any, where: str) -> None:
    if isinstance(value, str):
        if FORBIDDEN.search(value):
            raise _refuse(where, value)
    elif isinstance(value, dict):
        for key, item in value.items():
            if FORBIDDEN.search(key):
                raise _refuse(f"{where}.<key>", key)
            _check_json(item, f"{where}.{_short(key)}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_json(item, f"{where}.{index}")


def check_text(value: str, field: str) -> None:
    """For callers outside a request (the CLI): the same rule, the same message."""
    if FORBIDDEN.search(value):
        raise _refuse(field, value)


async def reject_control_characters(request: Request) -> None:
    for name, value in request.path_params.items():
        if isinstance(value, str) and FORBIDDEN.search(value):
            raise _refuse(f"path.{name}", value)
    for name, value in request.query_params.multi_items():
        if FORBIDDEN.search(name):
            raise _refuse("query.<name>", name)
        if FORBIDDEN.search(value):
            raise _refuse(f"query.{_short(name)}", value)
    if request.method in ("GET", "HEAD", "OPTIONS", "DELETE"):
        return
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media in _FORM_TYPES:
        form = await request.form()  # parsed once: FastAPI has cached it for the route
        for name, value in form.multi_items():
            if FORBIDDEN.search(name):
                raise _refuse("body.<name>", name)
            if isinstance(value, str) and FORBIDDEN.search(value):
                raise _refuse(f"body.{_short(name)}", value)
        return
    raw = await request.body()  # cached: the route reads the same bytes, within the body-size limit
    if not raw:
        return
    if media == "application/json" or media.endswith("+json"):
        try:
            document = json.loads(raw)
        except ValueError:
            return  # not JSON: the route answers its own 422 (json_invalid)
        _check_json(document, "body")
        return
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return  # the route decides what bytes it accepts (a YAML policy must be UTF-8)
    if FORBIDDEN.search(text):
        raise _refuse("body", text)


class BodyLimitMiddleware:
    """413 for a body over the limit: at once when Content-Length says so, else when the stream passes it.

    Starlette's limiter counts a chunked stream; its 413 is raised inside the route's body read, where
    the error handlers render it in the error contract.
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int, larger: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.larger = larger or {}  # path prefix -> its own limit

    def limit_for(self, path: str) -> int:
        return next((limit for prefix, limit in self.larger.items() if path.startswith(prefix)), self.max_body_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            response = render(Request(scope), too_large(limit))
            await response(scope, receive, send)
            return
        await RequestBodyLimitMiddleware(self.app, limit)(scope, receive, send)


def too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        "payload_too_large",
        f"the request body is larger than {limit} bytes",
        [{"field": "body", "message": f"at most {limit} bytes", "type": "too_large"}],
    )
