"""Lists over the read model: filters, whitelisted sorting, limit/offset with a total.

Only the `complaint` table is read (never Temporal), using its indexes: stage+severity, merchant+created,
open+created (the default list, so its page 20 reads 1,050 index entries instead of sorting every open case),
assignee, sla_due_at, created_at, escalation_level. Each role is scoped before any filter applies.
"""

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import and_, func, not_, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from api.deps import Principal
from api.errors import forbidden
from api.views import ComplaintPage, summary_for
from models import limits
from models.enums import ComplaintType, Role, Severity, Stage
from models.tables import Complaint

SORTABLE = ("created_at", "updated_at", "sla_due_at", "severity", "priority", "escalation_level", "stage", "id")
SortKey = Literal[tuple(s for name in SORTABLE for s in (name, f"-{name}"))]  # type: ignore[valid-type]

MAX_LIMIT = 200


class Page(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=1_000_000)


class ComplaintFilters(Page):
    """Query parameters of GET /complaints. Repeat a list parameter to match any: ?stage=intake&stage=evidence."""

    stage: list[Stage] = Field(default_factory=list)
    severity: list[Severity] = Field(default_factory=list)
    type: list[ComplaintType] = Field(default_factory=list)
    merchant_id: str | None = Field(None, max_length=limits.ID_CHARS)
    consumer_id: str | None = Field(None, max_length=limits.ID_CHARS)
    assignee: str | None = Field(None, max_length=limits.ID_CHARS, description="a user id; `me` for yourself")
    is_open: bool | None = None
    overdue: bool | None = Field(None, description="open, and past its SLA due time or holding a breached clock")
    escalated: bool | None = Field(None, description="escalation level above zero")
    created_from: AwareDatetime | None = Field(None, description="inclusive, with a time zone")
    created_to: AwareDatetime | None = Field(None, description="exclusive, with a time zone")
    sort: SortKey = Field("-created_at", description="a column, `-` prefix for descending")  # type: ignore[valid-type]


def scope(principal: Principal) -> list[ColumnElement[bool]]:
    """The rows a role may see at all: consumers their own, merchants their shop's, staff everything."""
    if principal.role == Role.CONSUMER:
        return [col(Complaint.consumer_id) == principal.consumer_id]
    if principal.role == Role.MERCHANT:
        return [col(Complaint.merchant_id) == principal.merchant_id]
    if principal.role in (Role.AGENT, Role.SUPERVISOR, Role.AUDITOR):
        return []
    raise forbidden(f"role '{principal.role.value}' may not read complaints")


def overdue_clause(now: datetime) -> ColumnElement[bool]:
    """Open and either past the running due time, or holding a clock that breached (re-armed or run out)."""
    running_late = and_(
        col(Complaint.sla_due_at).is_not(None), col(Complaint.sla_due_at) < now, not_(col(Complaint.sla_paused))
    )
    return and_(col(Complaint.is_open), or_(running_late, col(Complaint.sla_breached)))


def at_risk_clause(now: datetime, within: timedelta) -> ColumnElement[bool]:
    return and_(
        col(Complaint.is_open),
        not_(col(Complaint.sla_paused)),
        col(Complaint.sla_due_at) >= now,
        col(Complaint.sla_due_at) < now + within,
    )


def escalated_clause(supervisor_queue: str) -> ColumnElement[bool]:
    return and_(
        col(Complaint.is_open),
        or_(
            col(Complaint.escalation_level) > 0,
            col(Complaint.assignee) == supervisor_queue,
            col(Complaint.stage) == Stage.REOPENED.value,
        ),
    )


def filter_clauses(f: ComplaintFilters, principal: Principal, now: datetime) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if f.stage:
        where.append(col(Complaint.stage).in_([s.value for s in f.stage]))
    if f.severity:
        where.append(col(Complaint.severity).in_([s.value for s in f.severity]))
    if f.type:
        where.append(col(Complaint.type).in_([t.value for t in f.type]))
    if f.merchant_id is not None:
        where.append(col(Complaint.merchant_id) == f.merchant_id)
    if f.consumer_id is not None:
        where.append(col(Complaint.consumer_id) == f.consumer_id)
    if f.assignee is not None:
        where.append(col(Complaint.assignee) == (principal.id if f.assignee == "me" else f.assignee))
    if f.is_open is not None:
        where.append(col(Complaint.is_open) == f.is_open)
    if f.overdue is not None:
        where.append(overdue_clause(now) if f.overdue else not_(overdue_clause(now)))
    if f.escalated is not None:
        level = col(Complaint.escalation_level)
        where.append(level > 0 if f.escalated else level == 0)
    if f.created_from is not None:
        where.append(col(Complaint.created_at) >= f.created_from)
    if f.created_to is not None:
        where.append(col(Complaint.created_at) < f.created_to)
    return where


def order_by(sort: str) -> list[ColumnElement[Any]]:
    name = sort.lstrip("-")
    column = col(getattr(Complaint, name))
    ordered = column.desc() if sort.startswith("-") else column.asc()
    # NULLS LAST on both databases (their defaults differ), spelled out only where a column can be null: on
    # a NOT NULL column it would stop PostgreSQL from reading an index in order (the default list's deep
    # pages walk `ix_complaint_open_created` instead of sorting every open case). id breaks ties, so
    # pages never overlap.
    if Complaint.__table__.c[name].nullable:  # type: ignore[attr-defined]
        ordered = ordered.nulls_last()
    return [ordered, col(Complaint.id).asc()]


def page(
    session: Session, principal: Principal, where: list[ColumnElement[bool]], sort: str, limit: int, offset: int
) -> ComplaintPage:
    clauses = scope(principal) + where
    total = session.exec(select(func.count()).select_from(Complaint).where(*clauses)).one()
    rows = session.exec(select(Complaint).where(*clauses).order_by(*order_by(sort)).limit(limit).offset(offset)).all()
    return ComplaintPage(items=[summary_for(r, principal.role) for r in rows], total=total, limit=limit, offset=offset)


def utcnow() -> datetime:
    return datetime.now(UTC)
