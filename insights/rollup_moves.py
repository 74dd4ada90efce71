"""What a set of cases contributes to the daily rollups (insights/cube.py), moved when their facts change.

The insights drain (`insights.facts.refold`) reads the contribution of the cases it folds before and after it
rewrites their facts rows, and `move` takes the old parts out of the rollup rows and puts the new ones in: the
cost is that of the cases folded, however many cases their days hold, and a chunk of cases of one day moves
each of its rows once. A part is the cube's own aggregates (`Aggregates`) over the cases' rows, so the
rollups have one definition, whether kept by moves or re-aggregated by `refresh_day`.
"""

import functools
from collections.abc import Iterable
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
    Aggregates,
    GroupKey,
    aggregate_groups,
    aggregate_values,
    lock_day,
    refresh_day,
)
from models.insight_tables import InsightCase as F
from models.insight_tables import InsightDayGroup as G

Target = tuple[date, str]  # a rollup row: filing day and category (ALL: every category of the day)


@dataclass(frozen=True)
class Part:
    """The aggregates of some cases' facts that one rollup row holds: its values and its group sums."""

    values: list[int]
    groups: dict[GroupKey, dict[str, int]]

    def plus(self, other: "Part") -> "Part":
        groups = {key: dict(sums) for key, sums in self.groups.items()}
        for key, sums in other.groups.items():
            into = groups.setdefault(key, dict.fromkeys(GROUP_SUMS, 0))
            for name, amount in sums.items():
                into[name] = into.get(name, 0) + amount
        return Part([a + b for a, b in zip(self.values, other.values, strict=True)], groups)


@functools.cache
def _of_cases() -> Aggregates:
    """The aggregates over a list of cases (parameter `ids`), built once: the drain runs them per chunk."""
    return Aggregates.over([col(F.complaint_id).in_(bindparam("ids", expanding=True))])


@functools.cache
def _filings() -> Any:
    return select(F.complaint_id, F.created_at, F.category).where(
        col(F.complaint_id).in_(bindparam("ids", expanding=True))
    )


def contributions(session: Session, complaint_ids: Iterable[str]) -> dict[Target, Part]:
    """What these cases' facts, as they stand in the session now, add to each rollup row they count in: their
    category's row of their filing day and that day's all-category row. Cases without facts add nothing."""
    by_target: dict[Target, list[str]] = {}
    for cid, created_at, category in session.execute(_filings(), {"ids": list(complaint_ids)}):
        by_target.setdefault((created_at.date(), category or ""), []).append(cid)
    parts: dict[Target, Part] = {}
    for (day, category), ids in sorted(by_target.items()):
        params = {"ids": ids}
        values = aggregate_values(session, _of_cases(), params)
        assert values is not None  # the rows were just read
        part = Part(values, aggregate_groups(session, _of_cases(), params))
        parts[(day, category)] = part
        parts[(day, ALL)] = parts[(day, ALL)].plus(part) if (day, ALL) in parts else part
    return parts


@functools.cache
def _day_groups() -> Any:
    return select(G).where(
        col(G.day) == bindparam("day", type_=Date()), col(G.category) == bindparam("category", type_=String())
    )


def move(session: Session, old: dict[Target, Part], new: dict[Target, Part]) -> None:
    """Take the cases' old parts out of the rollups and put their new ones in, in the caller's transaction.

    The rows are adjusted, not re-aggregated. A row that is new (no part was ever added to it) or of another
    layout, or that does not hold the old part, is re-aggregated from the facts instead, which already hold
    the new values: a rollup that was stale or missing is made whole on the way.
    """
    for day, category in sorted(old.keys() | new.keys()):  # one lock order for every writer (as refresh_for)
        row = lock_day(session, day, category)
        if row.layout != LAYOUT or not row.totals.get("values"):
            refresh_day(session, day, category)
            continue
        out, into = old.get((day, category)), new.get((day, category))
        values = list(row.totals["values"])
        for part, sign in ((out, -1), (into, 1)):
            if part is not None:
                values = [v + sign * d for v, d in zip(values, part.values, strict=True)]
        if any(v < 0 for v in values):  # the row does not hold the old part: rebuild it
            refresh_day(session, day, category)
        elif values[KEYS.index("n")] == 0:
            session.execute(delete(G).where(col(G.day) == day, col(G.category) == category))
            session.delete(row)
        elif _move_groups(session, day, category, out, into):
            row.totals = {"layout": LAYOUT, "values": values}
            session.add(row)
        else:
            refresh_day(session, day, category)


def _move_groups(session: Session, day: date, category: str, out: Part | None, into: Part | None) -> bool:
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
