"""The attribution summary: every figure of one window and filter, from `insight_case` and the order counts.

Two passes over the filtered facts (every total, grouped by stage, root cause, type, severity,
channel and dispute class; the resolution times, sorted here) and one over the daily order counts.
docs/INSIGHTS.md defines each figure; tests/insights recompute some from the source tables.
"""

import math
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Integer, and_, case, cast, func, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from insights.facts import MONEY_COLUMNS, SLA_CLOCKS
from insights.filters import InsightFilter, case_clauses, order_grain, order_lines
from models.enums import Stage
from models.insight_tables import InsightCase as F

# Resolution time buckets: (label, upper bound in hours, exclusive); the last is open-ended.
BUCKETS: tuple[tuple[str, float], ...] = (("<1h", 1), ("1-4h", 4), ("4-24h", 24), ("1-3d", 72), ("3-7d", 168),
                                          ("7-30d", 720), (">30d", math.inf))
TERMINAL_WORKED = (Stage.CLOSED.value, Stage.WITHDRAWN.value)  # rejected cases were never worked


class Rate(BaseModel):
    count: int
    of: int
    rate: float | None


def rate(count: int, of: int) -> Rate:
    return Rate(count=count, of=of, rate=round(count / of, 6) if of else None)


class InsightSummary(BaseModel):
    window: dict[str, Any]
    counts: dict[str, Any]
    by_type: dict[str, int]
    by_severity: dict[str, int]
    by_channel: dict[str, int]
    by_dispute_class: dict[str, int]
    root_causes: dict[str, int]
    resolution: dict[str, Any]
    sla: dict[str, Rate]
    escalation: Rate
    reopen: Rate
    satisfaction: dict[str, Any]
    money: dict[str, int]
    currency: str


