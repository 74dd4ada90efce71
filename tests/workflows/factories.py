"""Test data: each test makes its own consumer, merchant and order, so tests never share state."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from audit.case_driver import Parties
from core.db import session_scope
from models.case import Actor
from models.enums import Role
from models.tables import Consumer, Merchant, Order, OrderLine


def make_order(
    engine: Engine,
    *,
    category: str = "electronics",
    paid_minor: int = 19900,
    lines: int = 1,
    delivered_days_ago: float | None = 2,
    tracking: str = "delivered",
    late: bool = False,
    deposit_minor: int = 500_000,
    now: datetime | None = None,
) -> Parties:
    now = now or datetime.now(UTC)
    tag = uuid.uuid4().hex[:8]
    who = Parties(
        consumer=Actor(id=f"C-{tag}", role=Role.CONSUMER),
        merchant=Actor(id=f"M-{tag}", role=Role.MERCHANT),
        order_id=f"O-{tag}",
        line_ids=tuple(f"O-{tag}-L{i + 1}" for i in range(lines)),
    )
    placed = now - timedelta(days=(delivered_days_ago or 0) + 3)
    with session_scope(engine) as s:
        s.add(
            Consumer(
                id=who.consumer.id,
                name="Li Lei",
                phone="13800138000",
                address="1 Nanjing Rd, Shanghai",
                created_at=placed,
            )
        )
        s.add(
            Merchant(
                id=who.merchant.id,
                name="Shop " + tag,
                deposit_minor=deposit_minor,
                deposit_required_minor=deposit_minor,
                created_at=placed,
            )
        )
        s.flush()
        s.add(
            Order(
                id=who.order_id,
                consumer_id=who.consumer.id,
                merchant_id=who.merchant.id,
                paid_minor=paid_minor * lines,
                placed_at=placed,
                shipped_at=placed + timedelta(hours=12),
                promised_by=placed + timedelta(days=1 if late else 5),
                delivered_at=None if delivered_days_ago is None else now - timedelta(days=delivered_days_ago),
                carrier="SF",
                tracking_number="SF" + tag,
                tracking_status=tracking,
            )
        )
        s.flush()
        for i, line_id in enumerate(who.line_ids):
            s.add(
                OrderLine(
                    id=line_id,
                    order_id=who.order_id,
                    sku=f"SKU-{tag}-{i}",
                    title="Item",
                    category=category,
                    quantity=1,
                    paid_minor=paid_minor,
                )
            )
    return who
