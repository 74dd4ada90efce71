"""Complaint and order-line counts per merchant, SKU and category over whole UTC days."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlmodel import Session, col

from insights.filters import InsightFilter, filed_at
from insights.orders import day_start
from models.enums import Stage
from models.insight_tables import InsightCase, InsightOrderDay


@dataclass
class PeriodCounts:
    """Counts of one period: complaints (rejected ones excluded) and order lines, by subject."""

    merchant_complaints: Counter[str] = field(default_factory=Counter)
    merchant_lines: Counter[str] = field(default_factory=Counter)
    merchant_category_lines: Counter[tuple[str, str]] = field(default_factory=Counter)
    sku_complaints: Counter[str] = field(default_factory=Counter)
    sku_lines: Counter[str] = field(default_factory=Counter)
    sku_owner: dict[str, tuple[str, str]] = field(default_factory=dict)  # sku -> (merchant, category)
    category_complaints: Counter[str] = field(default_factory=Counter)
    category_lines: Counter[str] = field(default_factory=Counter)


def period_counts(session: Session, first: date, last: date) -> PeriodCounts:
    """Days first..last inclusive."""
    out = PeriodCounts()
    start, end = day_start(first), day_start(last + timedelta(days=1))
    filed = filed_at(session, InsightFilter())  # every merchant: a table scan (insights.filters.filed_at)
    cases = (
        select(InsightCase.merchant_id, InsightCase.sku, InsightCase.category, func.count())
        .where(filed >= start, filed < end, col(InsightCase.stage) != Stage.REJECTED.value)
        .group_by(InsightCase.merchant_id, InsightCase.sku, InsightCase.category)
    )
    for merchant, sku, category, n in session.execute(cases):
        if merchant:
            out.merchant_complaints[merchant] += n
        if sku:
            out.sku_complaints[sku] += n
        if category:
            out.category_complaints[category] += n
    lines = (
        select(
            InsightOrderDay.grain,
            InsightOrderDay.merchant_id,
            InsightOrderDay.sku,
            InsightOrderDay.category,
            func.sum(InsightOrderDay.lines),
        )
        .where(
            col(InsightOrderDay.day) >= first,
            col(InsightOrderDay.day) <= last,
            col(InsightOrderDay.grain).in_(["sku", "merchant", "category"]),
        )
        .group_by(InsightOrderDay.grain, InsightOrderDay.merchant_id, InsightOrderDay.sku, InsightOrderDay.category)
    )
    for grain, merchant, sku, category, n in session.execute(lines):
        n = int(n)
        if grain == "sku":
            out.sku_lines[sku] += n
            out.sku_owner[sku] = (merchant, category)
        elif grain == "merchant":
            out.merchant_lines[merchant] += n
            out.merchant_category_lines[(merchant, category)] += n
        else:
            out.category_lines[category] += n
    return out


def main_category(counts: list[PeriodCounts], merchant: str) -> str | None:
    """The category in which the merchant sold the most order lines."""
    tally: Counter[str] = Counter()
    for c in counts:
        for (m, category), n in c.merchant_category_lines.items():
            if m == merchant:
                tally[category] += n
    return tally.most_common(1)[0][0] if tally else None
