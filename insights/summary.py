"""The attribution summary: every figure of one window and filter, from `insight_case` and the order counts.

Without a merchant, SKU or case-level filter the totals come from the daily rollup (insights.cube) plus the
facts of the window's partial days, and the resolution percentiles from its histogram and one pick per
percentile; otherwise two passes over the filtered facts (every total in one row, with a count per value of
each dimension; the resolution times, sorted here). One more pass reads the daily order counts.
docs/INSIGHTS.md defines each figure; tests/insights recompute some from the source tables.
"""

import math
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlmodel import Session, col

from insights import cube
from insights.facts import MONEY_COLUMNS, SLA_CLOCKS
from insights.filters import InsightFilter, case_clauses, order_grain, order_lines
from insights.totals import BUCKETS, values_of
from models.enums import Stage
from models.insight_tables import InsightCase as F


class Rate(BaseModel):
    count: int
    of: int
    rate: float | None


PERCENTILES = (50, 90, 95)


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


def nearest_rank(ordered: list[int], pct: float) -> int | None:
    """Nearest-rank percentile: always a value that was observed."""
    if not ordered:
        return None
    return ordered[max(1, math.ceil(pct / 100 * len(ordered))) - 1]


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def _durations(session: Session, f: InsightFilter, now: datetime | None) -> list[int]:
    """Every resolution time of the filtered cases, sorted (when the rollup cannot answer)."""
    # Plain created_at bounds: the (created_at, resolution_seconds) index answers from itself.
    result = session.connection().execute(
        select(F.resolution_seconds).where(*case_clauses(f, now), col(F.resolution_seconds).is_not(None))
    )
    # Plain integers need no result processing: the driver's own fetchall is four times cheaper here.
    durations = sorted(int(seconds) for (seconds,) in result.cursor.fetchall())
    result.close()
    return durations


def summarize(
    session: Session, f: InsightFilter, *, satisfaction_threshold: int, currency: str, now: datetime | None = None
) -> InsightSummary:
    t, hist = cube.rolled_window(session, f, satisfaction_threshold, now)

    def per(name: str) -> dict[str, int]:
        counts = {value: int(t[f"{name}={value}"]) for value in values_of(name) if t[f"{name}={value}"]}
        rest = int(t["n"]) - sum(counts.values())
        return {**counts, **({"unclassified" if name != "stage" else "other": rest} if rest else {})}

    by_stage = per("stage")
    filed, rejected = int(t["n"]), by_stage.get(Stage.REJECTED.value, 0)
    counted = filed - rejected
    lines = order_lines(session, f, now)
    sla = {}
    for clock in SLA_CLOCKS:
        of = int(t["worked_classified" if clock == "plan" else "worked"])
        met = of - int(t[f"breached_{clock}"])
        sla[clock] = Rate(count=met, of=of, rate=round(met / of, 6) if of else None)
    closed, seconds = int(t["resolution_n"]), int(t["resolution_sum"])
    picked = cube.percentiles(session, f, hist, PERCENTILES, now) if hist is not None else {}
    if hist is None or None in picked.values():
        durations = _durations(session, f, now)
        closed, seconds = len(durations), sum(durations)
        picked = {p: nearest_rank(durations, p) for p in PERCENTILES}
    answered, sent = int(t["survey_answered"]), int(t["survey_sent"])
    root_causes = per("root_cause")
    root_causes.pop("unclassified", None)  # open cases have no root cause yet
    return InsightSummary(
        window={**f.echo(now), "order_grain": order_grain(f), "order_lines_follow_filters": not f.narrows_cases_only},
        counts={
            "filed": filed,
            "counted": counted,
            "rejected": rejected,
            "by_stage": by_stage,
            "open": sum(n for s, n in by_stage.items() if s != "other" and not Stage(s).is_terminal),
            "order_lines": lines,
            "complaints_per_1000_order_lines": round(1000 * counted / lines, 3) if lines else None,
        },
        by_type=per("type"),
        by_severity=per("severity"),
        by_channel=per("channel"),
        by_dispute_class=per("dispute_class"),
        root_causes=root_causes,
        resolution={
            "closed": closed,
            "mean_hours": _hours(seconds / closed) if closed else None,
            **{f"p{p}_hours": _hours(picked[p]) for p in PERCENTILES},
            "buckets": {label: int(t[f"b{i}"]) for i, (label, _) in enumerate(BUCKETS)},
        },
        sla=sla,
        escalation=rate(int(t["escalated"]), counted),
        reopen=rate(int(t["reopened"]), answered),
        satisfaction={
            "surveys_sent": sent,
            "answered": answered,
            "response_rate": round(answered / sent, 6) if sent else None,
            "mean_resolved": round(int(t["resolved_sum"]) / answered, 2) if answered else None,
            "mean_communication": round(int(t["communication_sum"]) / answered, 2) if answered else None,
            "satisfied": rate(int(t["satisfied"]), answered),
            "threshold": satisfaction_threshold,
        },
        money={c: int(t[c]) for c in MONEY_COLUMNS.values()},
        currency=currency,
    )


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
