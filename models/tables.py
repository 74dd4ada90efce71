"""Database tables: the platform's records and the complaints read model.

Temporal holds each case's process; these tables hold what the platform books (ledger, penalties,
evidence) and a read model for lists and queues. Money is integer minor units; times are UTC.
Never pass these objects through Temporal: convert to the pydantic models in models.case.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


# Any, as sqlmodel's Field is: the result stands in for a column of whatever type the field declares.
def _ts(nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class Consumer(SQLModel, table=True):
    id: str = Field(primary_key=True)
    name: str
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    created_at: datetime = _ts()


class Merchant(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("deposit_minor >= 0", name="merchant_deposit_nonneg"),
        CheckConstraint("frozen_minor >= 0", name="merchant_frozen_nonneg"),
        CheckConstraint("frozen_minor <= deposit_minor", name="merchant_frozen_within_deposit"),
        CheckConstraint("deposit_required_minor >= 0", name="merchant_required_nonneg"),
    )

    id: str = Field(primary_key=True)
    name: str
    deposit_minor: int = 0
    frozen_minor: int = 0
    deposit_required_minor: int = 0
    risk_level: str = "low"
    trusted: bool = False
    listing_blocked_until: datetime | None = _ts(nullable=True)
    created_at: datetime = _ts()


class Order(SQLModel, table=True):
    __tablename__ = "orders"
    __table_args__ = (CheckConstraint("paid_minor >= 0", name="order_paid_nonneg"),)

    id: str = Field(primary_key=True)
    consumer_id: str = Field(foreign_key="consumer.id", index=True)
    merchant_id: str = Field(foreign_key="merchant.id", index=True)
    paid_minor: int
    currency: str = "CNY"
    placed_at: datetime = _ts()
    shipped_at: datetime | None = _ts(nullable=True)
    promised_by: datetime | None = _ts(nullable=True)
    delivered_at: datetime | None = _ts(nullable=True)
    carrier: str | None = None
    tracking_number: str | None = None
    tracking_status: str = "pending"


class OrderLine(SQLModel, table=True):
    __tablename__ = "order_line"
    __table_args__ = (
        CheckConstraint("paid_minor >= 0", name="order_line_paid_nonneg"),
        CheckConstraint("quantity > 0", name="order_line_quantity_pos"),
    )

    id: str = Field(primary_key=True)
    order_id: str = Field(foreign_key="orders.id", index=True)
    sku: str = Field(index=True)
    title: str
    category: str
    quantity: int = 1
    paid_minor: int


class Complaint(SQLModel, table=True):
    """The read model of a case: written only by the workflow's activities."""

    __table_args__ = (
        CheckConstraint("escalation_level >= 0", name="complaint_escalation_nonneg"),
        CheckConstraint("refunded_minor >= 0", name="complaint_refunded_nonneg"),
        Index("ix_complaint_stage_severity", "stage", "severity"),
        Index("ix_complaint_merchant_created", "merchant_id", "created_at"),
        Index("ix_complaint_sku_created", "sku", "created_at"),
        Index("ix_complaint_line_open", "order_line_id", "is_open"),
        # The default list (open cases, newest first): deep pages walk it instead of sorting every open case.
        Index("ix_complaint_open_created", "is_open", "created_at"),
    )

    id: str = Field(primary_key=True)
    workflow_id: str = Field(unique=True)
    consumer_id: str = Field(foreign_key="consumer.id", index=True)
    merchant_id: str | None = Field(default=None, foreign_key="merchant.id")
    # No foreign keys to orders: a complaint about an order that does not exist is still recorded (rejected).
    order_id: str = Field(index=True)
    order_line_id: str | None = None
    sku: str | None = None
    channel: str = "app"
    stage: str = Field(index=True)
    is_open: bool = Field(default=True, index=True)
    type: str | None = Field(default=None, index=True)
    dispute_class: str | None = None
    severity: str | None = None
    tier: str | None = None
    liability: str | None = None
    sla_clock: str | None = None
    sla_due_at: datetime | None = _ts(nullable=True, index=True)
    sla_paused: bool = False
    # A clock still held that has missed its deadline (re-armed or exhausted): the case stays overdue.
    sla_breached: bool = Field(default=False, index=True)
    escalation_level: int = Field(default=0, index=True)
    priority: int = 0
    assignee: str | None = Field(default=None, index=True)
    policy_version: str = "default"
    refunded_minor: int = 0
    outcome: str | None = None
    root_cause: str | None = None
    last_seq: int = 0
    created_at: datetime = _ts(index=True)
    updated_at: datetime = _ts()
    closed_at: datetime | None = _ts(nullable=True)


