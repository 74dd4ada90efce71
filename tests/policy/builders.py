"""Small builders for policy tests: realistic orders and classifications with overridable fields."""

from datetime import UTC, datetime

from models.case import ClassificationResult, EvidenceRef, OrderFacts
from models.enums import Category, ComplaintType, DisputeClass, Severity
from models.platform import OrderLineRecord, OrderRecord

T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)  # a Monday


def line(line_id: str = "L1", category: str = "electronics", paid_minor: int = 10_000) -> OrderLineRecord:
    return OrderLineRecord(
        id=line_id, sku=f"SKU-{line_id}", title="item", category=category, quantity=1, paid_minor=paid_minor
    )


def order_record(**overrides) -> OrderRecord:
    fields = dict(
        id="O1",
        consumer_id="c1",
        merchant_id="m1",
        paid_minor=10_000,
        currency="CNY",
        placed_at=T0,
        carrier="SF",
        tracking_status="delivered",
        lines=[line()],
    )
    fields.update(overrides)
    return OrderRecord(**fields)


def order_facts(**overrides) -> OrderFacts:
    fields = dict(
        order_id="O1",
        order_line_id="L1",
        consumer_id="c1",
        merchant_id="m1",
        sku="SKU-L1",
        category=Category.ELECTRONICS,
        paid_minor=10_000,
        placed_at=T0,
        tracking_status="delivered",
    )
    fields.update(overrides)
    return OrderFacts(**fields)


def classification(
    ctype: ComplaintType = ComplaintType.QUALITY_DEFECT,
    severity: Severity = Severity.B,
    dispute_class: DisputeClass = DisputeClass.QUALITY,
) -> ClassificationResult:
    return ClassificationResult(type=ctype, dispute_class=dispute_class, severity=severity)


def evidence_ref(name: str = "photo-1") -> EvidenceRef:
    return EvidenceRef(kind="photo", attachment_ref=f"s3://evidence/{name}.jpg", sha256="a" * 64)
