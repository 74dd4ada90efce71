"""Order lines placed per UTC day: the denominators of complaint rates, at three grains.

Counted from `orders` + `order_line` (the platform's order records) and stored in `insight_order_day`
so a rate over months reads a few thousand rows, not millions of order lines. Each scan re-counts the
last `insights.order_refresh_days` days (orders may be recorded late); `rebuild` re-counts everything.
"""

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Engine

from core.db import session_scope
from models.insight_tables import InsightOrderDay
from models.tables import Order, OrderLine

GRAINS = ("sku", "merchant", "category")


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def refresh_days(engine: Engine, first: date, last: date) -> int:
    """Re-count the order lines placed on days first..last (inclusive); the number of rollup rows written."""
    counts: Counter[tuple[str, date, str, str, str]] = Counter()
    with session_scope(engine) as session:
        rows = session.execute(
            select(Order.placed_at, Order.merchant_id, OrderLine.sku, OrderLine.category)
            .join(OrderLine, OrderLine.order_id == Order.id)
            .where(Order.placed_at >= day_start(first), Order.placed_at < day_start(last + timedelta(days=1)))
        )
        for placed_at, merchant_id, sku, category in rows:
            day = placed_at.astimezone(UTC).date()
            counts[("sku", day, merchant_id, sku, category)] += 1
            counts[("merchant", day, merchant_id, "", category)] += 1
            counts[("category", day, "", "", category)] += 1
        session.execute(delete(InsightOrderDay).where(InsightOrderDay.day >= first, InsightOrderDay.day <= last))
        values = [
            dict(grain=g, day=d, merchant_id=m, sku=s, category=c, lines=n) for (g, d, m, s, c), n in counts.items()
        ]
        for start in range(0, len(values), 10_000):
            session.execute(insert(InsightOrderDay), values[start : start + 10_000])
    return len(counts)


def rebuild(engine: Engine) -> int:
    """Re-count every day that has orders, a year at a time."""
    with session_scope(engine) as session:
        first, last = session.execute(select(func.min(Order.placed_at), func.max(Order.placed_at))).one()
        session.execute(delete(InsightOrderDay))
    if first is None:
        return 0
    written, day, end = 0, first.astimezone(UTC).date(), last.astimezone(UTC).date()
    while day <= end:
        upto = min(day + timedelta(days=365), end)
        written += refresh_days(engine, day, upto)
        day = upto + timedelta(days=1)
    return written
