"""Benchmark and drill data: one consumer, merchant and one-line order per case, inserted in bulk.

Each case gets its own order line (one open complaint per line) and its own merchant, so no two cases
contend for one deposit row: the figures measure the case machinery, not a hot merchant.
"""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from models.case import EvidenceRef
from models.tables import Consumer, Merchant, Order, OrderLine

PAID_MINOR = 19_900
DEPOSIT_MINOR = 500_000


@dataclass(frozen=True)
class Party:
    consumer_id: str
    merchant_id: str
    order_id: str
    line_id: str


def evidence_for(order_id: str) -> EvidenceRef:
    return EvidenceRef(
        kind="photo",
        description="close-up of the crack",
        attachment_ref=f"s3://ev/{order_id}.jpg",
        sha256=hashlib.sha256(order_id.encode()).hexdigest(),
    )


def make_parties(
    engine: Engine, count: int, *, category: str = "electronics", now: datetime | None = None
) -> list[Party]:
    """`count` delivered, paid, in-window electronics orders, each with its own consumer and merchant."""
    now = now or datetime.now(UTC)
    run = uuid.uuid4().hex[:6]
    parties = [Party(f"C-{run}-{i}", f"M-{run}-{i}", f"O-{run}-{i}", f"O-{run}-{i}-L1") for i in range(count)]
    placed = now - timedelta(days=5)
    with engine.begin() as conn:
        for start in range(0, count, 1000):
            chunk = parties[start : start + 1000]
            conn.execute(
                insert(Consumer),
                [
                    dict(
                        id=p.consumer_id,
                        name="Li Lei",
                        phone="13800138000",
                        address="1 Nanjing Rd, Shanghai",
                        created_at=placed,
                    )
                    for p in chunk
                ],
            )
            conn.execute(
                insert(Merchant),
                [
                    dict(
                        id=p.merchant_id,
                        name=f"Shop {p.merchant_id}",
                        deposit_minor=DEPOSIT_MINOR,
                        deposit_required_minor=DEPOSIT_MINOR,
                        created_at=placed,
                    )
                    for p in chunk
                ],
            )
            conn.execute(
                insert(Order),
                [
                    dict(
                        id=p.order_id,
                        consumer_id=p.consumer_id,
                        merchant_id=p.merchant_id,
                        paid_minor=PAID_MINOR,
                        placed_at=placed,
                        shipped_at=placed + timedelta(hours=12),
                        promised_by=placed + timedelta(days=5),
                        delivered_at=now - timedelta(days=2),
                        carrier="SF",
                        tracking_number=f"SF{p.order_id}",
                        tracking_status="delivered",
                    )
                    for p in chunk
                ],
            )
            conn.execute(
                insert(OrderLine),
                [
                    dict(
                        id=p.line_id,
                        order_id=p.order_id,
                        sku=f"SKU-{p.order_id}",
                        title="Phone",
                        category=category,
                        quantity=1,
                        paid_minor=PAID_MINOR,
                    )
                    for p in chunk
                ],
            )
    return parties
