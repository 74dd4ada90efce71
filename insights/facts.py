"""Per-case facts: one `insight_case` row folded from the read model, the ledger, breaches, surveys and audit.

`fold` is the one definition of every figure; `refresh_case` runs it for one complaint inside the
read-model writer's transaction, `rebuild` for every complaint in bulk. Either way the same inputs
give the same row, so the facts can always be recomputed from their sources and compared.
"""

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, bindparam, delete, func, insert, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from core.db import session_scope
from models.enums import LedgerKind, Stage
from models.insight_tables import InsightCase
from models.tables import AuditLog, Complaint, LedgerEntry, OrderLine, SlaBreach, Survey

# The four clocks the service levels promise (domain: first response, plan, solution, dispute limit).
SLA_CLOCKS = ("first_contact", "plan", "solution", "dispute_limit")

# Ledger kind -> fact column. Deposit freezes and releases move no money to anyone: not counted.
MONEY_COLUMNS = {
    LedgerKind.MERCHANT_REFUND.value: "refund_minor",
    LedgerKind.PLATFORM_ADVANCE.value: "advance_minor",
    LedgerKind.RECOVERY.value: "recovery_minor",
    LedgerKind.PENALTY.value: "penalty_minor",
    LedgerKind.COUPON.value: "coupon_minor",
    LedgerKind.POINTS.value: "points",
}

CHUNK = 2000


@dataclass
class Sources:
    """Everything one case's facts are folded from."""

    complaint: Complaint
    category: str | None = None
    breach_clocks: list[str] = field(default_factory=list)
    surveys: list[Survey] = field(default_factory=list)
    reopened: bool = False
    ledger: list[LedgerEntry] = field(default_factory=list)


def net_money(entries: Sequence[LedgerEntry]) -> dict[str, int]:
    """Money per fact column: each kind's entries minus the reversals of them."""
    kind_of = {e.idempotency_key: e.kind for e in entries}
    totals = dict.fromkeys(MONEY_COLUMNS.values(), 0)
    for e in entries:
        kind, sign = e.kind, 1
        if e.kind == LedgerKind.REVERSAL.value:
            kind, sign = kind_of.get(e.reverses_key or "", ""), -1
        column = MONEY_COLUMNS.get(kind)
        if column:
            totals[column] += sign * e.amount_minor
    return totals


def fold(src: Sources) -> dict[str, Any]:
    c = src.complaint
    closed = c.stage == Stage.CLOSED.value and c.closed_at is not None
    answered = sorted((s for s in src.surveys if s.answered_at is not None), key=lambda s: s.round)
    last = answered[-1] if answered else None
    clocks = set(src.breach_clocks)
    return {
        "complaint_id": c.id,
        "created_at": c.created_at,
        "closed_at": c.closed_at,
        "merchant_id": c.merchant_id,
        "sku": c.sku,
        "category": src.category,
        "type": c.type,
        "dispute_class": c.dispute_class,
        "channel": c.channel,
        "severity": c.severity,
        "stage": c.stage,
        "root_cause": c.root_cause,
        "resolution_seconds": int((c.closed_at - c.created_at).total_seconds()) if closed else None,
        "escalated": c.escalation_level > 0,
        "reopened": src.reopened,
        **{f"breached_{name}": name in clocks for name in SLA_CLOCKS},
        "breaches": len(src.breach_clocks),
        "survey_sent": bool(src.surveys),
        "survey_answered": last is not None,
        "resolved_score": last.resolved_score if last else None,
        "communication_score": last.communication_score if last else None,
        **net_money(src.ledger),
        "source_updated_at": c.updated_at,
    }


@functools.cache
def _case_sources() -> tuple[Any, Any, Any, Any]:
    """The per-case refresh's queries, built once (a statement object remembers its cache key; building
    one anew each time costs SQLAlchemy more than running it): breaches, surveys, reopenings, ledger."""
    of_case = bindparam("complaint_id", type_=String())
    return (
        select(SlaBreach.clock).where(col(SlaBreach.complaint_id) == of_case),
        select(Survey).where(col(Survey.complaint_id) == of_case),
        select(func.count())
        .select_from(AuditLog)
        .where(col(AuditLog.complaint_id) == of_case, col(AuditLog.action) == "reopened"),
        select(LedgerEntry).where(col(LedgerEntry.complaint_id) == of_case),
    )


