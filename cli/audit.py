"""`complaints audit ...`: the auditor's commands, the same operations as the API's /audit endpoints.

Auditors only, as in the API: every command needs an auditor's bearer token (`--token` or the
COMPLAINTS_TOKEN variable; `complaints token <auditor>` prints one), except `verify-bundle`, which checks
a file offline. Results go to stdout (JSON or CSV); progress, verdicts in words and the Temporal SDK's own
log lines go to stderr, so stdout stays parseable. Exit code 1 means "not clean": a diverged replay, a
broken chain, an inconsistent timeline, a bundle that does not verify.
"""

import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TextIO, TypeVar

import typer

from cli.console import fail
from core.settings import Settings

audit_app = typer.Typer(
    help="Auditor tools: timeline, history, replay, past state, log chain and anchors, records, "
    "offline bundles, what-if.",
    no_args_is_help=True,
)

T = TypeVar("T")
TokenOption = Annotated[
    str | None, typer.Option("--token", envvar="COMPLAINTS_TOKEN", show_envvar=True, help="an auditor's bearer token")
]


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


@audit_app.callback()
def _auditors_only(ctx: typer.Context, token: TokenOption = None) -> None:
    # Checked when a command runs (in _run), so `--help` works without a token.
    ctx.obj = {"settings": Settings(), "token": token}


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


CONNECT_TIMEOUT_SECONDS = 10


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


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"written to {out}", err=True)


def _json(model: Any) -> str:
    if hasattr(model, "model_dump_json"):
        return model.model_dump_json(indent=2)
    return json.dumps(model, indent=2, ensure_ascii=False)


OutOption = Annotated[Path | None, typer.Option("--out", help="write to this file instead of stdout")]


@audit_app.command()
def timeline(
    ctx: typer.Context,
    complaint_id: str,
    format: Annotated[str, typer.Option(help="json or csv")] = "json",
    out: OutOption = None,
) -> None:
    """Every event of a case in plain words, checked against its Temporal history."""
    from audit import service
    from audit.timeline import to_csv

    if format not in ("json", "csv"):
        raise fail("--format must be json or csv")
    result = _run(ctx, lambda client, engine: service.timeline(client, engine, complaint_id))
    _emit(to_csv(result) if format == "csv" else _json(result), out)
    for problem in result.problems:
        typer.secho(f"inconsistent: {problem}", err=True, fg=typer.colors.RED)
    if not result.consistent:
        raise typer.Exit(1)


@audit_app.command()
def history(
    ctx: typer.Context,
    complaint_id: str,
    decoded: Annotated[bool, typer.Option(help="decrypt and decode payloads (recorded as a read)")] = False,
    out: OutOption = None,
) -> None:
    """The workflow's Temporal history as JSON: raw as stored, or decoded with the converter and codec."""
    from audit import service

    async def work(client, engine):
        body = await service.history_export(client, complaint_id, decoded=decoded, engine=engine)
        return body, client.data_converter.payload_codec is not None

    body, encrypted = _run(ctx, work)
    if decoded or not encrypted:
        _record_history_read(ctx, complaint_id, decoded=decoded, encrypted=encrypted)
    _emit(body if isinstance(body, str) else _json(body), out)


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


@audit_app.command()
def replay(ctx: typer.Context, complaint_id: str) -> None:
    """Replay one case through the current workflow code."""
    from audit import service

    verdict = _run(ctx, lambda client, engine: service.replay_case(client, complaint_id, engine))
    typer.echo(_json(verdict))
    _say_verdict(verdict)
    if not verdict.replays_cleanly:
        raise typer.Exit(1)


def _say_verdict(verdict) -> None:
    if verdict.replays_cleanly:
        typer.secho(
            f"{verdict.complaint_id}: replays cleanly ({verdict.events} events, "
            f"{verdict.decisions_compared} decisions compared)",
            err=True,
            fg=typer.colors.GREEN,
        )
    else:
        typer.secho(
            f"{verdict.complaint_id}: diverges at event {verdict.diverged_at_event} "
            f"({verdict.diverged_event_type}): {verdict.reason}",
            err=True,
            fg=typer.colors.RED,
        )


