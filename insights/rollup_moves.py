"""One case's contribution to the daily rollups (insights/cube.py), moved when its facts change.

The read-model writer (`insights.facts.refresh_case`) reads the case's contribution before and after it
changes its facts row, and `move` takes the old one out of the rollup rows of its filing day and puts the new
one in: the cost is one case's, however many cases the day holds. The contribution is the cube's own
aggregates (`Aggregates`) over the one row, so the rollups have one definition, whether kept by moves or
re-aggregated by `refresh_day`.
"""

import functools
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Date, String, bindparam, delete, select
from sqlmodel import Session, col

from insights.cube import (
    ALL,
    GROUP_SUMS,
    KEYS,
    LAYOUT,
    GroupKey,
    aggregate_groups,
    aggregate_values,
    lock_day,
    one_case,
    refresh_day,
)
from models.insight_tables import InsightCase as F
from models.insight_tables import InsightDayGroup as G


@dataclass(frozen=True)
class Contribution:
    """What one case's facts add to the rollups of its filing day: to its category's rows and to ALL's."""

    day: date
    category: str
    values: list[int]
    groups: dict[GroupKey, dict[str, int]]

    def targets(self) -> set[tuple[date, str]]:
        return {(self.day, self.category), (self.day, ALL)}


def contribution(session: Session, complaint_id: str) -> Contribution | None:
    """The case's contribution as its facts stand in the session now (None: it has no facts row)."""
    found = session.execute(_filing_of(), {"complaint_id": complaint_id}).one_or_none()
    if found is None:
        return None
    params = {"complaint_id": complaint_id}
    values = aggregate_values(session, one_case(), params)
    assert values is not None  # the row was just read
    return Contribution(
        found.created_at.date(), found.category or "", values, aggregate_groups(session, one_case(), params)
    )


@functools.cache
def _filing_of() -> Any:
    return select(F.created_at, F.category).where(col(F.complaint_id) == bindparam("complaint_id", type_=String()))


@functools.cache
def _day_groups() -> Any:
    return select(G).where(
        col(G.day) == bindparam("day", type_=Date()), col(G.category) == bindparam("category", type_=String())
    )


def move(session: Session, old: Contribution | None, new: Contribution | None) -> None:
    """Take a case's old contribution out of the rollups and put its new one in, in the caller's transaction.

    The cost is one case's, not its day's: the rows are adjusted, not re-aggregated. A row that is new (no
    contribution was ever added to it) or of another layout is re-aggregated from the facts instead, which
    already hold the new values, so a rollup that was stale or missing is made whole on the way.
    """
    targets = (old.targets() if old else set()) | (new.targets() if new else set())
    for day, category in sorted(targets):  # one lock order for every writer (as refresh_for)
        row = lock_day(session, day, category)
        if row.layout != LAYOUT or not row.totals.get("values"):
            refresh_day(session, day, category)
            continue
        out = old if old and (day, category) in old.targets() else None
        into = new if new and (day, category) in new.targets() else None
        values = list(row.totals["values"])
        for part, sign in ((out, -1), (into, 1)):
            if part is not None:
                values = [v + sign * d for v, d in zip(values, part.values, strict=True)]
        if any(v < 0 for v in values):  # the row does not hold the old contribution: rebuild it
            refresh_day(session, day, category)
        elif values[KEYS.index("n")] == 0:
            session.execute(delete(G).where(col(G.day) == day, col(G.category) == category))
            session.delete(row)
        elif _move_groups(session, day, category, out, into):
            row.totals = {"layout": LAYOUT, "values": values}
            session.add(row)
        else:
            refresh_day(session, day, category)


def _move_groups(
    session: Session, day: date, category: str, out: Contribution | None, into: Contribution | None
) -> bool:
    """Adjust the day's group rows; False, writing nothing, when they do not hold what `out` says they do."""
    keys = set(out.groups if out else ()) | set(into.groups if into else ())
    if not keys:
        return True
    existing = {
        (g.dimension, g.value): g for g in session.execute(_day_groups(), {"day": day, "category": category}).scalars()
    }
    moved: dict[GroupKey, dict[str, int]] = {}
    for key in keys:
        sums = {name: getattr(existing[key], name) for name in GROUP_SUMS} if key in existing else {}
        for part, sign in ((out, -1), (into, 1)):
            for name, amount in (part.groups.get(key, {}) if part else {}).items():
                sums[name] = sums.get(name, 0) + sign * amount
        if any(v < 0 for v in sums.values()):
            return False
        moved[key] = sums
    for key, sums in moved.items():
        if sums.get("complaints", 0) == 0:
            if key in existing:
                session.delete(existing[key])
            continue
        row = existing.get(key) or G(dimension=key[0], day=day, category=category, value=key[1])
        for name, value in sums.items():
            setattr(row, name, value)
        session.add(row)
    return True
