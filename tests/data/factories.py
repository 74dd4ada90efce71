"""Rows the data tests build on. Each call makes fresh ids: the databases are shared per session."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from core.db import session_scope
from models.tables import Complaint, Consumer, Merchant, Order, OrderLine

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def add_merchant(
    engine: Engine, deposit_minor: int = 100_000, frozen_minor: int = 0, required_minor: int = 100_000
) -> str:
    merchant_id = uid("M")
    with session_scope(engine) as session:
        session.add(
            Merchant(
                id=merchant_id,
                name="测试小店",
                deposit_minor=deposit_minor,
                frozen_minor=frozen_minor,
                deposit_required_minor=required_minor,
                created_at=NOW,
            )
        )
    return merchant_id


def add_consumer(engine: Engine) -> str:
    consumer_id = uid("C")
    with session_scope(engine) as session:
        session.add(Consumer(id=consumer_id, name="测试用户", phone="13800000000", created_at=NOW))
    return consumer_id


def add_order(engine: Engine, consumer_id: str, merchant_id: str, lines: int = 1) -> str:
    order_id = uid("O")
    with session_scope(engine) as session:
        session.add(
            Order(id=order_id, consumer_id=consumer_id, merchant_id=merchant_id, paid_minor=1000 * lines, placed_at=NOW)
        )
        session.flush()
        for n in range(lines):
            session.add(
                OrderLine(
                    id=f"{order_id}-L{n + 1}",
                    order_id=order_id,
                    sku=f"SKU-{n}",
                    title="商品",
                    category="home",
                    paid_minor=1000,
                )
            )
    return order_id


@dataclass(frozen=True)
class World:
    consumer: str
    merchant: str
    order: str
    complaint: str


def add_world(engine: Engine, merchant_id: str | None = None) -> World:
    """A complaint row (the read model) with its consumer, merchant and order: most tables refer to it."""
    consumer_id = add_consumer(engine)
    merchant_id = merchant_id or add_merchant(engine)
    order_id = add_order(engine, consumer_id, merchant_id)
    complaint_id = uid("CP")
    with session_scope(engine) as session:
        session.add(
            Complaint(
                id=complaint_id,
                workflow_id=f"complaint-{complaint_id}",
                consumer_id=consumer_id,
                merchant_id=merchant_id,
                order_id=order_id,
                order_line_id=f"{order_id}-L1",
                stage="intake",
                created_at=NOW,
                updated_at=NOW,
            )
        )
    return World(consumer_id, merchant_id, order_id, complaint_id)


def add_complaint(engine: Engine, merchant_id: str | None = None) -> str:
    return add_world(engine, merchant_id).complaint
