"""Seeded histories for insights tests: merchants, order lines per day, complaints and their records."""

import itertools
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from core.db import session_scope
from models.tables import Complaint, Consumer, Merchant, Order, OrderLine

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
_ids = itertools.count(1)


def add_merchant(engine: Engine, merchant_id: str, *, deposit: int = 1_000_000, required: int = 100_000) -> None:
    with session_scope(engine) as session:
        if session.get(Consumer, "IC-1") is None:
            session.add(Consumer(id="IC-1", name="Test Consumer", created_at=NOW - timedelta(days=400)))
        session.add(
            Merchant(
                id=merchant_id,
                name=f"Shop {merchant_id}",
                deposit_minor=deposit,
                deposit_required_minor=required,
                created_at=NOW - timedelta(days=400),
            )
        )


def add_orders(engine: Engine, merchant_id: str, sku: str, category: str, day: datetime, count: int) -> list[str]:
    """`count` one-line orders placed on `day`; the order-line ids."""
    orders, lines = [], []
    for _ in range(count):
        n = next(_ids)
        oid = f"IO-{n}"
        orders.append(dict(id=oid, consumer_id="IC-1", merchant_id=merchant_id, paid_minor=10_000, placed_at=day))
        lines.append(
            dict(id=f"{oid}-L1", order_id=oid, sku=sku, title="Item", category=category, quantity=1, paid_minor=10_000)
        )
    with session_scope(engine) as session:
        session.execute(insert(Order), orders)
        session.execute(insert(OrderLine), lines)
    return [line["id"] for line in lines]


def add_complaints(
    engine: Engine, merchant_id: str, sku: str, line_ids: list[str], created_at: datetime, **fields: object
) -> list[str]:
    """One read-model row per order line, filed at `created_at`; returns the complaint ids."""
    ids = []
    with session_scope(engine) as session:
        for line_id in line_ids:
            cid = f"ICMP-{next(_ids)}"
            values = (
                dict(
                    id=cid,
                    workflow_id=f"complaint-{cid}",
                    consumer_id="IC-1",
                    merchant_id=merchant_id,
                    order_id=line_id.removesuffix("-L1"),
                    order_line_id=line_id,
                    sku=sku,
                    stage="closed",
                    is_open=False,
                    type="quality_defect",
                    dispute_class="quality",
                    severity="B",
                    created_at=created_at,
                    updated_at=created_at,
                    closed_at=created_at + timedelta(days=2),
                    root_cause="merchant_product",
                )
                | fields
            )
            session.add(Complaint(**values))
            ids.append(cid)
    return ids


def weekly_history(
    engine: Engine,
    merchant_id: str,
    sku: str,
    category: str,
    *,
    lines_per_week: int,
    complaints_per_week: list[int],
    end: datetime = NOW,
) -> None:
    """Whole weeks of UTC days ending with end's day (the scan's current window is the last week):
    orders every day at 10:00, that week's complaints filed on its third day."""
    weeks = len(complaints_per_week)
    first_day = datetime.combine(end.date(), datetime.min.time(), tzinfo=UTC) - timedelta(days=7 * weeks - 1)
    for week, complaints in enumerate(complaints_per_week):
        start = first_day + timedelta(days=7 * week)
        line_ids: list[str] = []
        for day in range(7):
            line_ids += add_orders(
                engine,
                merchant_id,
                sku,
                category,
                start + timedelta(days=day, hours=10),
                lines_per_week // 7 + (1 if day < lines_per_week % 7 else 0),
            )
        add_complaints(engine, merchant_id, sku, line_ids[:complaints], start + timedelta(days=2, hours=11))
