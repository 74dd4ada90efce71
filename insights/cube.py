"""The daily rollups, kept up to date with the facts. Per UTC filing day and category:

- `insight_day_totals`: every additive total of the summary, the satisfied-at-threshold counts and a
  histogram of resolution times;
- `insight_day_group`: the breakdown's sums per value of each low-cardinality dimension (type, dispute
  class, channel, severity, root cause; dimension '' is every case of the day).

A summary or breakdown without a merchant, SKU, type, dispute-class, channel or severity filter (the
questions over every shop, the expensive ones) adds the rollup rows of the window's whole days and the
facts of its partial first and last day. Any other filter reads the facts. Both give the same figures: the
rollup rows of a day are the same aggregates over exactly that day's facts. When the insights drain folds
cases (`insights.facts.refold`, insights/pending.py), it moves their contribution: the same aggregates over
their old rows are taken out and over their new rows put in (insights/rollup_moves.py), so a fold costs its
cases' work however many cases their days hold. `refresh_day` re-aggregates a whole day (a rebuild, a new or stale row).

Resolution percentiles stay exact: the window's histogram names the bin holding the k-th resolution
time, and one query over the facts of that bin (read from `ix_insight_case_resolution` alone) picks it.
"""

import bisect
import functools
import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, String, and_, bindparam, case, delete, func, insert, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from core.db import session_scope
from insights.facts import MONEY_COLUMNS
from insights.filters import InsightFilter, case_clauses
from insights.orders import day_start
from insights.totals import DIMENSION_VALUES, add, totals_query
from models.enums import Stage
from models.insight_tables import InsightCase as F
from models.insight_tables import InsightDayGroup as G
from models.insight_tables import InsightDayTotals as D

ALL = "*"  # the category of the rows over every category of a day (unfiltered windows read only these)
SCORES = 101  # satisfied_at[t]: answered cases whose both scores are >= t, for every threshold 0..100
# Resolution-time bins [EDGES[i], EDGES[i+1]) seconds, the last open-ended; geometric (x1.25 from a minute),
# so one bin holds a few per cent of the cases and the exact pick inside it reads a few index pages.
EDGES: tuple[int, ...] = (0, *(round(60 * 1.25**i) for i in range(64)))
GROUP_DIMENSIONS: tuple[str, ...] = ("", *(d for d in DIMENSION_VALUES if d != "stage"))
GROUP_SUMS: tuple[str, ...] = (
    "complaints",
    "closed",
    "escalated",
    "reopened",
    "breaches",
    "resolution_n",
    "resolution_sum",
    "satisfaction_n",
    "satisfaction_sum",
    *MONEY_COLUMNS.values(),
)


def total_keys() -> list[str]:
    """The rollup stores its totals as one list in this order (summing lists column-wise is cheap)."""
    return [c.name for c in totals_query([], 0).selected_columns if c.name != "satisfied"]


KEYS = total_keys()
# Rows of another layout are not used: the facts answer until `complaints insights rebuild` re-aggregates.
LAYOUT = hashlib.sha256(",".join([*KEYS, f"satisfied_at:{SCORES}", *map(str, EDGES)]).encode()).hexdigest()[:12]


def resolution_bin(seconds: int) -> int:
    return bisect.bisect_right(EDGES, seconds) - 1


def histogram(durations: Iterable[int]) -> list[int]:
    counts = [0] * len(EDGES)
    for seconds in durations:
        counts[resolution_bin(seconds)] += 1
    return counts


def _sum(expr: Any) -> Any:
    return func.coalesce(func.sum(expr), 0)


def _when(cond: Any, then: Any = 1) -> Any:
    return case((cond, then), else_=0)


@functools.cache
def group_measures() -> tuple[Any, ...]:
    """The breakdown's sums over a set of facts (GROUP_SUMS, in order); means are sums over counts. Built
    once: constructing the expressions costs more than running them over one day's facts."""
    both_scores = col(F.resolved_score).is_not(None) & col(F.communication_score).is_not(None)
    return (
        func.count().label("complaints"),
        _sum(_when(col(F.stage) == Stage.CLOSED.value)).label("closed"),
        _sum(_when(col(F.escalated))).label("escalated"),
        _sum(_when(col(F.reopened))).label("reopened"),
        _sum(F.breaches).label("breaches"),
        func.count(F.resolution_seconds).label("resolution_n"),
        _sum(F.resolution_seconds).label("resolution_sum"),
        _sum(_when(both_scores)).label("satisfaction_n"),
        _sum(_when(both_scores, col(F.resolved_score) + col(F.communication_score))).label("satisfaction_sum"),
        *[_sum(getattr(F, c)).label(c) for c in MONEY_COLUMNS.values()],
    )


