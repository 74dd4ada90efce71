"""`complaints audit ...`: the auditor's commands, the same operations as the API's /audit endpoints.

Auditors only, as in the API: every command needs an auditor's bearer token (`--token` or the
COMPLAINTS_TOKEN variable; `complaints token <auditor>` prints one). Results go to stdout (JSON or CSV);
progress and verdicts in words go to stderr. Exit code 1 means "not clean": a diverged replay, a
broken chain, an inconsistent timeline.
"""

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from cli.console import fail
from core.settings import Settings

audit_app = typer.Typer(help="Auditor tools: timeline, history, replay, past state, log chain, what-if.",
                        no_args_is_help=True)

T = TypeVar("T")
TokenOption = Annotated[str | None, typer.Option("--token", envvar="COMPLAINTS_TOKEN", show_envvar=True,
                                                 help="an auditor's bearer token")]


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


def _run(ctx: typer.Context, work: Callable[[Any, Any], Awaitable[T]], *, temporal: bool = True) -> T:
    """Run `work(client, engine)` with a Temporal client (None if not `temporal`) and a database engine."""
    from audit.history import CaseNotFound
    from audit.state_at import StateUnavailable
    from core.db import engine_from_settings
    from core.temporal import connect

    settings: Settings = ctx.obj["settings"]
    ctx.obj["auditor"] = _require_auditor(settings, ctx.obj["token"])

    async def main() -> T:
        client = await connect(settings) if temporal else None
        engine = engine_from_settings(settings)
        try:
            return await work(client, engine)
        finally:
            engine.dispose()

    try:
        return asyncio.run(main())
    except (CaseNotFound, StateUnavailable, ValueError) as err:
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
def timeline(ctx: typer.Context, complaint_id: str,
             format: Annotated[str, typer.Option(help="json or csv")] = "json", out: OutOption = None) -> None:
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
def history(ctx: typer.Context, complaint_id: str,
            decoded: Annotated[bool, typer.Option(help="decrypt and decode payloads (recorded as a read)")] = False,
            out: OutOption = None) -> None:
    """The workflow's Temporal history as JSON: raw as stored, or decoded with the converter and codec."""
    from audit import service

    body = _run(ctx, lambda client, engine: service.history_export(client, complaint_id, decoded=decoded))
    if decoded:
        _record_decoded_read(ctx, complaint_id, len(body["events"]))
    _emit(body if isinstance(body, str) else _json(body), out)


def _record_decoded_read(ctx: typer.Context, complaint_id: str, events: int) -> None:
    """Decoded payloads carry personal data: the export is written to the audit log like the API does."""
    import uuid
    from datetime import UTC

    from audit.chain import append_record
    from core.db import engine_from_settings, session_scope

    engine = engine_from_settings(ctx.obj["settings"])
    try:
        with session_scope(engine) as session:
            append_record(session, event_key=f"history-decoded:{uuid.uuid4().hex}", complaint_id=complaint_id,
                          at=datetime.now(UTC), actor_kind="auditor", actor_id=ctx.obj["auditor"],
                          action="history_decoded", details={"events": events, "via": "cli"})
    finally:
        engine.dispose()


@audit_app.command()
def replay(ctx: typer.Context, complaint_id: str) -> None:
    """Replay one case through the current workflow code."""
    from audit import service

    verdict = _run(ctx, lambda client, engine: service.replay_case(client, complaint_id))
    typer.echo(_json(verdict))
    _say_verdict(verdict)
    if not verdict.replays_cleanly:
        raise typer.Exit(1)


def _say_verdict(verdict) -> None:
    if verdict.replays_cleanly:
        typer.secho(f"{verdict.complaint_id}: replays cleanly ({verdict.events} events)", err=True,
                    fg=typer.colors.GREEN)
    else:
        typer.secho(f"{verdict.complaint_id}: diverges at event {verdict.diverged_at_event} "
                    f"({verdict.diverged_event_type}): {verdict.reason}", err=True, fg=typer.colors.RED)


