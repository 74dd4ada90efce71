"""The additive totals behind the summary: one row of counts and sums over a set of `insight_case` rows.

Every figure of the summary is a sum (or a count), so totals of disjoint sets add up: the daily rollup
(insights.cube) stores one totals row per day and category, and a window adds the rows of its days.
"""

import functools
import math
from typing import Any, get_args

from sqlalchemy import Integer, and_, case, cast, func, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from insights.facts import MONEY_COLUMNS, SLA_CLOCKS
from models.case import CaseInput
from models.enums import ComplaintType, DisputeClass, RootCause, Severity, Stage
from models.insight_tables import InsightCase as F

# Resolution time buckets: (label, upper bound in hours, exclusive); the last is open-ended.
BUCKETS: tuple[tuple[str, float], ...] = (
    ("<1h", 1),
    ("1-4h", 4),
    ("4-24h", 24),
    ("1-3d", 72),
    ("3-7d", 168),
    ("7-30d", 720),
    (">30d", math.inf),
)
TERMINAL_WORKED = (Stage.CLOSED.value, Stage.WITHDRAWN.value)  # rejected cases were never worked
CHANNELS = get_args(CaseInput.model_fields["channel"].annotation)
# Every value a summary counts by; anything else (none yet, or a legacy value) is reported as the rest.
DIMENSION_VALUES: dict[str, tuple[Any, ...]] = {
    "stage": tuple(Stage),
    "root_cause": tuple(RootCause),
    "type": tuple(ComplaintType),
    "severity": tuple(Severity),
    "channel": CHANNELS,
    "dispute_class": tuple(DisputeClass),
}


def _count(cond: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def _flags(column: Any) -> Any:
    """How many rows have a boolean column set: a cast is cheaper than a CASE per row."""
    return func.coalesce(func.sum(cast(column, Integer)), 0)


def values_of(name: str) -> tuple[str, ...]:
    return tuple(str(v) for v in DIMENSION_VALUES[name])


def totals_query(where: list[ColumnElement[bool]], threshold: int) -> Any:
    """One row, no GROUP BY: a single scan, no sort (SQLite sorts every row for a GROUP BY)."""
    return select(*_totals_columns(threshold)).select_from(F).where(*where)


@functools.lru_cache(maxsize=128)
def _totals_columns(threshold: int) -> tuple[Any, ...]:
    """Built once per threshold: constructing these few hundred expressions costs more than running them."""
    secs = col(F.resolution_seconds)
    bounds = [0.0, *(upper for _, upper in BUCKETS)]
    buckets = [
        _count(
            and_(secs >= int(low * 3600), secs < int(high * 3600)) if math.isfinite(high) else secs >= int(low * 3600)
        ).label(f"b{i}")
        for i, (low, high) in enumerate(zip(bounds, bounds[1:], strict=False))
    ]
    satisfied = and_(col(F.resolved_score) >= threshold, col(F.communication_score) >= threshold)
    worked = col(F.stage).in_(TERMINAL_WORKED)
    per_value = [
        _count(col(getattr(F, name)) == value).label(f"{name}={value}")
        for name in DIMENSION_VALUES
        for value in values_of(name)
    ]
    return (
        func.count().label("n"),
        _count(and_(col(F.escalated), col(F.stage) != Stage.REJECTED.value)).label("escalated"),
        _flags(F.reopened).label("reopened"),
        _count(worked).label("worked"),
        _count(and_(worked, col(F.type).is_not(None))).label("worked_classified"),
        *[_count(and_(worked, col(getattr(F, f"breached_{c}")))).label(f"breached_{c}") for c in SLA_CLOCKS],
        _flags(F.survey_sent).label("survey_sent"),
        _flags(F.survey_answered).label("survey_answered"),
        func.count(F.resolution_seconds).label("resolution_n"),
        func.coalesce(func.sum(F.resolution_seconds), 0).label("resolution_sum"),
        func.coalesce(func.sum(F.resolved_score), 0).label("resolved_sum"),
        func.coalesce(func.sum(F.communication_score), 0).label("communication_sum"),
        _count(satisfied).label("satisfied"),
        *[func.coalesce(func.sum(getattr(F, c)), 0).label(c) for c in MONEY_COLUMNS.values()],
        *buckets,
        *per_value,
    )


def add(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Totals of two disjoint sets of cases; lists (a histogram) add element by element."""
    out = dict(a)
    for key, value in b.items():
        if isinstance(value, list):
            base = out.get(key) or [0] * len(value)
            out[key] = [x + y for x, y in zip(base, value, strict=True)]
        else:
            out[key] = out.get(key, 0) + int(value)
    return out