def day_clauses(day: date, category: str) -> list[ColumnElement[bool]]:
    where = [col(F.created_at) >= day_start(day), col(F.created_at) < day_start(day + timedelta(days=1))]
    if category != ALL:
        where.append(col(F.category) == category if category else col(F.category).is_(None))
    return where


@functools.cache
def _lock_statements(dialect: str) -> tuple[Any, Any]:
    """Built once and executed with parameters: SQLAlchemy keys its statement cache by a walk of the
    statement, which costs more than running these on one row; a statement object remembers its key."""
    maker = pg_insert if dialect == "postgresql" else sqlite_insert
    day, category = bindparam("day", type_=Date()), bindparam("category", type_=String())
    create = maker(D).values(day=day, category=category, totals={}).on_conflict_do_nothing()
    locked = (
        select(D)
        .where(col(D.day) == day, col(D.category) == category)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return create, locked


def lock_day(session: Session, day: date, category: str) -> D:
    """The day's row, created if missing and (PostgreSQL) locked, so two writers re-aggregate in turn."""
    create, locked = _lock_statements(session.get_bind().dialect.name)
    params = {"day": day, "category": category}
    session.execute(create, params)
    return session.execute(locked, params).scalars().one()


@dataclass(frozen=True)
class Aggregates:
    """The statements that aggregate the facts matching `where`: the one definition of a rollup's values,
    whether over a whole day or over one case."""

    totals: Any
    scores: Any
    groups: Any

    @classmethod
    def over(cls, where: list[ColumnElement[bool]]) -> "Aggregates":
        dims = [getattr(F, d) for d in GROUP_DIMENSIONS if d]
        scored = col(F.resolved_score).is_not(None) & col(F.communication_score).is_not(None)
        return cls(
            totals=totals_query(where, 0),
            scores=select(F.resolved_score, F.communication_score, F.resolution_seconds).where(
                *where, scored | col(F.resolution_seconds).is_not(None)
            ),
            groups=select(*dims, *group_measures()).where(*where, col(F.stage) != Stage.REJECTED.value).group_by(*dims),
        )


def aggregate_values(session: Session, agg: Aggregates, params: dict[str, Any] | None = None) -> list[int] | None:
    """The rollup's values (KEYS, then satisfied-at-threshold counts, then the resolution histogram) over the
    facts `agg` aggregates; None when there are none."""
    totals = {k: int(v) for k, v in session.execute(agg.totals, params).one()._mapping.items() if k != "satisfied"}
    if totals["n"] == 0:
        return None
    exactly, durations = [0] * SCORES, []
    for resolved, communication, seconds in session.execute(agg.scores, params):
        if resolved is not None and communication is not None:
            exactly[max(0, min(resolved, communication, SCORES - 1))] += 1
        if seconds is not None:
            durations.append(int(seconds))
    at_least, running = [0] * SCORES, 0
    for t in range(SCORES - 1, -1, -1):
        running += exactly[t]
        at_least[t] = running
    return [totals[k] for k in KEYS] + at_least + histogram(durations)


GroupKey = tuple[str, str]  # (dimension, value)


def aggregate_groups(
    session: Session, agg: Aggregates, params: dict[str, Any] | None = None
) -> dict[GroupKey, dict[str, int]]:
    """The breakdown's sums per (dimension, value) over the facts `agg` aggregates (rejected cases are not
    counted). One pass grouped by every dimension at once (a day holds few combinations); sums add up."""
    dims = [d for d in GROUP_DIMENSIONS if d]
    per: dict[GroupKey, dict[str, int]] = {}
    for g in session.execute(agg.groups, params):
        m = g._mapping
        for dimension, value in [("", ""), *((d, "" if m[d] is None else str(m[d])) for d in dims)]:
            into = per.setdefault((dimension, value), dict.fromkeys(GROUP_SUMS, 0))
            for name in GROUP_SUMS:
                into[name] += int(m[name])
    return per


def refresh_day(session: Session, day: date, category: str) -> None:
    """Re-aggregate one day and category from the facts, in the caller's transaction."""
    row = lock_day(session, day, category)  # held until commit: also serialises the group rows below
    agg = Aggregates.over(day_clauses(day, category))
    session.execute(delete(G).where(col(G.day) == day, col(G.category) == category))
    values = aggregate_values(session, agg)
    if values is None:
        session.delete(row)
        return
    row.totals = {"layout": LAYOUT, "values": values}
    row.layout = LAYOUT
    session.add(row)
    per = aggregate_groups(session, agg)
    if per:
        session.execute(
            insert(G),
            [dict(day=day, category=category, dimension=d, value=v, **sums) for (d, v), sums in per.items()],
        )


def refresh_for(session: Session, day: date, categories: set[str]) -> None:
    """Re-aggregate a day's rows of these categories and its all-category row (locks in one order)."""
    for category in sorted({*categories, ALL}):
        refresh_day(session, day, category)


def rebuild(engine: Engine) -> int:
    """Re-aggregate every day and category that has facts; the number of rollup rows."""
    with session_scope(engine) as session:
        session.execute(delete(D))
        session.execute(delete(G))
        keys = set()
        for created, category in session.execute(select(F.created_at, F.category)):
            keys |= {(created.date(), category or ""), (created.date(), ALL)}
    for start in range(0, len(keys), 200):
        with session_scope(engine) as session:
            for day, category in sorted(keys)[start : start + 200]:
                refresh_day(session, day, category)
    return len(keys)


def served(f: InsightFilter) -> bool:
    """Whether the rollups can answer: they are kept per day and category only."""
    return not (f.merchant_id or f.sku or f.type or f.dispute_class or f.channel or f.severity)


def _from_facts(session: Session, where: list[ColumnElement[bool]], threshold: int) -> dict[str, Any]:
    return {k: int(v) for k, v in session.execute(totals_query(where, threshold)).one()._mapping.items()}


def _whole_days(start: datetime, end: datetime) -> tuple[date, date]:
    """The first and last UTC day wholly inside [start, end) (first > last: none)."""
    first = start.date() if start == day_start(start.date()) else start.date() + timedelta(days=1)
    return first, end.date() - timedelta(days=1)


def _in_category(f: InsightFilter) -> list[ColumnElement[bool]]:
    return [col(F.category).in_([str(c) for c in f.category])] if f.category else []


def _edges(f: InsightFilter, now: datetime | None) -> list[ColumnElement[bool]]:
    """The clauses of the window's partial first and last day (the parts the rollups do not hold)."""
    start, end = f.window(now)
    first, last = _whole_days(start, end)
    created = col(F.created_at)
    return [
        or_(
            and_(created >= start, created < day_start(first)),
            and_(created >= day_start(last + timedelta(days=1)), created < end),
        ),
        *_in_category(f),
    ]


def window_totals(session: Session, f: InsightFilter, threshold: int, now: datetime | None = None) -> dict[str, Any]:
    """Every additive total of the filtered cases (the keys of totals_query)."""
    return rolled_window(session, f, threshold, now)[0]


def rolled_window(
    session: Session, f: InsightFilter, threshold: int, now: datetime | None = None
) -> tuple[dict[str, Any], list[int] | None]:
    """The totals and, when the rollup answered, the window's resolution-time histogram (bins of EDGES)."""
    start, end = f.window(now)
    first_full, last_full = _whole_days(start, end)
    if not served(f) or first_full > last_full:
        return _from_facts(session, case_clauses(f, now, session=session), threshold), None
    stmt = select(D.totals, D.layout).where(col(D.day) >= first_full, col(D.day) <= last_full, _rolled_categories(f))
    rows, layouts = [], set()
    for totals, layout in session.execute(stmt):
        rows.append(totals)
        layouts.add(layout)
    if layouts - {LAYOUT}:  # written by another version (or before migration 0009): the facts answer
        return _from_facts(session, case_clauses(f, now, session=session), threshold), None
    edges = _edges(f, now)
    total = _from_facts(session, edges, threshold)
    durations = session.execute(select(F.resolution_seconds).where(*edges, col(F.resolution_seconds).is_not(None)))
    hist = histogram(int(s) for (s,) in durations)
    if rows:
        sums = [sum(column) for column in zip(*(t["values"] for t in rows), strict=True)]
        satisfied = sums[len(KEYS) + max(0, min(threshold, SCORES - 1))]
        total = add(total, {**dict(zip(KEYS, sums, strict=False)), "satisfied": satisfied})
        hist = [a + b for a, b in zip(hist, sums[len(KEYS) + SCORES :], strict=True)]
    return total, hist


def percentiles(
    session: Session, f: InsightFilter, hist: list[int], pcts: Iterable[int], now: datetime | None = None
) -> dict[int, int | None]:
    """Nearest-rank percentiles of the window's resolution times: the bin from the histogram, the value from
    one index-only query inside it. None for a percentile the facts cannot confirm (the caller recounts)."""
    start, end = f.window(now)
    n = sum(hist)
    out: dict[int, int | None] = {}
    for pct in pcts:
        if n == 0:
            out[pct] = None
            continue
        rank = max(1, math.ceil(pct / 100 * n))
        below, b = 0, 0
        while below + hist[b] < rank:
            below += hist[b]
            b += 1
        inside = [col(F.resolution_seconds) >= EDGES[b]]
        if b + 1 < len(EDGES):
            inside.append(col(F.resolution_seconds) < EDGES[b + 1])
        out[pct] = session.execute(
            select(F.resolution_seconds)
            .where(*inside, col(F.created_at) >= start, col(F.created_at) < end, *_in_category(f))
            .order_by(F.resolution_seconds)
            .offset(rank - below - 1)
            .limit(1)
        ).scalar()
    return out


def _rolled_categories(f: InsightFilter) -> ColumnElement[bool]:
    return col(D.category).in_([str(c) for c in f.category]) if f.category else col(D.category) == ALL


def _current(session: Session, f: InsightFilter, first: date, last: date) -> bool:
    """Whether every day's totals row in the range has this layout: the group rows are re-aggregated with
    it, so they are current too (after migration 0009 and before a rebuild they are missing)."""
    stale = select(func.count()).where(
        col(D.day) >= first, col(D.day) <= last, _rolled_categories(f), col(D.layout) != LAYOUT
    )
    return session.execute(stale).scalar_one() == 0


def window_groups(
    session: Session, f: InsightFilter, by: str, day_key: Any, now: datetime | None = None
) -> list[dict[str, Any]] | None:
    """The breakdown's sums per group from the rollup (whole days) and the facts (partial days); None when
    the rollup cannot answer this filter or grouping."""
    start, end = f.window(now)
    first_full, last_full = _whole_days(start, end)
    if not served(f) or by not in (*GROUP_DIMENSIONS, "day", "category") or first_full > last_full:
        return None
    if not _current(session, f, first_full, last_full):
        return None
    dimension = "" if by in ("day", "category") else by
    rolled_key = {"day": G.day, "category": G.category}.get(by, G.value)
    stmt = (
        select(rolled_key, *[func.sum(getattr(G, name)) for name in GROUP_SUMS])
        .where(col(G.dimension) == dimension, col(G.day) >= first_full, col(G.day) <= last_full)
        .group_by(rolled_key)
    )
    if f.category:
        stmt = stmt.where(col(G.category).in_([str(c) for c in f.category]))
    else:
        stmt = stmt.where(col(G.category) != ALL if by == "category" else col(G.category) == ALL)
    merged: dict[str, dict[str, int]] = {}

    def fold_in(key: Any, sums: Iterable[Any]) -> None:
        name = key.isoformat() if isinstance(key, date) else "" if key is None else str(key)
        into = merged.setdefault(name, dict.fromkeys(GROUP_SUMS, 0))
        for field, value in zip(GROUP_SUMS, sums, strict=True):
            into[field] += int(value or 0)

    for key, *sums in session.execute(stmt):
        fold_in(key, sums)
    facts_key = day_key if by == "day" else getattr(F, by)
    for key, *sums in session.execute(
        select(facts_key, *group_measures())
        .where(*_edges(f, now), col(F.stage) != Stage.REJECTED.value)
        .group_by(facts_key)
    ):
        fold_in(key, sums)
    return [{"key": key or None, **sums} for key, sums in merged.items() if sums["complaints"]]