def _aware(value: str, name: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise fail(f"{name}: not an ISO 8601 time: {value!r}") from None
    if parsed.tzinfo is None:
        raise fail(f"{name}: give a time zone, e.g. {value}Z or {value}+08:00")
    return parsed


@audit_app.command("replay-closed")
def replay_closed(ctx: typer.Context,
                  closed_from: Annotated[str, typer.Option("--from", help="closed at or after (ISO 8601)")],
                  closed_to: Annotated[str, typer.Option("--to", help="closed before (ISO 8601)")],
                  limit: Annotated[int | None, typer.Option(help="at most this many cases")] = None) -> None:
    """Replay every case closed in a date range, with a progress bar; prints the summary as JSON."""
    from audit.replay import replay_many
    from audit.service import closed_case_ids, iter_histories

    start, end = _aware(closed_from, "--from"), _aware(closed_to, "--to")

    async def work(client, engine):
        ids = await asyncio.to_thread(closed_case_ids, engine, start, end, limit)
        with typer.progressbar(length=len(ids), label=f"Replaying {len(ids)} closed cases", file=sys.stderr,
                               show_pos=True) as bar:
            return await replay_many(iter_histories(client, ids), client.data_converter,
                                     on_result=lambda _: bar.update(1))

    summary = _run(ctx, work)
    typer.echo(_json(summary))
    typer.secho(f"replayed {summary.replayed}: {summary.clean} clean, {summary.diverged} diverged, "
                f"{summary.unavailable} unavailable", err=True,
                fg=typer.colors.GREEN if summary.diverged == 0 else typer.colors.RED)
    for verdict in summary.diverged_cases:
        _say_verdict(verdict)
    if summary.diverged:
        raise typer.Exit(1)


@audit_app.command()
def state(ctx: typer.Context, complaint_id: str,
          event: Annotated[int | None, typer.Option(help="state after this history event id")] = None,
          at: Annotated[str | None, typer.Option(help="state at this time (ISO 8601 with a zone)")] = None) -> None:
    """The full case state after event N or at time T (replayed through the workflow's own state query)."""
    from audit import service

    if (event is None) == (at is None):
        raise fail("give exactly one of --event or --at")
    when = _aware(at, "--at") if at else None
    result = _run(ctx, lambda client, engine: service.state_at(client, complaint_id, event_id=event, at=when))
    typer.echo(_json(result))


@audit_app.command("verify-chain")
def verify_chain(ctx: typer.Context) -> None:
    """Check the tamper-evident audit log; report the first broken link."""
    from audit import service

    verdict = _run(ctx, lambda client, engine: service.verify(engine), temporal=False)
    typer.echo(_json(verdict))
    if not verdict.ok:
        typer.secho(f"chain broken at audit row {verdict.first_broken_id}: {verdict.reason}", err=True,
                    fg=typer.colors.RED)
        raise typer.Exit(1)
    typer.secho(f"chain intact: {verdict.checked} records", err=True, fg=typer.colors.GREEN)


@audit_app.command("what-if")
def what_if(ctx: typer.Context, policy_file: Path, complaint_ids: Annotated[list[str], typer.Argument()]) -> None:
    """Re-run past cases under a proposed policy file (simulated; production data untouched)."""
    from audit import service
    from policy.loader import PolicyError, load_policy

    try:
        proposed = load_policy(policy_file)
    except PolicyError as err:
        raise fail(str(err)) from None

    def each(case) -> None:
        changes = ", ".join(f"{k}: {v['from']} -> {v['to']}" for k, v in case.changes.items()) or "no change"
        note = "" if case.faithful else " (control run differs from what happened: see report)"
        typer.echo(f"{case.complaint_id}: {changes}{note}", err=True)

    report = _run(ctx, lambda client, engine: service.what_if_cases(client, complaint_ids, proposed, on_case=each))
    typer.echo(_json(report))
    typer.echo("totals: " + ", ".join(f"{k}={v}" for k, v in report.totals.items()), err=True)
