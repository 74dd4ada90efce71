"""`complaints audit anchor|records|export|verify-bundle`: the chain's anchors, every audit record, and
offline review bundles. Registered on the same `audit_app` as the other auditor commands (cli/audit.py), run
the same way (cli/audit_runner.py)."""

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer

from cli.audit import _aware, _json, _say_verdict, audit_app
from cli.audit_runner import _record_history_read, _run, sdk_logs_to_stderr
from cli.console import fail
from core.settings import Settings


@audit_app.command()
def anchor(
    ctx: typer.Context,
    out: Annotated[Path | None, typer.Option("--out", help="append the head to this anchor file")] = None,
    temporal: Annotated[bool, typer.Option(help="also checkpoint in the anchor workflow now")] = False,
) -> None:
    """Anchor the chain's head outside the database: an anchor file (keep it elsewhere) and/or Temporal."""
    from sqlmodel import Session

    from audit.anchors import anchor_now, read_head, write_anchor_file

    if out is None and not temporal:
        raise fail("give --out FILE, --temporal, or both")

    async def work(client, engine):
        with Session(engine) as session:
            head = read_head(session)
        result = {"head": head.model_dump(mode="json")}
        if out is not None:
            result["file"] = write_anchor_file(out, head).model_dump(mode="json")
        if temporal:
            result["temporal"] = (await anchor_now(client)).model_dump(mode="json")
        return result

    typer.echo(_json(_run(ctx, work, temporal=bool(temporal))))


@audit_app.command()
def records(
    ctx: typer.Context,
    action: Annotated[list[str] | None, typer.Option(help="only these actions (repeatable)")] = None,
    actor: Annotated[str | None, typer.Option(help="only this actor id")] = None,
    role: Annotated[str | None, typer.Option(help="only actors of this kind (admin, auditor, ...)")] = None,
    case: Annotated[str | None, typer.Option(help="only this complaint id")] = None,
    since: Annotated[str | None, typer.Option(help="at or after (ISO 8601 with a zone)")] = None,
    until: Annotated[str | None, typer.Option(help="before (ISO 8601 with a zone)")] = None,
    limit: Annotated[int, typer.Option(help="at most this many (newest first)")] = 100,
) -> None:
    """Every audit record, case or not: policy changes, decodes, user changes, personal-data reads, refusals."""
    from sqlmodel import Session

    from audit.log_query import RecordFilters, list_records

    filters = RecordFilters(
        action=action or [],
        actor_id=actor,
        actor_kind=role,
        complaint_id=case,
        since=_aware(since, "--since") if since else None,
        until=_aware(until, "--until") if until else None,
        limit=limit,
    )

    async def work(client, engine):
        with Session(engine) as session:
            return list_records(session, filters)

    page = _run(ctx, work, temporal=False)
    typer.echo(_json(page))
    typer.echo(f"{len(page.items)} of {page.total} records", err=True)


@audit_app.command()
def export(
    ctx: typer.Context,
    complaint_id: str,
    bundle: Annotated[Path, typer.Option("--bundle", help="write the offline review bundle here")],
) -> None:
    """Write a case's offline review bundle: history, audit rows, chain proof to an anchor, policy."""
    from audit import service

    async def work(client, engine):
        return await service.bundle(client, engine, complaint_id), client.data_converter.payload_codec is not None

    body, encrypted = _run(ctx, work)
    bundle.write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")
    _record_history_read(ctx, complaint_id, decoded=False, encrypted=encrypted)
    proof = body["chain_proof"]
    closing = proof["anchor"]
    typer.echo(
        json.dumps(
            {
                "bundle": str(bundle),
                "complaint_id": complaint_id,
                "audit_rows": len(body["audit_rows"]),
                "proof_rows": len(proof["rows"]),
                "anchor": closing,
            },
            indent=2,
        )
    )
    if closing is None:
        typer.echo("note: no anchor covers the case's newest row yet; the proof ends at the chain head", err=True)


@audit_app.command("verify-bundle")
def verify_bundle(file: Path) -> None:
    """Check a bundle offline: the chain proof (HMACs with AUDIT_CHAIN_KEY), the policy, and replay the decisions.

    Needs no server and no token: only the file (and the payload key if its payloads are encrypted)."""
    from audit.bundle import verify_bundle as check
    from audit.chain import ChainKeyMissing, chain_key
    from core.temporal import converter_from_settings

    sdk_logs_to_stderr()
    settings = Settings()
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise fail(f"{file}: cannot read the bundle: {err}") from None
    try:
        key = chain_key() if (settings.audit_chain_key or settings.dev_mode) else None
    except ChainKeyMissing:
        key = None
    try:
        verdict = asyncio.run(check(data, converter_from_settings(settings), key))
    except (ValueError, KeyError) as err:
        raise fail(f"{file}: not a valid bundle: {err}") from None
    typer.echo(_json(verdict))
    for finding in verdict.findings:
        typer.echo(f"- {finding}", err=True)
    _say_verdict(verdict.replay)
    if not verdict.ok:
        typer.secho(f"{verdict.complaint_id}: bundle does NOT verify", err=True, fg=typer.colors.RED)
        raise typer.Exit(1)
    typer.secho(
        f"{verdict.complaint_id}: bundle verifies ({verdict.proof_rows} chain rows, "
        f"{verdict.anchored_by or 'not anchored'})",
        err=True,
        fg=typer.colors.GREEN,
    )