class EvidenceItem(SQLModel, table=True):
    __tablename__ = "evidence_item"

    id: str = Field(primary_key=True, description="complaint id + evidence id: the idempotency key")
    complaint_id: str = Field(foreign_key="complaint.id", index=True)
    party: str
    kind: str
    description: str = ""
    attachment_ref: str
    sha256: str = Field(max_length=64)
    submitted_by: str
    submitted_at: datetime = _ts()


class Offer(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("refund_minor >= 0", name="offer_refund_nonneg"),
        CheckConstraint("gift_coupon_minor >= 0", name="offer_gift_nonneg"),
        CheckConstraint("gift_points >= 0", name="offer_points_nonneg"),
    )

    id: str = Field(primary_key=True)
    complaint_id: str = Field(foreign_key="complaint.id", index=True)
    tier: str
    refund_mode: str
    refund_minor: int
    gift_coupon_minor: int = 0
    gift_points: int = 0
    reship: bool = False
    platform_advance: bool = False
    status: str
    made_by: str
    made_at: datetime = _ts()
    responded_at: datetime | None = _ts(nullable=True)


class LedgerEntry(SQLModel, table=True):
    """Money moved. The idempotency key makes a retried payment a no-op, never a second payment."""

    __tablename__ = "ledger_entry"
    __table_args__ = (
        CheckConstraint("amount_minor >= 0", name="ledger_amount_nonneg"),
        # Points are counted in points, never as CNY minor units: the unit follows the kind.
        CheckConstraint("kind = 'reversal' OR ((kind = 'points') = (currency = 'POINTS'))", name="ledger_points_unit"),
        # An entry is reversed at most once, whatever key the second reversal carries (NULLs are distinct).
        Index("ux_ledger_entry_reverses_key", "reverses_key", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True)
    complaint_id: str = Field(foreign_key="complaint.id", index=True)
    merchant_id: str | None = Field(default=None, foreign_key="merchant.id", index=True)
    kind: str
    amount_minor: int
    currency: str = "CNY"
    payer: str
    payee: str
    reverses_key: str | None = None
    reference: str | None = None
    # The order line the money is for: consumer money (refunds, platform advances) counts against its cap.
    order_line_id: str | None = Field(default=None, index=True)
    created_at: datetime = _ts()


class ConsumerLineTotal(SQLModel, table=True):
    """Money to the consumer for one order line, across every case and round: never above what was paid.

    The payment gateway adds each refund or platform advance here in the transaction that books it, and
    takes a reversal off again; the CHECK refuses the write that would pay more than the line's price.
    """

    __tablename__ = "consumer_line_total"
    __table_args__ = (
        CheckConstraint("refunded_minor >= 0", name="consumer_line_refunded_nonneg"),
        CheckConstraint("refunded_minor <= paid_minor", name="consumer_line_refunded_le_paid"),
    )

    order_line_id: str = Field(primary_key=True)
    paid_minor: int
    refunded_minor: int = 0


class Penalty(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("deduction_minor >= 0", name="penalty_deduction_nonneg"),
        CheckConstraint("deposit_multiplier >= 1", name="penalty_multiplier_pos"),
    )

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True)
    complaint_id: str = Field(foreign_key="complaint.id", index=True)
    merchant_id: str = Field(foreign_key="merchant.id", index=True)
    deduction_minor: int
    listing_blocked_until: datetime = _ts()
    repeat_offender: bool = False
    deposit_multiplier: int = 1
    created_at: datetime = _ts()


