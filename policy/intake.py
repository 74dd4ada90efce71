"""Intake checks: does the complaint link a real person, order and matter, and what is missing?"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from models.case import EvidenceRef, OrderFacts
from models.enums import Category, TrackingStatus
from models.platform import OrderLineRecord, OrderRecord
from models.policy import Policy
from policy.classification import detect_type

PERISHABLE_CATEGORIES = frozenset({Category.FRESH, Category.FOOD})
_TRACKING_TROUBLE = frozenset({TrackingStatus.OVERDUE, TrackingStatus.ABNORMAL, TrackingStatus.LOST})


@dataclass(frozen=True)
class IntakeCheck:
    valid: bool
    rejection: str | None
    missing: list[str] = field(default_factory=list)
    order: OrderFacts | None = None


def check_intake(
    *,
    consumer_id: str,
    order: OrderRecord | None,
    order_line_id: str | None,
    description: str,
    evidence: list[EvidenceRef],
    filed_at: datetime,
    policy: Policy,
) -> IntakeCheck:
    """Reject what can never become a case; list what the consumer or an agent still has to supply."""
    if order is None:
        return _rejected("order not found")
    if order.consumer_id != consumer_id:
        return _rejected("order does not belong to the consumer")
    if not order.lines:
        return _rejected(f"order {order.id} has no order lines to complain about")

    missing = []
    line = _line(order, order_line_id)
    if order_line_id is not None and line is None:
        return _rejected(f"order line {order_line_id} is not part of order {order.id}")
    if line is None:
        missing.append("order_line")
    else:
        window_closed = _after_sales_window_closed(order, line, filed_at, policy)
        if window_closed:
            return _rejected(window_closed)

    if not description.strip():
        missing.append("description")
    ctype, _ = detect_type(description, policy.classification)
    if ctype in policy.intake.evidence_required_for and not evidence:
        missing.append("evidence")

    facts = None if line is None else order_facts(order, line, filed_at)
    return IntakeCheck(valid=True, rejection=None, missing=missing, order=facts)


def _rejected(reason: str) -> IntakeCheck:
    return IntakeCheck(valid=False, rejection=reason, missing=[], order=None)


def _line(order: OrderRecord, order_line_id: str | None) -> OrderLineRecord | None:
    if order_line_id is None:
        # A one-line order leaves nothing to choose.
        return order.lines[0] if len(order.lines) == 1 else None
    return next((line for line in order.lines if line.id == order_line_id), None)


def category_of(raw: str) -> Category:
    """The order system's category, or OTHER for one the policy does not know (its rules then apply)."""
    try:
        return Category(raw.strip().lower())
    except ValueError:
        return Category.OTHER


def _after_sales_window_closed(
    order: OrderRecord, line: OrderLineRecord, filed_at: datetime, policy: Policy
) -> str | None:
    category = category_of(line.category)
    windows = policy.intake.after_sales_window_days
    days = windows.get(category, windows.get(Category.OTHER))
    if days is None:
        return None  # the operator set no window for this category: complaints stay open-ended
    counted_from, event = (order.delivered_at, "delivery") if order.delivered_at else (order.placed_at, "order")
    closes_at = counted_from + timedelta(days=days)
    if filed_at <= closes_at:
        return None
    return (
        f"the {days}-day after-sales window for {category.value} closed at {closes_at.isoformat()} "
        f"({days} days after {event})"
    )


def order_facts(order: OrderRecord, line: OrderLineRecord, filed_at: datetime) -> OrderFacts:
    category = category_of(line.category)
    return OrderFacts(
        order_id=order.id,
        order_line_id=line.id,
        consumer_id=order.consumer_id,
        merchant_id=order.merchant_id,
        sku=line.sku,
        category=category,
        paid_minor=line.paid_minor,
        currency=order.currency,
        placed_at=order.placed_at,
        delivered_at=order.delivered_at,
        carrier=order.carrier,
        tracking_status=order.tracking_status,
        perishable_late=category in PERISHABLE_CATEGORIES and _shipment_late(order, filed_at),
    )


def _shipment_late(order: OrderRecord, filed_at: datetime) -> bool:
    if order.tracking_status in _TRACKING_TROUBLE:
        return True
    if order.promised_by is None:
        return False
    if order.delivered_at is not None:
        return order.delivered_at > order.promised_by
    return filed_at > order.promised_by