def _count(cond: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def _flags(column: Any) -> Any:
    """How many rows have a boolean column set: a cast is cheaper than a CASE per row."""
    return func.coalesce(func.sum(cast(column, Integer)), 0)


def _totals_query(where: list[ColumnElement[bool]], threshold: int) -> Any:
    secs = col(F.resolution_seconds)
    bounds = [0.0, *(upper for _, upper in BUCKETS)]
    buckets = [_count(and_(secs >= int(low * 3600), secs < int(high * 3600)) if math.isfinite(high)
                      else secs >= int(low * 3600)).label(f"b{i}")
               for i, (low, high) in enumerate(zip(bounds, bounds[1:]))]
    satisfied = and_(col(F.resolved_score) >= threshold, col(F.communication_score) >= threshold)
    # One pass: grouped by every dimension the summary breaks down by, folded in Python.
    return select(
        F.stage, F.root_cause, func.count().label("n"),
        _flags(F.escalated).label("escalated"), _flags(F.reopened).label("reopened"),
        _count(col(F.type).is_not(None)).label("classified"),
        *[_flags(getattr(F, f"breached_{c}")).label(f"breached_{c}") for c in SLA_CLOCKS],
        _flags(F.survey_sent).label("survey_sent"), _flags(F.survey_answered).label("survey_answered"),
        func.coalesce(func.sum(F.resolved_score), 0).label("resolved_sum"),
        func.coalesce(func.sum(F.communication_score), 0).label("communication_sum"),
        _count(satisfied).label("satisfied"),
        *[func.coalesce(func.sum(getattr(F, c)), 0).label(c) for c in MONEY_COLUMNS.values()],
        func.coalesce(func.sum(secs), 0).label("resolution_sum"), *buckets,
        F.type, F.severity, F.channel, F.dispute_class,
    ).where(*where).group_by(F.stage, F.root_cause, F.type, F.severity, F.channel, F.dispute_class)


def nearest_rank(ordered: list[int], pct: float) -> int | None:
    """Nearest-rank percentile: always a value that was observed."""
    if not ordered:
        return None
    return ordered[max(1, math.ceil(pct / 100 * len(ordered))) - 1]


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def summarize(session: Session, f: InsightFilter, *, satisfaction_threshold: int, currency: str,
              now: datetime | None = None) -> InsightSummary:
    where = case_clauses(f, now)
    groups = [row._mapping for row in session.execute(_totals_query(where, satisfaction_threshold))]

    def total(name: str, stages: tuple[str, ...] | None = None, exclude: tuple[str, ...] = ()) -> int:
        return sum(int(g[name]) for g in groups
                   if (stages is None or g["stage"] in stages) and g["stage"] not in exclude)

    by_stage: dict[str, int] = {}
    root_causes: dict[str, int] = {}
    for g in groups:
        by_stage[g["stage"]] = by_stage.get(g["stage"], 0) + int(g["n"])
        if g["root_cause"] is not None:
            root_causes[g["root_cause"]] = root_causes.get(g["root_cause"], 0) + int(g["n"])
    filed = sum(by_stage.values())
    rejected = by_stage.get(Stage.REJECTED.value, 0)
    counted = filed - rejected
    lines = order_lines(session, f, now)
    terminal = total("n", TERMINAL_WORKED)
    sla = {c: rate(total(f"breached_{c}", TERMINAL_WORKED), total("classified" if c == "plan" else "n",
                                                                   TERMINAL_WORKED)) for c in SLA_CLOCKS}
    sla = {c: Rate(count=r.of - r.count, of=r.of, rate=round((r.of - r.count) / r.of, 6) if r.of else None)
           for c, r in sla.items()}
    breakdowns = _breakdowns(groups)
    durations = sorted(int(s) for s in session.execute(
        select(F.resolution_seconds).where(*where, col(F.resolution_seconds).is_not(None))).scalars())
    closed = len(durations)
    answered = total("survey_answered")
    start, end = f.window(now)
    return InsightSummary(
        window={**f.echo(now), "order_grain": order_grain(f), "order_lines_follow_filters": not f.narrows_cases_only},
        counts={"filed": filed, "counted": counted, "rejected": rejected, "by_stage": by_stage,
                "open": sum(n for s, n in by_stage.items() if not Stage(s).is_terminal),
                "order_lines": lines,
                "complaints_per_1000_order_lines": round(1000 * counted / lines, 3) if lines else None},
        by_type=breakdowns["type"], by_severity=breakdowns["severity"], by_channel=breakdowns["channel"],
        by_dispute_class=breakdowns["dispute_class"], root_causes=root_causes,
        resolution={"closed": closed, "mean_hours": _hours(sum(durations) / closed) if closed else None,
                    **{f"p{p}_hours": _hours(nearest_rank(durations, p)) for p in (50, 90, 95)},
                    "buckets": {label: total(f"b{i}") for i, (label, _) in enumerate(BUCKETS)}},
        sla=sla, escalation=rate(total("escalated", exclude=(Stage.REJECTED.value,)), counted),
        reopen=rate(total("reopened"), total("survey_answered")),
        satisfaction={"surveys_sent": total("survey_sent"), "answered": answered,
                      "response_rate": round(answered / total("survey_sent"), 6) if total("survey_sent") else None,
                      "mean_resolved": round(total("resolved_sum") / answered, 2) if answered else None,
                      "mean_communication": round(total("communication_sum") / answered, 2) if answered else None,
                      "satisfied": rate(total("satisfied"), answered), "threshold": satisfaction_threshold},
        money={c: total(c) for c in MONEY_COLUMNS.values()}, currency=currency)


def _breakdowns(groups: list[Any]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {"type": {}, "severity": {}, "channel": {}, "dispute_class": {}}
    for g in groups:
        for name in out:
            key = g[name] or "unclassified"
            out[name][key] = out[name].get(key, 0) + int(g["n"])
    return out


def flatten(summary: InsightSummary) -> list[tuple[str, str]]:
    """(figure, value) pairs for the CSV export: dotted names, one figure a line."""
    out: list[tuple[str, str]] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, BaseModel):
            value = value.model_dump(mode="json")
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), item)
        else:
            out.append((prefix, "" if value is None else str(value)))

    walk("", summary)
    return out
