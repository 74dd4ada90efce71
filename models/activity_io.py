"""Inputs and outputs of activities: plain pydantic, safe to pass through Temporal."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from models.case import EvidenceRef, OfferState, TransitionRecord
from models.enums import LedgerKind, Party
from models.platform import OrderRecord


class ImpactQuery(BaseModel):
    complaint_id: str
    merchant_id: str
    sku: str
    since: datetime


class ImpactCounts(BaseModel):
    open_on_merchant: int
    open_on_sku: int


class EvidenceRecord(BaseModel):
    complaint_id: str
    evidence_id: str
    party: Party
    item: EvidenceRef
    submitted_by: str
    at: datetime


class OfferRecord(BaseModel):
    complaint_id: str
    offer: OfferState


class BreachRecord(BaseModel):
    complaint_id: str
    clock: str
    level: int
    due_at: datetime
    breached_at: datetime


class SurveyRecord(BaseModel):
    complaint_id: str
    round: int
    sent_at: datetime
    due_at: datetime
    answered_at: datetime | None = None
    resolved_score: int | None = None
    communication_score: int | None = None


class ReshipmentRecord(BaseModel):
    key: str
    complaint_id: str
    ship_by: datetime
    carrier: str | None = None
    tracking_number: str | None = None
    shipped_at: datetime | None = None


class NotificationRequest(BaseModel):
    key: str
    recipient: str
    template: str
    complaint_id: str | None = None
    body: dict[str, Any] = {}


class MoneyMovement(BaseModel):
    key: str
    complaint_id: str
    kind: LedgerKind
    amount_minor: int
    payer: str
    payee: str
    merchant_id: str | None = None
    reference: str | None = None
    # Refunds and platform advances count against the line's price, across every round of every case.
    order_line_id: str | None = None
    line_paid_minor: int | None = None


class DepositHold(BaseModel):
    key: str
    complaint_id: str
    merchant_id: str
    amount_minor: int


class StandingQuery(BaseModel):
    merchant_id: str
    since: datetime


class PenaltyOrder(BaseModel):
    key: str
    complaint_id: str
    merchant_id: str
    deduction_minor: int
    listing_blocked_until: datetime
    deposit_multiplier: int
    repeat_offender: bool
    # A repeat offender's rectification interview, booked with the penalty (None: none is called for).
    rectification_interview_due: datetime | None = None


class ReversalOrder(BaseModel):
    key: str
    original_key: str


class OrderLookupResult(BaseModel):
    order: OrderRecord | None = None


class StepWrite(BaseModel):
    """One write of a step, exactly one field set: the batched form of the record and notification
    activities' inputs (patch `batched-step-writes`, docs/VERSIONING.md)."""

    transition: TransitionRecord | None = None
    evidence: EvidenceRecord | None = None
    offer: OfferRecord | None = None
    breach: BreachRecord | None = None
    survey: SurveyRecord | None = None
    reshipment: ReshipmentRecord | None = None
    notification: NotificationRequest | None = None

    @classmethod
    def of(cls, record: BaseModel) -> "StepWrite":
        for name, kind in cls.model_fields.items():
            if kind.annotation == type(record) | None:
                return cls.model_validate({name: record})  # a model instance is taken as it is, not copied
        raise TypeError(f"{type(record).__name__} is not a step write")

    def record(self) -> BaseModel:
        """The one write this holds."""
        held = [value for name in type(self).model_fields if (value := getattr(self, name)) is not None]
        if len(held) != 1:
            raise ValueError(f"a step write holds one record, not {len(held)}")
        record: BaseModel = held[0]
        return record


# The activity that writes a StepWrites batch (activities/records.py); the audit tools find batches by it.
BATCH_ACTIVITY = "record_step_writes"
# Each kind of step write, by its StepWrite field, and the activity that writes it alone (the same names
# as in histories from before the batch, so the audit tools name a batched write as they named it then).
WRITE_ACTIVITIES: dict[str, str] = {
    "transition": "record_transition",
    "evidence": "record_evidence",
    "offer": "record_offer",
    "breach": "record_breach",
    "survey": "record_survey",
    "reshipment": "record_reshipment",
    "notification": "send_notification",
}


class StepWrites(BaseModel):
    """The writes one workflow task of a case makes, in order: one local activity, one transaction.

    The activity returns it whole, so the history's marker holds every record (the audit reads them there)."""

    complaint_id: str
    writes: list[StepWrite]
