"""Every audit record, case or not, filtered by action, actor and time: what happens outside a case too.

Policy changes, decoded payloads, user changes, staff reads of personal data, history exports and refused
attempts are rows the API writes itself; case transitions are rows the workflow writes. One listing
serves both, newest first, with the case ids each record touched.
"""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlmodel import Session

from models.tables import AuditLog

MAX_LIMIT = 500
CASE_ID_KEYS = ("complaint_ids", "cases", "workflow_ids")


class RecordFilters(BaseModel):
    action: list[str] = Field(default_factory=list, description="any of these actions, e.g. policy_changed")
    actor_id: str | None = None
    actor_kind: str | None = Field(None, description="role of the actor: admin, auditor, agent, system, ...")
    complaint_id: str | None = None
    since: datetime | None = Field(None, description="at or after (ISO 8601 with a zone)")
    until: datetime | None = Field(None, description="before")
    limit: int = Field(100, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0)


class AuditRecordOut(BaseModel):
    id: int
    at: datetime
    actor_kind: str
    actor_id: str
    action: str
    reason: str
    complaint_id: str | None
    cases: list[str] = Field(description="every case the record concerns (its own, or the decoded ones)")
    details: dict[str, Any] = Field(description="the record's details (a case snapshot is left out: see timeline)")
    hash: str


class RecordPage(BaseModel):
    items: list[AuditRecordOut]
    total: int
    limit: int
    offset: int


def _cases(row: AuditLog) -> list[str]:
    found = [row.complaint_id] if row.complaint_id else []
    for key in CASE_ID_KEYS:
        value = (row.details or {}).get(key)
        if isinstance(value, list):
            found += [str(v) for v in value]
    return list(dict.fromkeys(found))


def _out(row: AuditLog) -> AuditRecordOut:
    details = {k: v for k, v in (row.details or {}).items() if k != "snapshot"}
    if row.action == "policy_archived":
        details.pop("policy", None)  # the whole policy: fetch it by version
    return AuditRecordOut(
        id=row.id,
        at=row.at,
        actor_kind=row.actor_kind,
        actor_id=row.actor_id,
        action=row.action,
        reason=row.reason,
        complaint_id=row.complaint_id,
        cases=_cases(row),
        details=details,
        hash=row.hash,
    )


def list_records(session: Session, f: RecordFilters) -> RecordPage:
    clauses = []
    if f.action:
        clauses.append(AuditLog.action.in_(f.action))
    if f.actor_id:
        clauses.append(AuditLog.actor_id == f.actor_id)
    if f.actor_kind:
        clauses.append(AuditLog.actor_kind == f.actor_kind)
    if f.complaint_id:
        clauses.append(AuditLog.complaint_id == f.complaint_id)
    if f.since:
        clauses.append(AuditLog.at >= f.since)
    if f.until:
        clauses.append(AuditLog.at < f.until)
    total = session.execute(select(func.count()).select_from(AuditLog).where(*clauses)).scalar_one()
    rows = session.execute(
        select(AuditLog).where(*clauses).order_by(AuditLog.id.desc()).limit(f.limit).offset(f.offset)
    ).scalars()
    return RecordPage(items=[_out(r) for r in rows], total=total, limit=f.limit, offset=f.offset)
