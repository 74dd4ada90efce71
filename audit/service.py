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
from audit.chain import ChainVerdict, verify_chain
from audit.history import (CaseNotFound, completed_activity_event_ids, decode_history, export_raw, fetch_history,
                           scheduled_records)
from audit.replay import BulkReplaySummary, ReplayVerdict, replay_many, replay_verdict
from audit.state_at import StateAt, state_at_event, state_at_time
from audit.timeline import Timeline, build_timeline
from audit.whatif import WhatIfReport, what_if
from models.policy import Policy
from models.tables import AuditLog, Complaint

FETCH_CONCURRENCY = 8


async def timeline(client: Client, engine: Engine, complaint_id: str) -> Timeline:
    try:
        history = await fetch_history(client, complaint_id)
    except CaseNotFound:
        history = None  # past retention: the audit log alone still tells the story
    scheduled = await scheduled_records(history, client.data_converter) if history else None
    completed = completed_activity_event_ids(history) if history else None

    def build() -> Timeline:
        with Session(engine) as session:
            if history is None and session.execute(
                    select(AuditLog.id).where(AuditLog.complaint_id == complaint_id).limit(1)).first() is None:
                raise CaseNotFound(f"no case {complaint_id!r}")
            return build_timeline(session, complaint_id, scheduled, completed)

    return await asyncio.to_thread(build)


async def history_export(client: Client, complaint_id: str, *, decoded: bool) -> str | dict:
    history = await fetch_history(client, complaint_id)
    if decoded:
        return await decode_history(history, client.data_converter)
    return export_raw(history)


async def replay_case(client: Client, complaint_id: str) -> ReplayVerdict:
    return await replay_verdict(await fetch_history(client, complaint_id), client.data_converter)


async def state_at(client: Client, complaint_id: str, *, event_id: int | None = None,
                   at: datetime | None = None) -> StateAt:
    if (event_id is None) == (at is None):
        raise ValueError("give exactly one of event_id or at")
    history = await fetch_history(client, complaint_id)
    if event_id is not None:
        return await state_at_event(history, event_id, client.data_converter)
    return await state_at_time(history, at, client.data_converter)


async def chain_anchors(client: Client | None, anchor_files: list[Path] = ()) -> tuple[list[AnchorCheckpoint],
                                                                                    list[str]]:
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
        stmt = (select(Complaint.id).where(Complaint.is_open.is_(False), Complaint.closed_at >= closed_from,
                                           Complaint.closed_at < closed_to)
                .order_by(Complaint.closed_at, Complaint.id))
        if limit is not None:
            stmt = stmt.limit(limit)
        return list(session.execute(stmt).scalars())


async def iter_histories(client: Client, complaint_ids: list[str],
                         concurrency: int = FETCH_CONCURRENCY) -> AsyncIterator[WorkflowHistory | tuple[str, str]]:
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


async def replay_closed(client: Client, engine: Engine, closed_from: datetime, closed_to: datetime, *,
                        limit: int | None = None, on_total: Callable[[int], None] | None = None,
                        on_result: Callable[[ReplayVerdict | None], None] | None = None) -> BulkReplaySummary:
    ids = await asyncio.to_thread(closed_case_ids, engine, closed_from, closed_to, limit)
    if on_total:
        on_total(len(ids))
    return await replay_many(iter_histories(client, ids), client.data_converter, on_result=on_result)


async def what_if_cases(client: Client, complaint_ids: list[str], proposed: Policy,
                        on_case: Callable | None = None) -> WhatIfReport:
    histories = []
    async for item in iter_histories(client, complaint_ids):
        if isinstance(item, tuple):
            raise CaseNotFound(item[1])
        histories.append(item)
    return await what_if(histories, proposed, client.data_converter, on_case=on_case)
