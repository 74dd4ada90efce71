"""The classify activity counts complaints and orders in the window for group impact (SQLite and PostgreSQL)."""

from datetime import timedelta

from sqlmodel import select
from temporalio.testing import ActivityEnvironment

from activities.classify import ClassifyActivities
from core.db import session_scope
from models.classify_io import ClassifyRequest
from models.enums import Category
from models.policy import ClassificationPolicy
from models.tables import Complaint, OrderLine
from tests.data.factories import NOW, add_consumer, add_merchant, add_order, uid
from tests.policy.builders import order_facts


def _complaint(engine, consumer: str, merchant: str, order: str, sku: str, at=NOW) -> str:
    complaint_id = uid("CP")
    with session_scope(engine) as session:
        session.add(
            Complaint(
                id=complaint_id,
                workflow_id=f"complaint-{complaint_id}",
                consumer_id=consumer,
                merchant_id=merchant,
                order_id=order,
                sku=sku,
                stage="evidence",
                created_at=at,
                updated_at=at,
            )
        )
    return complaint_id


def test_a_sku_with_many_complaints_per_order_is_a_group_and_the_rate_is_explained(engine):
    consumer, merchant = add_consumer(engine), add_merchant(engine)
    orders = [add_order(engine, consumer, merchant) for _ in range(20)]  # each has one line of SKU-0
    sku = f"SKU-0-{merchant}"
    # the factory's SKU name is shared by every test in the session: this test's orders get their own
    with session_scope(engine) as session:
        for line in session.exec(select(OrderLine).where(OrderLine.order_id.in_(orders))):
            line.sku = sku
            session.add(line)
    for order in orders[:3]:
        _complaint(engine, consumer, merchant, order, sku)
    _complaint(engine, consumer, merchant, orders[3], sku, at=NOW - timedelta(days=30))  # outside the window
    this = _complaint(engine, consumer, merchant, orders[4], sku)

    request = ClassifyRequest(
        complaint_id=this,
        description="屏幕有坏点",
        policy=ClassificationPolicy(),
        group_since=NOW - timedelta(days=7),
        order=order_facts(merchant_id=merchant, sku=sku, category=Category.ELECTRONICS),
    )
    result = ActivityEnvironment().run(ClassifyActivities(engine).classify_complaint, request)
    assert result.group_impact
    assert "SKU: 4 complaints / 20 orders in 7 days = 20.0% ≥ threshold 5.0% → group impact" in result.rules_fired
    assert any(rule.startswith("merchant: 4 complaints / 20 orders") for rule in result.rules_fired)
