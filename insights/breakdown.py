"""Figures per group (merchant, SKU, category, type, ..., day): the table behind 'top merchants by rate'."""

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import bindparam, func, select, text
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from insights import cube
from insights.facts import MONEY_COLUMNS
from insights.filters import InsightFilter, case_clauses, days_of
from models.enums import Stage
from models.insight_tables import InsightCase as F
from models.insight_tables import InsightOrderDay as O
from models.types import UTCDateTime

GroupBy = Literal["merchant", "sku", "category", "type", "dispute_class", "channel", "severity", "root_cause", "day"]
SortBy = Literal["complaints", "rate", "refund_minor", "breaches"]
_COLUMNS = {
    "merchant": F.merchant_id,
    "sku": F.sku,
    "category": F.category,
    "type": F.type,
    "dispute_class": F.dispute_class,
    "channel": F.channel,
    "severity": F.severity,
    "root_cause": F.root_cause,
}
# Order-line counts exist per merchant, SKU, category and day; other groups have no denominator.
_ORDER_GRAIN = {"merchant": O.merchant_id, "sku": O.sku, "category": O.category}


class BreakdownRow(BaseModel):
    key: str
    complaints: int
    order_lines: int | None
    per_1000_order_lines: float | None
    closed: int
    escalated: int
    reopened: int
    breaches: int
    mean_resolution_hours: float | None
    mean_satisfaction: float | None
    refund_minor: int
    advance_minor: int
    recovery_minor: int
    penalty_minor: int
    coupon_minor: int
    points: int


def filing_day(session: Session) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", F.created_at))
    return func.date(F.created_at)  # SQLite stores UTC text; date() takes its first ten characters


def breakdown(
    session: Session,
    f: InsightFilter,
    by: GroupBy,
    *,
    sort: SortBy = "complaints",
    limit: int = 50,
    min_complaints: int = 5,
    now: datetime | None = None,
) -> list[BreakdownRow]:
    """Groups ranked by `sort`; ranked by rate, only groups with at least `min_complaints` complaints."""
    where: list[ColumnElement[bool]] = [*case_clauses(f, now, session=session), col(F.stage) != Stage.REJECTED.value]
    key = filing_day(session) if by == "day" else _COLUMNS[by]
    measures = cube.group_measures()
    rolled = cube.window_groups(session, f, by, key, now)
    if rolled is not None:
        groups = rolled
    elif by in ("merchant", "sku") and sort in ("complaints", "rate"):
        # Thousands of groups: rank on a count first (a sort of one column), then compute every figure
        # for the groups that made the list only, through the (merchant_id|sku, created_at) index.
        counted = _counts(session, f, by, where, now)
        if sort == "rate":
            keys = [str(k) for k, n in counted.items() if k is not None and n >= min_complaints]
            lines = _order_lines(session, f, by, now, keys) or {}
            keys = sorted(keys, key=lambda k: (counted[k] / lines[k] if lines.get(k) else -1, k), reverse=True)
        else:
            keys = [
                str(k)
                for k, _ in sorted(
                    ((k, n) for k, n in counted.items() if k is not None),
                    key=lambda kn: (kn[1], str(kn[0])),
                    reverse=True,
                )
            ]
        chosen = keys[:limit]
        plain = [*case_clauses(f, now), col(F.stage) != Stage.REJECTED.value]
        groups = [
            dict(row._mapping)
            for start in range(0, len(chosen), 500)
            for row in session.execute(
                select(key.label("key"), *measures)
                .where(*plain, col(key).in_(chosen[start : start + 500]))
                .group_by(key)
            )
        ]
    else:
        groups = [
            dict(row._mapping)
            for row in session.execute(select(key.label("key"), *measures).where(*where).group_by(key))
        ]
    if sort == "rate":
        # A rate on a handful of complaints is noise: rank only groups with enough of them.
        groups = [g for g in groups if g["complaints"] >= min_complaints]
    else:
        ranked = {
            "complaints": lambda g: g["complaints"],
            "breaches": lambda g: g["breaches"],
            "refund_minor": lambda g: g["refund_minor"] + g["advance_minor"],
        }[sort]
        if by != "day":
            groups = sorted(groups, key=lambda g: (ranked(g), str(g["key"])), reverse=True)[:limit]
    wanted = [str(g["key"]) for g in groups if g["key"] is not None]
    lines = _order_lines(session, f, by, now, wanted)
    rows = []
    for g in groups:
        name = "" if g["key"] is None else str(g["key"])
        n_lines = lines.get(name) if lines is not None else None
        rows.append(
            BreakdownRow(
                key=name or "unknown",
                complaints=int(g["complaints"]),
                order_lines=n_lines,
                per_1000_order_lines=round(1000 * g["complaints"] / n_lines, 3) if n_lines else None,
                closed=int(g["closed"]),
                escalated=int(g["escalated"]),
                reopened=int(g["reopened"]),
                breaches=int(g["breaches"]),
                mean_resolution_hours=(
                    round(g["resolution_sum"] / g["resolution_n"] / 3600, 2) if g["resolution_n"] else None
                ),
                mean_satisfaction=(
                    round(g["satisfaction_sum"] / (2 * g["satisfaction_n"]), 2) if g["satisfaction_n"] else None
                ),
                **{c: int(g[c]) for c in MONEY_COLUMNS.values()},
            )
        )
    order = {
        "complaints": lambda r: (r.complaints, r.key),
        "rate": lambda r: (r.per_1000_order_lines or -1, r.key),
        "refund_minor": lambda r: (r.refund_minor + r.advance_minor, r.key),
        "breaches": lambda r: (r.breaches, r.key),
    }[sort]
    if by == "day":
        return sorted(rows, key=lambda r: r.key)[:limit]
    return sorted(rows, key=order, reverse=True)[:limit]


