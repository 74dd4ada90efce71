"""Per-case facts: one `insight_case` row folded from the read model, the ledger, breaches, surveys and audit.

`fold` is the one definition of every figure. `refold` runs it for a set of complaints and moves their
rollups: the insights drain (insights/pending.py) folds the cases the read-model writer marked, many at
once; `rebuild` recomputes every complaint in bulk and re-aggregates their days. Either way the same inputs
give the same row, so the facts can always be recomputed from their sources and compared.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert, select, update
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


def _counted(row: Any) -> dict[str, Any] | None:
    """A facts row's figures, without the stamp of the source it was folded from."""
    return None if row is None else {k: v for k, v in dict(row).items() if k != "source_updated_at"}


def refold(session: Session, complaint_ids: Iterable[str]) -> int:
    """Recompute these cases' facts in the caller's transaction, and move what they add to the rollups: the
    old parts out, the new ones in (insights/rollup_moves.py). The insights drain (insights/pending.py) runs
    it per chunk of marked cases. A case whose figures did not change only has its source stamp moved on; a
    case without a read-model row loses its facts. Returns the number of cases whose figures changed."""
    from insights import rollup_moves  # here, not at the top: the rollups build on this module

    ids = sorted(set(complaint_ids))
    if not ids:
        return 0
    old_rows = {
        r.complaint_id: r._mapping
        for r in session.execute(select(*InsightCase.__table__.columns).where(col(InsightCase.complaint_id).in_(ids)))
    }
    complaints = list(session.execute(select(*Complaint.__table__.columns).where(col(Complaint.id).in_(ids))))
    new_rows = {values["complaint_id"]: values for values in map(fold, _gather(session, complaints))}
    changed = [cid for cid in ids if _counted(old_rows.get(cid)) != _counted(new_rows.get(cid))]
    stamped = [
        {"complaint_id": cid, "source_updated_at": new_rows[cid]["source_updated_at"]}
        for cid in ids
        if cid in new_rows
        and cid not in changed
        and old_rows[cid]["source_updated_at"] != new_rows[cid]["source_updated_at"]
    ]
    if stamped:  # nothing counted changed: the rollups stand
        session.execute(update(InsightCase), stamped)
    if not changed:
        return 0
    old = rollup_moves.contributions(session, changed)  # what the rollups hold of these cases, before the change
    session.execute(delete(InsightCase).where(col(InsightCase.complaint_id).in_(changed)))
    rows = [new_rows[cid] for cid in changed if cid in new_rows]
    if rows:
        session.execute(insert(InsightCase), rows)
    rollup_moves.move(session, old, rollup_moves.contributions(session, changed))
    return len(changed)


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
