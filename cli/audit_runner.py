"""How an audit command runs: the auditor check, a Temporal client and a database engine, the SDK's log
lines kept off stdout, and the record a personal-data export leaves. The commands are in cli/audit.py and
cli/audit_review.py."""

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TextIO, TypeVar

import typer

from cli.console import fail
from core.settings import Settings

T = TypeVar("T")
CONNECT_TIMEOUT_SECONDS = 10


def _require_auditor(settings: Settings, token: str | None) -> str:
    """The auditor's user id; any other outcome ends the command with the API's 401/403 wording."""
    import jwt
    from sqlmodel import Session

    from api.security import decode_access_token
    from core.db import engine_from_settings
    from models.tables import User

    if not token:
        raise fail("unauthorized: an auditor's bearer token is required (--token or COMPLAINTS_TOKEN)")
    try:
        user_id = decode_access_token(settings, token)
    except jwt.InvalidTokenError as err:
        raise fail(f"unauthorized: {err}") from None
    engine = engine_from_settings(settings)
    try:
        with Session(engine) as session:
            user = session.get(User, user_id)
    finally:
        engine.dispose()
    if user is None or not user.active:
        raise fail("unauthorized: unknown or deactivated user")
    if user.role != "auditor":
        raise fail(f"forbidden: role '{user.role}' may not use audit commands (allowed: auditor)")
    return user.id


_sdk_quiet = False


class _StderrNow(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time of the log line (a test runner swaps it)."""

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def sdk_logs_to_stderr() -> None:
    """The SDK core writes its WARN lines to stdout by default, which corrupts JSON results (and does so
    exactly when a replay diverges). Forward them to Python logging, which writes to stderr."""
    global _sdk_quiet
    if _sdk_quiet:
        return
    from temporalio.runtime import LogForwardingConfig, LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter

    logger = logging.getLogger("temporalio.core")
    if not logger.handlers:
        handler = _StderrNow()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    runtime = Runtime(
        telemetry=TelemetryConfig(
            logging=LoggingConfig(
                filter=TelemetryFilter(core_level="WARN", other_level="ERROR"),
                forwarding=LogForwardingConfig(logger=logger),
            )
        )
    )
    Runtime.set_default(runtime, error_if_already_set=False)
    _sdk_quiet = True


async def _connect(settings: Settings, *, required: bool = True) -> Any:
    """A Temporal client; an unreachable or wrong address ends the command with one line saying so."""
    from core.temporal import connect

    try:
        return await asyncio.wait_for(connect(settings), timeout=CONNECT_TIMEOUT_SECONDS)
    except Exception as err:
        first = (str(err).strip().splitlines() or [type(err).__name__])[0][:200]
        if not required:
            typer.echo(
                f"note: Temporal at {settings.temporal_address} unreachable ({first}); anchors kept there "
                "are not checked",
                err=True,
            )
            return None
        raise fail(
            f"cannot reach Temporal at {settings.temporal_address} (namespace "
            f"{settings.temporal_namespace}): {first or 'timed out'}"
        ) from None


def _run(ctx: typer.Context, work: Callable[[Any, Any], Awaitable[T]], *, temporal: bool | None = True) -> T:
    """Run `work(client, engine)` with a Temporal client and a database engine.

    `temporal`: True needs Temporal, None uses it when reachable (client None otherwise), False never connects.
    """
    from audit.history import CaseNotFound
    from audit.service import LegacyCase
    from audit.state_at import StateUnavailable
    from core.db import engine_from_settings
    from policy.loader import PolicyError

    settings: Settings = ctx.obj["settings"]
    ctx.obj["auditor"] = _require_auditor(settings, ctx.obj["token"])
    sdk_logs_to_stderr()

    async def main() -> T:
        client = await _connect(settings, required=bool(temporal)) if temporal is not False else None
        engine = engine_from_settings(settings)
        try:
            return await work(client, engine)
        finally:
            engine.dispose()

    try:
        return asyncio.run(main())
    except (CaseNotFound, LegacyCase, StateUnavailable, PolicyError, ValueError) as err:
        raise fail(str(err)) from None


def _record_history_read(ctx: typer.Context, complaint_id: str, *, decoded: bool, encrypted: bool) -> None:
    """Decoded (or never encrypted) payloads carry personal data: the export is audited like the API does."""
    import uuid
    from datetime import UTC

    from audit.chain import append_record
    from core.db import engine_from_settings, session_scope

    engine = engine_from_settings(ctx.obj["settings"])
    try:
        with session_scope(engine) as session:
            append_record(
                session,
                event_key=f"history-cli:{uuid.uuid4().hex}",
                complaint_id=complaint_id,
                at=datetime.now(UTC),
                actor_kind="auditor",
                actor_id=ctx.obj["auditor"],
                action="history_decoded" if decoded else "history_exported",
                details={"decoded": decoded, "encrypted": encrypted, "cases": [complaint_id], "via": "cli"},
            )
    finally:
        engine.dispose()
