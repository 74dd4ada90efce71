"""The Agent API: `uvicorn api.main:app`, or `create_app(settings, client=..., engine=...)` in tests."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from opentelemetry.trace import TracerProvider
from sqlalchemy.engine import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from temporalio.client import Client

from api.errors import install_error_handlers
from api.input_guard import BodyLimitMiddleware, reject_control_characters
from api.login_guard import LoginGuard
from api.routes import (
    actions,
    auth,
    codec,
    complaints,
    events,
    fast_lane,
    health,
    insights,
    interviews,
    policy,
    queues,
    users,
)
from api.routes import audit as audit_routes
from api.temporal_link import TemporalLink
from console import mount_console
from core.codec import EncryptionCodec
from core.db import engine_from_settings
from core.migrate import upgrade_database
from core.settings import Settings, get_settings, require_production_secrets
from core.temporal import connect
from observability.api import instrument_api_app, start_api_operations
from seed.demo import seed_demo

DESCRIPTION = """
Complaint case management: file complaints, work them step by step, watch queues.

**Authentication.** `POST /auth/token` with form fields `username` and `password` returns a bearer token;
send it as `Authorization: Bearer <token>`. In dev mode the demo users are alice (consumer), shop1 (merchant),
agent1, agent2, super1 (supervisor), audit1 (auditor) and admin1, all with password `demo-password`.

**Errors.** Every error has one shape: `{"error": {"code", "message", "details"}, "request_id"}`.
401 no or bad token · 403 wrong role · 404 unknown case, order or line (another party's case answers the
same) · 409 not valid in the current stage (`invalid_stage`) or a concurrent change (`conflict`) · 413 body
too large · 422 invalid payload, NUL or control characters (details name each field) · 429 too many failed
logins (`Retry-After`) · 503 Temporal or the database unreachable: nothing was done, retry after
`Retry-After` seconds.

**Idempotency.** Writes take an `Idempotency-Key` header (required on complaint writes). A retry with the same
key and body returns the first response (header `Idempotent-Replayed: true`) and has no second effect.
"""

TAGS = [
    {"name": "auth", "description": "Bearer tokens (OAuth2 password flow)."},
    {"name": "complaints", "description": "File, list and read complaints."},
    {"name": "actions", "description": "Every human step of a case, one endpoint each."},
    {"name": "queues", "description": "Work lists: my cases, the supervisor queue, overdue and at-risk cases."},
    {"name": "admin", "description": "Users and the policy (admin; auditors may read the policy)."},
    {"name": "codec", "description": "Remote payload codec for the Temporal Web UI (staff only, audited)."},
    {"name": "health", "description": "Reachability of the database and Temporal."},
    {
        "name": "audit",
        "description": "Auditor only: timelines, history export, replay, past state, log chain, what-if.",
    },
    {
        "name": "insights",
        "description": "Supervisors and auditors: attribution figures, early-warning flags, "
        "merchant standing (CSV with format=csv).",
    },
]


class RequestIdMiddleware:
    """Every request gets an id (the caller's X-Request-ID if sane), echoed back and put in error bodies."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if 8 <= len(incoming) <= 64 and incoming.replace("-", "").isalnum() else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        await self.app(scope, receive, send_with_id)


def ui_origins(settings: Settings) -> list[str]:
    return [f"http://localhost:{settings.temporal_ui_port}", f"http://127.0.0.1:{settings.temporal_ui_port}"]


def create_app(
    settings: Settings | None = None,
    *,
    client: Client | None = None,
    engine: Engine | None = None,
    tracer_provider: TracerProvider | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    require_production_secrets(settings, "API")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned_engine = engine is None
        app.state.engine = engine if engine is not None else engine_from_settings(settings)
        if owned_engine:
            # A database that cannot be migrated is fatal: better no API than one on the wrong schema.
            upgrade_database(settings.db_url)
            if settings.dev_mode:
                seed_demo(app.state.engine, now=datetime.now(UTC))
        stop_operations = start_api_operations(app, settings, own_process=owned_engine)
        app.state.temporal = TemporalLink(
            lambda: connect(settings, tracer_provider=app.state.tracer_provider), client=client
        )
        if client is None:
            await app.state.temporal.try_connect()  # down now is fine: endpoints reconnect lazily
        try:
            yield
        finally:
            stop_operations()
            if owned_engine:
                app.state.engine.dispose()

    app = FastAPI(
        title="Complaint Desk API",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        dependencies=[Depends(reject_control_characters)],
    )
    app.state.settings = settings
    app.state.login_guard = LoginGuard.from_settings(settings)
    key = settings.payload_key.get_secret_value() if settings.payload_key else None
    app.state.codec = EncryptionCodec.from_b64(key) if key else None
    install_error_handlers(app)
    for module in (
        auth,
        complaints,
        actions,
        queues,
        users,
        policy,
        codec,
        health,
        audit_routes,
        events,
        insights,
        fast_lane,
        interviews,
    ):
        app.include_router(module.router)
    mount_console(app)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=ui_origins(settings),
        allow_credentials=True,
        allow_methods=["GET", "POST", "PUT", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "X-Namespace", "X-Workflow-Id", "Idempotency-Key"],
    )
    app.add_middleware(
        BodyLimitMiddleware,
        max_body_bytes=settings.api_max_body_bytes,
        larger={"/codec/": settings.api_codec_max_body_bytes},
    )
    app.add_middleware(RequestIdMiddleware)
    instrument_api_app(app, settings, tracer_provider)  # metrics, traces, log context (observability/)
    return app


app = create_app()
