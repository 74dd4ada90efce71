"""Anchors: copies of the audit chain's head kept outside the application database.

A keyed chain stops a database writer from rewriting rows, but not from deleting the newest ones: the
chain that remains is still a valid chain. So its head (id, hash, row count) is copied elsewhere, often:

- into Temporal, by the anchor workflow (workflows/anchor.py): every checkpoint is an activity result in
  that workflow's history, a store the application database's writers cannot edit;
- into an anchor file (`complaints audit anchor --out FILE`) that the operator keeps elsewhere.

`check_anchors` compares every anchor with the chain as it is now and says, in words, what went missing.
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio import activity
from temporalio.api.enums.v1 import EventType

from models.tables import AuditLog

if TYPE_CHECKING:
    from audit.chain_verify import ChainVerdict

ANCHOR_WORKFLOW_ID = "audit-chain-anchor"
READ_HEAD_ACTIVITY = "read_chain_head"
MAX_RUNS_READ = 50


class ChainHead(BaseModel):
    seq: int | None  # id of the newest row; None while the log is empty
    hash: str | None
    count: int
    at: datetime


class AnchorInput(BaseModel):
    interval_seconds: int = 60
    last: ChainHead | None = None  # carried over continue-as-new: each run starts with the last checkpoint


class AnchorCheckpoint(ChainHead):
    source: str  # where the anchor was kept, e.g. "temporal:audit-chain-anchor event 42" or "file:/x.json"


def read_head(session: Session) -> ChainHead:
    newest = session.execute(select(AuditLog.id, AuditLog.hash).order_by(AuditLog.id.desc()).limit(1)).first()
    count = session.execute(select(func.count()).select_from(AuditLog)).scalar_one()
    return ChainHead(
        seq=newest[0] if newest else None, hash=newest[1] if newest else None, count=count, at=datetime.now(UTC)
    )


class AnchorActivities:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @activity.defn(name=READ_HEAD_ACTIVITY)
    def read_chain_head(self) -> ChainHead:
        """The head as committed now; its result in the anchor workflow's history is the checkpoint."""
        with Session(self._engine) as session:
            return read_head(session)


# ---- checking --------------------------------------------------------------------------------------------


def check_anchors(verdict: "ChainVerdict", heads: dict[int, str], anchors: Sequence[AnchorCheckpoint]) -> None:
    """Add what each anchor proves (or disproves) about the chain `heads` (row id -> hash) to `verdict`."""
    usable = sorted((a for a in anchors if a.seq is not None), key=lambda a: (a.seq, a.at))
    ids = sorted(heads)
    newest = ids[-1] if ids else 0

    def broken(row_id: int | None, reason: str) -> None:
        verdict.findings.append(reason)
        if verdict.ok:
            verdict.ok, verdict.first_broken_id, verdict.reason = False, row_id, reason

    for anchor in usable:
        verdict.anchors_checked += 1
        when = f"anchored {anchor.at.isoformat(timespec='seconds')} ({anchor.source})"
        if anchor.seq not in heads:
            if anchor.seq > newest:
                lost = anchor.count - len(ids)
                broken(
                    anchor.seq,
                    f"newest rows deleted: row {anchor.seq} was the head of {anchor.count} rows, "
                    f"{when}; the log now ends at row {newest or 'none'} with {len(ids)} rows, so "
                    f"at least {max(lost, 1)} row(s) after row {newest} are gone",
                )
            else:
                broken(anchor.seq, f"row {anchor.seq} ({when}) is missing: deleted")
            continue
        if heads[anchor.seq] != anchor.hash:
            broken(
                anchor.seq,
                f"row {anchor.seq} no longer carries the hash {when} ({anchor.hash[:14]}…, now "
                f"{heads[anchor.seq][:14]}…): the chain up to it was rewritten (a full rehash)",
            )
            continue
        kept = sum(1 for i in ids if i <= anchor.seq)
        if kept != anchor.count:
            broken(anchor.seq, f"{anchor.count} rows were {when} up to row {anchor.seq}; {kept} remain")
    if usable:
        last = usable[-1]
        verdict.last_anchor_seq, verdict.last_anchor_at = last.seq, last.at
        verdict.unanchored_rows = sum(1 for i in ids if i > last.seq)
        if verdict.unanchored_rows:
            verdict.findings.append(
                f"{verdict.unanchored_rows} row(s) after row {last.seq} are newer than the last "
                f"anchor ({last.at.isoformat(timespec='seconds')}): deleting them would not be "
                "detected until they are anchored"
            )
    else:
        verdict.findings.append("no anchor checked: deleting the newest rows could not be detected")


