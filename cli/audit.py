"""`complaints audit ...`: the auditor's commands, the same operations as the API's /audit endpoints.

Auditors only, as in the API: every command needs an auditor's bearer token (`--token` or the
COMPLAINTS_TOKEN variable; `complaints token <auditor>` prints one), except `verify-bundle`, which checks
a file offline. Results go to stdout (JSON or CSV); progress, verdicts in words and the Temporal SDK's own
log lines go to stderr, so stdout stays parseable. Exit code 1 means "not clean": a diverged replay, a
broken chain, an inconsistent timeline, a bundle that does not verify.

This module holds the commands; how one runs (the auditor check, Temporal and the database, the SDK's log
lines) is cli/audit_runner.py.
"""

import asyncio
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.audit_runner import _record_history_read, _run
from cli.audit_runner import sdk_logs_to_stderr as sdk_logs_to_stderr  # re-exported: was defined here
from cli.console import fail
from core.settings import Settings

audit_app = typer.Typer(
    help="Auditor tools: timeline, history, replay, past state, log chain and anchors, records, "
    "offline bundles, what-if.",
    no_args_is_help=True,
)

TokenOption = Annotated[
    str | None, typer.Option("--token", envvar="COMPLAINTS_TOKEN", show_envvar=True, help="an auditor's bearer token")
]


@audit_app.callback()
def _auditors_only(ctx: typer.Context, token: TokenOption = None) -> None:
    # Checked when a command runs (in _run), so `--help` works without a token.
    ctx.obj = {"settings": Settings(), "token": token}


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