def _aware(value: str, name: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise fail(f"{name}: not an ISO 8601 time: {value!r}") from None
    if parsed.tzinfo is None:
        raise fail(f"{name}: give a time zone, e.g. {value}Z or {value}+08:00")
    return parsed


@audit_app.command("replay-closed")
def replay_closed(
    ctx: typer.Context,
    closed_from: Annotated[str, typer.Option("--from", help="closed at or after (ISO 8601)")],
    closed_to: Annotated[str, typer.Option("--to", help="closed before (ISO 8601)")],
    limit: Annotated[int | None, typer.Option(help="at most this many cases")] = None,
) -> None:
    """Replay every case closed in a date range, with a progress bar; prints the summary as JSON."""
    from audit.replay import replay_many
    from audit.service import closed_case_ids, iter_histories

    start, end = _aware(closed_from, "--from"), _aware(closed_to, "--to")

    async def work(client, engine):
        ids = await asyncio.to_thread(closed_case_ids, engine, start, end, limit)
        with typer.progressbar(
            length=len(ids), label=f"Replaying {len(ids)} closed cases", file=sys.stderr, show_pos=True
        ) as bar:
            return await replay_many(
                iter_histories(client, ids), client.data_converter, on_result=lambda _: bar.update(1)
            )

    summary = _run(ctx, work)
    typer.echo(_json(summary))
    typer.secho(
        f"replayed {summary.replayed}: {summary.clean} clean, {summary.diverged} diverged, "
        f"{summary.unavailable} unavailable",
        err=True,
        fg=typer.colors.GREEN if summary.diverged == 0 else typer.colors.RED,
    )
    for verdict in summary.diverged_cases:
        _say_verdict(verdict)
    if summary.diverged:
        raise typer.Exit(1)


@audit_app.command()
def state(
    ctx: typer.Context,
    complaint_id: str,
    event: Annotated[int | None, typer.Option(help="state after this history event id")] = None,
    at: Annotated[str | None, typer.Option(help="state at this time (ISO 8601 with a zone)")] = None,
) -> None:
    """The full case state after event N or at time T (replayed through the workflow's own state query)."""
    from audit import service

    if (event is None) == (at is None):
        raise fail("give exactly one of --event or --at")
    when = _aware(at, "--at") if at else None
    result = _run(
        ctx, lambda client, engine: service.state_at(client, complaint_id, event_id=event, at=when, engine=engine)
    )
    typer.echo(_json(result))
    if not result.matches_recorded_decisions:
        typer.secho(f"warning: {result.note}", err=True, fg=typer.colors.RED)


AnchorOption = Annotated[
    list[Path] | None, typer.Option("--anchor", help="an anchor file to check against (repeatable)")
]


@audit_app.command("verify-chain")
def verify_chain(ctx: typer.Context, anchor: AnchorOption = None) -> None:
    """Check the keyed audit log and its anchors (Temporal's when reachable, and --anchor files)."""
    from audit import service

    verdict = _run(ctx, lambda client, engine: service.verify(engine, client, anchor or []), temporal=None)
    typer.echo(_json(verdict))
    for finding in verdict.findings:
        typer.echo(f"- {finding}", err=True)
    if not verdict.ok:
        typer.secho(
            f"chain broken at audit row {verdict.first_broken_id}: {verdict.reason}", err=True, fg=typer.colors.RED
        )
        raise typer.Exit(1)
    typer.secho(
        f"chain intact: {verdict.checked} records, {verdict.anchors_checked} anchors", err=True, fg=typer.colors.GREEN
    )


@audit_app.command("what-if")
def what_if(
    ctx: typer.Context,
    policy_file: Path,
    complaint_ids: Annotated[list[str], typer.Argument()],
    merge: Annotated[
        bool,
        typer.Option(
            help="lay the file's sections over each case's own policy (without it the file must be a whole policy)"
        ),
    ] = False,
) -> None:
    """Re-run past cases under a proposed policy file (simulated; production data untouched)."""
    import yaml

    from audit import service

    try:
        proposal = yaml.safe_load(policy_file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise fail(f"{policy_file}: {err}") from None
    if not isinstance(proposal, dict):
        raise fail(f"{policy_file}: expected a mapping of policy sections")

    def each(case) -> None:
        changes = ", ".join(f"{k}: {v['from']} -> {v['to']}" for k, v in case.changes.items()) or "no change"
        note = "" if case.faithful else " (control run differs from what happened: see report)"
        typer.echo(f"{case.complaint_id}: {changes}{note}", err=True)
        for line in case.path_differences:
            typer.echo(f"  {line}", err=True)

    report = _run(
        ctx,
        lambda client, engine: service.what_if_cases(
            client, complaint_ids, proposal, merge=merge, on_case=each, engine=engine
        ),
    )
    typer.echo(_json(report))
    typer.echo("totals: " + ", ".join(f"{k}={v}" for k, v in report.totals.items()), err=True)


# Imported last: audit_review registers its commands on this module's app (anchor, records, export, verify-bundle).
from cli import audit_review  # noqa: E402, F401
