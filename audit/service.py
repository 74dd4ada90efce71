"""The auditor's operations, shared by the API (api/routes/audit.py) and the CLI (cli/audit.py).

Everything here only reads: the Temporal history through the client, the audit log and read model
through the engine. What-if writes, but only into its own throwaway server and database.
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import Client, WorkflowHistory

from audit.anchors import ANCHOR_WORKFLOW_ID, AnchorCheckpoint, read_anchor_file, temporal_anchors
from audit.bundle import export_bundle
from audit.chain_verify import ChainVerdict, verify_chain
from audit.history import (
    CaseNotFound,
    completed_activity_event_ids,
    decode_history,
    export_raw,
    fetch_history,
    scheduled_records,
)
from audit.replay import BulkReplaySummary, ReplayVerdict, replay_many, replay_verdict
from audit.state_at import StateAt, state_at_event, state_at_time
from audit.timeline import Timeline, TimelineEntry, build_timeline, with_totals
from audit.timeline_why import MoneyMove
from audit.whatif import WhatIfReport, recorded_cases, what_if
from audit.whatif_path import proposed_policies
from models.tables import AuditLog, Complaint, LedgerEntry
from seed.history import HISTORY_WORKFLOW_PREFIX

FETCH_CONCURRENCY = 8


class LegacyCase(LookupError):
    """A seeded case from before the running system: read model and ledger only, nothing to replay."""


LEGACY_NOTE = (
    "seeded legacy case: it predates the running system, so it has no Temporal history and no audit "
    "records; what is shown comes from the read model and the ledger"
)


def legacy_row(engine: Engine, complaint_id: str) -> Complaint | None:
    with Session(engine) as session:
        row = session.get(Complaint, complaint_id)
        return row if row is not None and row.workflow_id.startswith(HISTORY_WORKFLOW_PREFIX) else None


async def case_history(client: Client, engine: Engine | None, complaint_id: str) -> WorkflowHistory:
    """The case's history; a seeded legacy case says so instead of looking like a missing case."""
    try:
        return await fetch_history(client, complaint_id)
    except CaseNotFound:
        if engine is not None and await asyncio.to_thread(legacy_row, engine, complaint_id) is not None:
            raise LegacyCase(f"{complaint_id}: {LEGACY_NOTE}") from None
        raise


async def timeline(client: Client, engine: Engine, complaint_id: str) -> Timeline:
    try:
        history = await fetch_history(client, complaint_id)
    except CaseNotFound:
        history = None  # past retention: the audit log alone still tells the story
    scheduled = await scheduled_records(history, client.data_converter) if history else None
    completed = completed_activity_event_ids(history) if history else None

    def build() -> Timeline:
        with Session(engine) as session:
            if (
                history is None
                and session.execute(select(AuditLog.id).where(AuditLog.complaint_id == complaint_id).limit(1)).first()
                is None
            ):
                legacy = session.get(Complaint, complaint_id)
                if legacy is not None and legacy.workflow_id.startswith(HISTORY_WORKFLOW_PREFIX):
                    return legacy_timeline(session, legacy)
                raise CaseNotFound(f"no case {complaint_id!r}")
            return build_timeline(session, complaint_id, scheduled, completed)

    return await asyncio.to_thread(build)


LEDGER_KIND = {
    "merchant_refund": "paid",
    "platform_advance": "paid",
    "recovery": "recovered",
    "coupon": "coupon",
    "points": "points",
    "penalty": "penalty",
    "reversal": "reversal",
}


def legacy_timeline(session: Session, row: Complaint) -> Timeline:
    """What is known of a seeded case: its read-model row and its money from the ledger, marked as legacy."""
    entries = []
    for entry in session.execute(
        select(LedgerEntry).where(LedgerEntry.complaint_id == row.id).order_by(LedgerEntry.created_at, LedgerEntry.id)
    ).scalars():
        kind = LEDGER_KIND.get(entry.kind)
        if kind is None:
            continue
        entries.append(
            TimelineEntry(
                seq=None,
                audit_id=None,
                history_event_id=None,
                source="audit",
                at=entry.created_at,
                actor_kind="system",
                actor_id="ledger",
                action="ledger_entry",
                summary=f"Ledger: {entry.kind} {entry.payer} → {entry.payee}",
                reason="",
                stage_before=None,
                stage_after=None,
                sla=[],
                policy_version=row.policy_version,
                money=MoneyMove(
                    kind=kind,
                    step=entry.kind,
                    amount_minor=entry.amount_minor,
                    parties=f"{entry.payer} → {entry.payee}",
                ),
            )
        )
    return with_totals(
        Timeline(
            complaint_id=row.id,
            entries=entries,
            consistent=True,
            problems=[],
            money_totals_minor={},
            currency="CNY",
            legacy=True,
            note=f"{LEGACY_NOTE} (stage {row.stage}, outcome {row.outcome}, tier {row.tier})",
        )
    )


async def history_export(
    client: Client, complaint_id: str, *, decoded: bool, engine: Engine | None = None
) -> str | dict:
    history = await case_history(client, engine, complaint_id)
    if decoded:
        return await decode_history(history, client.data_converter)
    return export_raw(history)


def case_rows(engine: Engine, complaint_id: str) -> list[dict]:
    """The case's audit rows as plain data (for comparing decisions written by local activities)."""
    with Session(engine) as session:
        return [
            r.model_dump()
            for r in session.execute(
                select(AuditLog).where(AuditLog.complaint_id == complaint_id).order_by(AuditLog.id)
            ).scalars()
        ]