class RectificationInterview(SQLModel, table=True):
    """A repeat offender's rectification interview: a supervisor task with its own deadline.

    Booked with the penalty that calls for it (same transaction); it outlives the case, which may close long
    before the interview is held. Held once, by a named supervisor; a missed deadline is escalated once.
    """

    __tablename__ = "rectification_interview"
    __table_args__ = (
        CheckConstraint(
            "(held_at IS NULL AND held_by IS NULL) OR (held_at IS NOT NULL AND held_by IS NOT NULL)",
            name="interview_held_by_someone",
        ),
    )

    id: str = Field(primary_key=True, description="the penalty's idempotency key: one interview per penalty")
    complaint_id: str = Field(foreign_key="complaint.id", index=True)
    merchant_id: str = Field(foreign_key="merchant.id", index=True)
    due_at: datetime = _ts(index=True)
    created_at: datetime = _ts()
    held_at: datetime | None = _ts(nullable=True)
    held_by: str | None = None
    notes: str = ""
    overdue_escalated_at: datetime | None = _ts(nullable=True)


class Reshipment(SQLModel, table=True):
    id: str = Field(primary_key=True, description="complaint id + offer id")
    complaint_id: str = Field(foreign_key="complaint.id", index=True)
    ship_by: datetime = _ts()
    carrier: str | None = None
    tracking_number: str | None = None
    shipped_at: datetime | None = _ts(nullable=True)


class Survey(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("complaint_id", "round", name="survey_one_per_round"),
        CheckConstraint("resolved_score IS NULL OR (resolved_score BETWEEN 0 AND 100)", name="survey_resolved_range"),
        CheckConstraint(
            "communication_score IS NULL OR (communication_score BETWEEN 0 AND 100)", name="survey_communication_range"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: str = Field(foreign_key="complaint.id", index=True)
    round: int = 1
    sent_at: datetime = _ts()
    due_at: datetime = _ts()
    answered_at: datetime | None = _ts(nullable=True)
    resolved_score: int | None = None
    communication_score: int | None = None


class SlaBreach(SQLModel, table=True):
    __tablename__ = "sla_breach"

    id: str = Field(primary_key=True, description="complaint id + clock + level: the idempotency key")
    complaint_id: str = Field(foreign_key="complaint.id", index=True)
    clock: str
    level: int
    due_at: datetime = _ts()
    breached_at: datetime = _ts()
    recorded_at: datetime = _ts()


class Notification(SQLModel, table=True):
    """Outbox of the database-backed notification adapter."""

    id: str = Field(primary_key=True, description="idempotency key")
    complaint_id: str | None = Field(default=None, index=True)
    recipient: str
    template: str
    body: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _ts()


class AuditLog(SQLModel, table=True):
    """Append-only, hash-chained: each row's hash covers its content and the previous row's hash."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    event_key: str = Field(unique=True, description="complaint id + seq, or a request id: idempotency")
    complaint_id: str | None = Field(default=None, index=True)
    at: datetime = _ts(index=True)
    actor_kind: str
    actor_id: str
    action: str
    reason: str = ""
    stage_before: str | None = None
    stage_after: str | None = None
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    prev_hash: str
    hash: str = Field(unique=True)


class User(SQLModel, table=True):
    __tablename__ = "app_user"

    id: str = Field(primary_key=True)
    username: str = Field(unique=True)
    hashed_password: str
    role: str
    consumer_id: str | None = Field(default=None, foreign_key="consumer.id")
    merchant_id: str | None = Field(default=None, foreign_key="merchant.id")
    active: bool = True
    created_at: datetime = _ts()


class IdempotencyRecord(SQLModel, table=True):
    """API Idempotency-Key: the first response is stored and replayed for retries."""

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("user_id", "key", name="idempotency_user_key"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: str
    key: str
    request_hash: str
    status_code: int | None = None
    response: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = _ts()


# Insights tables live in their own module; importing it here registers them on the same metadata.
from models.insight_tables import InsightCase, InsightDayTotals, InsightFlag, InsightOrderDay, MerchantStandingRecord  # noqa: E402,F401
