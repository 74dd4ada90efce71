"""What each role sees of a case.

Consumers see their own cases in full; staff see everything except contact data and the filing's
free text, which live behind the audited personal-data endpoint. Merchants get a whitelist: the
facts they must act on, never the consumer's identity, contact data or free-text descriptions.
"""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from models.case import (
    CaseState,
    ClockState,
    EvidenceRequestState,
    ExecutionStep,
    LiabilityState,
    OfferState,
    PendingAction,
)
from models.enums import Category, ComplaintType, DisputeClass, Party, Role, Severity, Stage, Tier
from models.tables import Complaint
from seed.history import HISTORY_WORKFLOW_PREFIX as LEGACY_PREFIX


class MerchantComplaintSummary(BaseModel):
    """A read-model row as a merchant may see it."""

    model_config = ConfigDict(from_attributes=True)

    id: str = Field(examples=["CMP-O1001-L1-1"])
    merchant_id: str | None = Field(examples=["M001"])
    order_id: str = Field(examples=["O1001"])
    order_line_id: str | None = Field(None, examples=["O1001-L1"])
    sku: str | None = Field(None, examples=["SKU-TEA-01"])
    stage: Stage
    is_open: bool
    type: str | None = Field(None, examples=["quality_defect"])
    dispute_class: str | None = None
    severity: str | None = Field(None, examples=["B"])
    tier: str | None = None
    liability: str | None = None
    sla_clock: str | None = None
    sla_due_at: datetime | None = None
    sla_paused: bool = False
    escalation_level: int = 0
    refunded_minor: int = Field(0, description="integer minor units")
    outcome: str | None = None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None
    legacy: bool = Field(
        False,
        description="a seeded case from before the running system: no Temporal history "
        "and no audit records, read model and ledger only",
    )


class ComplaintSummary(MerchantComplaintSummary):
    """A read-model row for consumers and staff (ids only: the read model holds no contact data)."""

    consumer_id: str = Field(examples=["C001"])
    channel: str = Field(examples=["app"])
    priority: int = 0
    assignee: str | None = Field(None, examples=["user-agent1"])
    policy_version: str = Field(examples=["2026.12-default"])
    root_cause: str | None = None


class ComplaintPage(BaseModel):
    items: list[ComplaintSummary | MerchantComplaintSummary]
    total: int = Field(description="rows matching the filters, ignoring limit and offset", examples=[42])
    limit: int = Field(examples=[50])
    offset: int = Field(examples=[0])


class MerchantOrderFacts(BaseModel):
    order_id: str
    order_line_id: str
    sku: str
    category: Category
    paid_minor: int
    currency: str
    placed_at: datetime
    delivered_at: datetime | None = None
    carrier: str | None = None
    tracking_status: str | None = None


class MerchantClassification(BaseModel):
    type: ComplaintType
    dispute_class: DisputeClass
    severity: Severity


class MerchantEvidenceItem(BaseModel):
    """Evidence as the merchant sees it: what and when; the text only of the merchant's own items."""

    evidence_id: str
    party: Party
    kind: str
    attachment_ref: str
    sha256: str
    description: str | None = None
    submitted_at: datetime


class MerchantCaseState(BaseModel):
    complaint_id: str
    stage: Stage
    stage_entered_at: datetime
    created_at: datetime
    order_id: str
    order_line_id: str | None = None
    merchant_id: str | None = None
    order: MerchantOrderFacts | None = None
    classification: MerchantClassification | None = None
    evidence_requests: list[EvidenceRequestState] = []
    evidence: list[MerchantEvidenceItem] = []
    liability: LiabilityState | None = None
    tier: Tier | None = None
    offers: list[OfferState] = []
    execution: list[ExecutionStep] = []
    clocks: list[ClockState] = []
    escalation_level: int = 0
    outcome: str | None = None
    pending_actions: list[PendingAction] = []
    closed_at: datetime | None = None


class ComplaintDetail(BaseModel):
    complaint: ComplaintSummary | MerchantComplaintSummary | None = Field(
        description="the read model; null only in the moment between filing and the first record"
    )
    live: CaseState | MerchantCaseState | None = Field(
        description="the workflow's own state (with pending_actions: who acts next, by when); null when "
        "Temporal is unreachable, see live_error"
    )
    live_error: str | None = Field(None, examples=[None])


def summary_for(row: Complaint, role: Role) -> ComplaintSummary | MerchantComplaintSummary:
    model = MerchantComplaintSummary if role == Role.MERCHANT else ComplaintSummary
    return model.model_validate(row).model_copy(update={"legacy": row.workflow_id.startswith(LEGACY_PREFIX)})


def merchant_state(state: CaseState) -> MerchantCaseState:
    order = MerchantOrderFacts.model_validate(state.order.model_dump()) if state.order else None
    classification = (
        MerchantClassification.model_validate(state.classification.model_dump()) if state.classification else None
    )
    evidence = [
        MerchantEvidenceItem(
            evidence_id=e.evidence_id,
            party=e.party,
            kind=e.item.kind,
            attachment_ref=e.item.attachment_ref,
            sha256=e.item.sha256,
            submitted_at=e.submitted_at,
            description=e.item.description if e.party == Party.MERCHANT else None,
        )
        for e in state.evidence
    ]
    offers = [o.model_copy(update={"note": ""}) for o in state.offers]
    data: dict[str, Any] = {
        name: getattr(state, name)
        for name in MerchantCaseState.model_fields
        if name not in ("order", "classification", "evidence", "offers")
    }
    return MerchantCaseState(**data, order=order, classification=classification, evidence=evidence, offers=offers)


def state_for(state: CaseState, role: Role) -> CaseState | MerchantCaseState:
    return merchant_state(state) if role == Role.MERCHANT else state