def _counts(
    session: Session, f: InsightFilter, by: str, where: list[ColumnElement[bool]], now: datetime | None
) -> dict[Any, int]:
    """Complaints per merchant or SKU. With only a window (and a merchant for SKUs) SQLite reads them
    from the (key, created_at, stage) index alone, in key order: no table access, no sort."""
    column = F.merchant_id if by == "merchant" else F.sku
    only_window = not (
        f.category
        or f.type
        or f.dispute_class
        or f.channel
        or f.severity
        or f.sku
        or (f.merchant_id and by == "merchant")
    )
    if not (only_window and session.get_bind().dialect.name == "sqlite"):
        return dict(session.execute(select(column, func.count()).where(*where).group_by(column)).all())
    start, end = f.window(now)
    name = column.key
    sql = (
        f"SELECT {name}, count(*) FROM insight_case INDEXED BY ix_insight_case_{name.split('_')[0]}_created "
        f"WHERE {name} IS NOT NULL AND created_at >= :start AND created_at < :end AND stage != 'rejected'"
        + (" AND merchant_id = :merchant" if f.merchant_id else "")
        + f" GROUP BY {name}"
    )
    stmt = text(sql).bindparams(bindparam("start", type_=UTCDateTime()), bindparam("end", type_=UTCDateTime()))
    params = {"start": start, "end": end, **({"merchant": f.merchant_id} if f.merchant_id else {})}
    return dict(session.execute(stmt, params).all())


def _order_lines(
    session: Session, f: InsightFilter, by: GroupBy, now: datetime | None, keys: list[str]
) -> dict[str, int] | None:
    """Order lines of the wanted groups only (an IN list per chunk, read through the grain's index)."""
    first, last = days_of(*f.window(now))
    base: list[ColumnElement[bool]] = [col(O.day) >= first, col(O.day) <= last]
    if f.merchant_id is not None:
        base.append(col(O.merchant_id) == f.merchant_id)
    if f.sku is not None:
        base.append(col(O.sku) == f.sku)
    if f.category:
        base.append(col(O.category).in_([str(c) for c in f.category]))
    grain = (
        "sku"
        if f.sku is not None or by == "sku"
        else "merchant"
        if f.merchant_id is not None or by == "merchant"
        else "category"
    )
    if by == "day":
        stmt = select(O.day, func.sum(O.lines)).where(col(O.grain) == grain, *base).group_by(O.day)
        return {(d.isoformat() if isinstance(d, date) else str(d)): int(n) for d, n in session.execute(stmt)}
    if by not in _ORDER_GRAIN:
        return None
    column = _ORDER_GRAIN[by]
    out: dict[str, int] = {}
    for start in range(0, len(keys), 500):
        stmt = (
            select(column, func.sum(O.lines))
            .where(col(O.grain) == grain, col(column).in_(keys[start : start + 500]), *base)
            .group_by(column)
        )
        out.update({str(k): int(n) for k, n in session.execute(stmt)})
    return out