# ---- anchor files ----------------------------------------------------------------------------------------


def write_anchor_file(path: Path, head: ChainHead) -> AnchorCheckpoint:
    """Append the head to a JSON-lines anchor file (one checkpoint per line, oldest first)."""
    checkpoint = AnchorCheckpoint(**head.model_dump(include=set(ChainHead.model_fields)), source=f"file:{path}")
    with path.open("a", encoding="utf-8") as handle:
        handle.write(checkpoint.model_dump_json() + "\n")
    return checkpoint


def read_anchor_file(path: Path) -> list[AnchorCheckpoint]:
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                data = json.loads(line)
                out.append(AnchorCheckpoint(**{**data, "source": f"file:{path}:{number}"}))
            except (ValueError, TypeError) as err:
                raise ValueError(f"{path}:{number}: not an anchor checkpoint ({err})") from None
    return out


# ---- anchors kept in Temporal ----------------------------------------------------------------------------


async def _decode(payloads: Any, converter: Any, kind: type) -> Any:
    return (await converter.decode(list(payloads.payloads), [kind]))[0]


async def temporal_anchors(client: Any, workflow_id: str = ANCHOR_WORKFLOW_ID) -> list[AnchorCheckpoint]:
    """Every checkpoint in the anchor workflow's history, walking back through its continued-as-new runs."""
    from temporalio.service import RPCError, RPCStatusCode

    out: list[AnchorCheckpoint] = []
    run_id: str | None = None
    for _ in range(MAX_RUNS_READ):
        try:
            history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                break
            raise
        scheduled: dict[int, str] = {}
        for ev in history.events:
            source = f"temporal:{workflow_id} event {ev.event_id}"
            if ev.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
                attrs = ev.workflow_execution_started_event_attributes
                start = await _decode(attrs.input, client.data_converter, AnchorInput)
                if start.last is not None:
                    out.append(AnchorCheckpoint(**start.last.model_dump(), source=source))
                run_id = attrs.continued_execution_run_id or None
            elif ev.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                scheduled[ev.event_id] = ev.activity_task_scheduled_event_attributes.activity_type.name
            elif ev.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
                attrs = ev.activity_task_completed_event_attributes
                if scheduled.get(attrs.scheduled_event_id) == READ_HEAD_ACTIVITY:
                    head = await _decode(attrs.result, client.data_converter, ChainHead)
                    out.append(AnchorCheckpoint(**head.model_dump(), source=source))
        if not run_id:
            break
    return out


async def ensure_anchor_workflow(client: Any, task_queue: str, interval_seconds: int) -> None:
    """Start the anchor workflow unless it runs already (every worker calls this; one instance results)."""
    from temporalio.common import WorkflowIDConflictPolicy
    from temporalio.exceptions import WorkflowAlreadyStartedError

    from workflows.anchor import AuditAnchorWorkflow

    try:
        await client.start_workflow(
            AuditAnchorWorkflow.run,
            AnchorInput(interval_seconds=interval_seconds),
            id=ANCHOR_WORKFLOW_ID,
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
    except WorkflowAlreadyStartedError:
        pass


async def anchor_now(client: Any) -> ChainHead:
    """Ask the anchor workflow for a checkpoint now (it lands in its history before this returns)."""
    from workflows.anchor import AuditAnchorWorkflow

    return await client.get_workflow_handle(ANCHOR_WORKFLOW_ID).execute_update(AuditAnchorWorkflow.anchor_now)


def interval(settings: Any) -> timedelta:
    return timedelta(seconds=settings.audit_anchor_interval_seconds)