def refresh_case(session: Session, complaint_id: str) -> None:
    """Recompute one case's facts in the caller's transaction (the read-model writer calls this)."""
    complaint = session.get(Complaint, complaint_id)
    if complaint is None:
        return
    src = Sources(complaint=complaint)
    if complaint.order_line_id:
        line = session.get(OrderLine, complaint.order_line_id)
        src.category = line.category if line else None
    breaches, surveys, reopenings, ledger = _case_sources()
    params = {"complaint_id": complaint_id}
    src.breach_clocks = list(session.execute(breaches, params).scalars())
    src.surveys = list(session.execute(surveys, params).scalars())
    src.reopened = bool(session.execute(reopenings, params).scalar_one())
    src.ledger = list(session.execute(ledger, params).scalars())
    values = fold(src)
    from insights import rollup_moves  # here, not at the top: the rollups build on this module

    row = session.get(InsightCase, complaint_id)
    old = None
    if row is None:
        session.add(InsightCase(**values))
    else:
        before = row.model_dump()
        if all(before.get(k) == v for k, v in values.items() if k != "source_updated_at"):
            row.source_updated_at = values["source_updated_at"]  # nothing counted changed: the rollup stands
            session.add(row)
            return
        old = rollup_moves.contribution(session, complaint_id)  # what the rollups hold of this case, before the change
        for name, value in values.items():
            setattr(row, name, value)
        session.add(row)
    session.flush()
    rollup_moves.move(session, old, rollup_moves.contribution(session, complaint_id))


def _gather(session: Session, complaints: Sequence[Any]) -> list[Sources]:
    ids = [c.id for c in complaints]
    by_id = {c.id: Sources(complaint=c) for c in complaints}
    line_ids = {c.order_line_id for c in complaints if c.order_line_id}
    categories = (
        dict(session.execute(select(OrderLine.id, OrderLine.category).where(OrderLine.id.in_(line_ids))).all())
        if line_ids
        else {}
    )
    for c in complaints:
        by_id[c.id].category = categories.get(c.order_line_id or "")
    for cid, clock in session.execute(
        select(SlaBreach.complaint_id, SlaBreach.clock).where(SlaBreach.complaint_id.in_(ids))
    ):
        by_id[cid].breach_clocks.append(clock)
    for survey in session.execute(select(*Survey.__table__.columns).where(Survey.complaint_id.in_(ids))):
        by_id[survey.complaint_id].surveys.append(survey)  # type: ignore[arg-type]  (a Row has the same names)
    for cid in session.execute(
        select(AuditLog.complaint_id).where(AuditLog.complaint_id.in_(ids), AuditLog.action == "reopened")
    ).scalars():
        by_id[cid].reopened = True
    for entry in session.execute(select(*LedgerEntry.__table__.columns).where(LedgerEntry.complaint_id.in_(ids))):
        by_id[entry.complaint_id].ledger.append(entry)  # type: ignore[arg-type]
    return list(by_id.values())


def rebuild(engine: Engine, complaint_ids: Iterable[str] | None = None) -> int:
    """Recompute the facts of the given complaints (all when None) in chunks; the number of rows written."""
    with Session(engine) as session:
        ids = (
            list(complaint_ids)
            if complaint_ids is not None
            else list(session.execute(select(Complaint.id).order_by(Complaint.id)).scalars())
        )
    written, days = 0, set()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        with session_scope(engine) as session:
            # Plain rows, not ORM objects: the same attribute names at a fraction of the cost.
            complaints = list(session.execute(select(*Complaint.__table__.columns).where(Complaint.id.in_(chunk))))
            rows = [fold(src) for src in _gather(session, complaints)]
            session.execute(delete(InsightCase).where(InsightCase.complaint_id.in_(chunk)))
            if rows:
                session.execute(insert(InsightCase), rows)
            written += len(rows)
            days |= {(r["created_at"], r["category"] or "") for r in rows}
    from insights import cube

    by_day: dict[Any, set[str]] = {}
    for created, category in days:
        by_day.setdefault(created.date(), set()).add(category)
    with session_scope(engine) as session:
        for day, categories in by_day.items():
            cube.refresh_for(session, day, categories)
    return written


def stale_ids(session: Session, limit: int = 10_000) -> list[str]:
    """Complaints whose facts are missing or older than their read-model row (written before 0005, or missed)."""
    stmt = (
        select(Complaint.id)
        .outerjoin(InsightCase, InsightCase.complaint_id == Complaint.id)
        .where((InsightCase.complaint_id.is_(None)) | (InsightCase.source_updated_at < Complaint.updated_at))
        .limit(limit)
    )
    return list(session.execute(stmt).scalars())