async def replay_case(client: Client, complaint_id: str, engine: Engine | None = None) -> ReplayVerdict:
    history = await case_history(client, engine, complaint_id)
    rows = await asyncio.to_thread(case_rows, engine, complaint_id) if engine is not None else None
    return await replay_verdict(history, client.data_converter, audit_rows=rows)


async def state_at(
    client: Client,
    complaint_id: str,
    *,
    event_id: int | None = None,
    at: datetime | None = None,
    engine: Engine | None = None,
) -> StateAt:
    if (event_id is None) == (at is None):
        raise ValueError("give exactly one of event_id or at")
    history = await case_history(client, engine, complaint_id)
    rows = await asyncio.to_thread(case_rows, engine, complaint_id) if engine is not None else None
    if event_id is not None:
        return await state_at_event(history, event_id, client.data_converter, audit_rows=rows)
    return await state_at_time(history, at, client.data_converter, audit_rows=rows)


async def chain_anchors(
    client: Client | None, anchor_files: list[Path] = ()
) -> tuple[list[AnchorCheckpoint], list[str]]:
    """Every anchor we can reach: the anchor workflow's checkpoints in Temporal and any anchor files."""
    anchors: list[AnchorCheckpoint] = []
    notes: list[str] = []
    for path in anchor_files:
        anchors += read_anchor_file(path)
    if client is None:
        notes.append("anchors kept in Temporal not checked: no Temporal connection")
    else:
        try:
            found = await temporal_anchors(client)
        except Exception as err:  # an unreachable Temporal must not hide what the database shows
            notes.append(f"anchors kept in Temporal not checked: {type(err).__name__}: {str(err)[:200]}")
        else:
            anchors += found
            if not found:
                notes.append(f"the anchor workflow {ANCHOR_WORKFLOW_ID!r} has no checkpoint in Temporal")
    return anchors, notes


async def verify(engine: Engine, client: Client | None = None, anchor_files: list[Path] = ()) -> ChainVerdict:
    anchors, notes = await chain_anchors(client, list(anchor_files))

    def run() -> ChainVerdict:
        with Session(engine) as session:
            return verify_chain(session, anchors=anchors)

    verdict = await asyncio.to_thread(run)
    verdict.findings = notes + verdict.findings
    return verdict


def closed_case_ids(engine: Engine, closed_from: datetime, closed_to: datetime, limit: int | None = None) -> list[str]:
    """Cases closed in [closed_from, closed_to), oldest first, from the read model."""
    with Session(engine) as session:
        stmt = (
            select(Complaint.id)
            .where(Complaint.is_open.is_(False), Complaint.closed_at >= closed_from, Complaint.closed_at < closed_to)
            .order_by(Complaint.closed_at, Complaint.id)
        )
        if limit is not None:
            stmt = stmt.limit(limit)
        return list(session.execute(stmt).scalars())


async def iter_histories(
    client: Client, complaint_ids: list[str], concurrency: int = FETCH_CONCURRENCY
) -> AsyncIterator[WorkflowHistory | tuple[str, str]]:
    """Histories in the given order, fetched a few at a time; a case Temporal no longer has is (id, reason)."""

    async def fetch(cid: str) -> WorkflowHistory | tuple[str, str]:
        try:
            return await fetch_history(client, cid)
        except CaseNotFound as err:
            return cid, str(err)

    pending: list[asyncio.Task] = []
    try:
        for cid in complaint_ids:
            pending.append(asyncio.create_task(fetch(cid)))
            if len(pending) >= concurrency:
                yield await pending.pop(0)
        while pending:
            yield await pending.pop(0)
    finally:
        for task in pending:
            task.cancel()


async def replay_closed(
    client: Client,
    engine: Engine,
    closed_from: datetime,
    closed_to: datetime,
    *,
    limit: int | None = None,
    on_total: Callable[[int], None] | None = None,
    on_result: Callable[[ReplayVerdict | None], None] | None = None,
) -> BulkReplaySummary:
    ids = await asyncio.to_thread(closed_case_ids, engine, closed_from, closed_to, limit)
    if on_total:
        on_total(len(ids))
    return await replay_many(
        iter_histories(client, ids),
        client.data_converter,
        on_result=on_result,
        rows_for=lambda cid: asyncio.to_thread(case_rows, engine, cid),
    )


async def what_if_cases(
    client: Client,
    complaint_ids: list[str],
    proposal: dict,
    *,
    merge: bool = False,
    on_case: Callable | None = None,
    engine: Engine | None = None,
) -> WhatIfReport:
    """`proposal` is policy data: a whole policy, or (with `merge`) sections laid over each case's own policy.

    Raises policy.loader.PolicyError for a proposal that is partial without `merge`, unnamed, or named like
    a case's own policy."""
    histories = []
    for cid in complaint_ids:
        histories.append(await case_history(client, engine, cid))
    cases = await recorded_cases(histories, client.data_converter)
    proposed = proposed_policies(proposal, merge=merge, bases={c.complaint_id: c.input.policy for c in cases})
    return await what_if(cases, proposed, client.data_converter, on_case=on_case)


async def bundle(client: Client, engine: Engine, complaint_id: str) -> dict:
    """The offline review bundle of one case (audit/bundle.py), its proof closed by the anchors in Temporal."""
    history = await case_history(client, engine, complaint_id)
    anchors, _ = await chain_anchors(client)

    def run() -> dict:
        with Session(engine) as session:
            return asyncio.run(export_bundle(history, client.data_converter, session, anchors))

    return await asyncio.to_thread(run)
