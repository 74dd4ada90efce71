"""The daily rollup: one totals row per UTC filing day and category, kept up to date with the facts.

A summary without a merchant, SKU, type, dispute-class, channel or severity filter (the questions over
every shop, the expensive ones) adds the rollup rows of the window's whole days and the facts of its
partial first and last day. Any other filter reads the facts. Both give the same totals: the rollup row
of a day is `totals_query` over exactly that day's facts, re-run whenever one of them changes.
"""

import hashlib
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from core.db import session_scope
from insights.filters import InsightFilter, case_clauses
from insights.orders import day_start
from insights.totals import add, totals_query
from models.insight_tables import InsightCase as F
from models.insight_tables import InsightDayTotals as D

SCORES = 101  # satisfied_at[t]: answered cases whose both scores are >= t, for every threshold 0..100


def total_keys() -> list[str]:
    """The rollup stores its totals as one list in this order (summing lists column-wise is cheap)."""
    return [c.name for c in totals_query([], 0).selected_columns if c.name != "satisfied"]


KEYS = total_keys()
LAYOUT = hashlib.sha256(",".join(KEYS).encode()).hexdigest()[:12]  # rows of another layout are not used


def _category_clause(category: str) -> ColumnElement[bool]:
    return col(F.category) == category if category else col(F.category).is_(None)


def _day_clauses(day: date, category: str) -> list[ColumnElement[bool]]:
    return [
        col(F.created_at) >= day_start(day),
        col(F.created_at) < day_start(day + timedelta(days=1)),
        _category_clause(category),
    ]


def _lock(session: Session, day: date, category: str) -> D:
    """The day's row, created if missing and (PostgreSQL) locked, so two writers re-aggregate in turn."""
    dialect = session.get_bind().dialect.name
    maker = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(maker(D).values(day=day, category=category, totals={}).on_conflict_do_nothing())
    return (
        session.execute(
            select(D)
            .where(col(D.day) == day, col(D.category) == category)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        .scalars()
        .one()
    )


def refresh_day(session: Session, day: date, category: str) -> None:
    """Re-aggregate one day and category from the facts, in the caller's transaction."""
    row = _lock(session, day, category)
    where = _day_clauses(day, category)
    totals = {k: int(v) for k, v in session.execute(totals_query(where, 0)).one()._mapping.items() if k != "satisfied"}
    if totals["n"] == 0:
        session.delete(row)
        return
    exactly = [0] * SCORES
    for resolved, communication in session.execute(
        select(F.resolved_score, F.communication_score).where(
            *where, col(F.resolved_score).is_not(None), col(F.communication_score).is_not(None)
        )
    ):
        exactly[max(0, min(resolved, communication, SCORES - 1))] += 1
    at_least, running = [0] * SCORES, 0
    for t in range(SCORES - 1, -1, -1):
        running += exactly[t]
        at_least[t] = running
    row.totals = {"layout": LAYOUT, "values": [totals[k] for k in KEYS] + at_least}
    session.add(row)


def refresh_for(session: Session, created_at: datetime, categories: set[str]) -> None:
    for category in sorted(categories):
        refresh_day(session, created_at.date(), category)


def rebuild(engine: Engine) -> int:
    """Re-aggregate every day and category that has facts; the number of rollup rows."""
    with session_scope(engine) as session:
        session.execute(delete(D))
        keys = {
            (created.date(), category or "") for created, category in session.execute(select(F.created_at, F.category))
        }
    for start in range(0, len(keys), 200):
        with session_scope(engine) as session:
            for day, category in sorted(keys)[start : start + 200]:
                refresh_day(session, day, category)
    return len(keys)


def _served(f: InsightFilter) -> bool:
    """Whether the rollup can answer: it is kept per day and category only."""
    return not (f.merchant_id or f.sku or f.type or f.dispute_class or f.channel or f.severity)


def _from_facts(session: Session, where: list[ColumnElement[bool]], threshold: int) -> dict[str, Any]:
    return {k: int(v) for k, v in session.execute(totals_query(where, threshold)).one()._mapping.items()}


def window_totals(session: Session, f: InsightFilter, threshold: int, now: datetime | None = None) -> dict[str, Any]:
    """Every additive total of the filtered cases (the keys of totals_query)."""
    start, end = f.window(now)
    first_full = start.date() if start == day_start(start.date()) else start.date() + timedelta(days=1)
    last_full = end.date() - timedelta(days=1)
    if not _served(f) or first_full > last_full:
        return _from_facts(session, case_clauses(f, now, session=session), threshold)
    categories = [str(c) for c in f.category]
    in_category: list[ColumnElement[bool]] = [col(F.category).in_(categories)] if categories else []
    total = _from_facts(
        session, [col(F.created_at) >= start, col(F.created_at) < day_start(first_full), *in_category], threshold
    )
    total = add(
        total,
        _from_facts(
            session,
            [col(F.created_at) >= day_start(last_full + timedelta(days=1)), col(F.created_at) < end, *in_category],
            threshold,
        ),
    )
    stmt = select(D.totals).where(col(D.day) >= first_full, col(D.day) <= last_full)
    if categories:
        stmt = stmt.where(col(D.category).in_(categories))
    rows = [t for (t,) in session.execute(stmt)]
    if any(t.get("layout") != LAYOUT for t in rows):  # written by another version: the facts answer
        return _from_facts(session, case_clauses(f, now, session=session), threshold)
    if rows:
        sums = [sum(column) for column in zip(*(t["values"] for t in rows), strict=True)]
        satisfied = sums[len(KEYS) + max(0, min(threshold, SCORES - 1))]
        total = add(total, {**dict(zip(KEYS, sums, strict=False)), "satisfied": satisfied})
    return total
