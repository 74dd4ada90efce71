"""Pydantic models that cross the Temporal boundary: workflow input, update payloads, query results.

The API builds these from requests, the workflow consumes them, activities receive slices of them.
Personal data (contact details, free text) travels only inside these payloads, which the payload
codec encrypts; search attributes and the read model's indexed columns never carry it.
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from models import limits
from models.enums import (
    ActorKind,
    Category,
    ClockName,
    ComplaintType,
    DisputeClass,
    OfferStatus,
    Outcome,
    Party,
    RefundMode,
    Role,
    Severity,
    Stage,
    SupervisorDecision,
    Tier,
)
from models.policy import Policy

Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=limits.REF_CHARS)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=limits.DESCRIPTION_CHARS)]
Score = Annotated[int, Field(ge=0, le=100, strict=True)]
Minor = Annotated[int, Field(ge=0, description="money in integer minor units (fen, cents)")]
# Money a client sends: a JSON integer, never "100" or 100.0 or true.
StrictMinor = Annotated[int, Field(ge=0, strict=True, description="money in integer minor units (fen, cents)")]


Id = Annotated[str, StringConstraints(min_length=1, max_length=limits.ID_CHARS)]
# Free text of at most so many characters (may be empty).
Note = Annotated[str, StringConstraints(max_length=limits.NOTE_CHARS)]
Comment = Annotated[str, StringConstraints(max_length=limits.COMMENT_CHARS)]
Description = Annotated[str, StringConstraints(max_length=limits.DESCRIPTION_CHARS)]
PersonName = Annotated[str, StringConstraints(max_length=limits.NAME_CHARS)]
Phone = Annotated[str, StringConstraints(max_length=limits.PHONE_CHARS)]
Email = Annotated[str, StringConstraints(max_length=limits.EMAIL_CHARS)]
Address = Annotated[str, StringConstraints(max_length=limits.ADDRESS_CHARS)]
EvidenceList = Annotated[list["EvidenceRef"], Field(max_length=limits.EVIDENCE_PER_FILING)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Actor(_Model):
    """Who performs an action. The API fills it from the token, never from the request body."""

    id: Id
    role: Role

    @property
    def kind(self) -> ActorKind:
        return ActorKind(self.role.value) if self.role.value in ActorKind.__members__.values() else ActorKind.SYSTEM


class Contact(_Model):
    """Personal data: encrypted in Temporal payloads, never in search attributes."""

    name: PersonName | None = None
    phone: Phone | None = None
    email: Email | None = None
    address: Address | None = None


class EvidenceRef(_Model):
    kind: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=limits.KIND_CHARS)] = Field(
        examples=["photo"]
    )
    description: Comment = ""
    attachment_ref: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=limits.ATTACHMENT_REF_CHARS)
    ] = Field(examples=["s3://evidence/c-1/photo-1.jpg"])
    sha256: Sha256


class OrderFacts(_Model):
    """What intake pulled from the order system: the 'order' of person-order-matter."""

    order_id: str
    order_line_id: str
    consumer_id: str
    merchant_id: str
    sku: str
    category: Category
    paid_minor: Minor
    currency: str = "CNY"
    placed_at: datetime
    delivered_at: datetime | None = None
    carrier: str | None = None
    tracking_status: str | None = None
    perishable_late: bool = False


class CaseInput(_Model):
    """Workflow input. The policy snapshot rides along so the case keeps the rules it started with."""

    complaint_id: Annotated[str, StringConstraints(max_length=limits.REF_CHARS)]
    consumer_id: Id
    order_id: Id
    order_line_id: Id | None = None
    channel: Literal["app", "web", "hotline", "chat", "email", "social"] = "app"
    description: Description = ""
    contact: Contact = Contact()
    evidence: EvidenceList = []
    filed_by: Actor
    policy: Policy
    # May this case write its step records as local activities (patch local-step-writes)? Filings set it from
    # WORKFLOW_LOCAL_WRITES, on by default (docs/VERSIONING.md).
    # An input without it (every case filed before it existed) keeps the path its history recorded.
    local_step_writes: bool = True


# ---- update payloads: one model per human step -------------------------------------------------


class Filing(_Model):
    """A (possibly duplicate) filing on the same order line: joins the open case."""

    actor: Actor
    description: Description = ""
    evidence: EvidenceList = []
    channel: Literal["app", "web", "hotline", "chat", "email", "social"] = "app"


class FilingResult(_Model):
    complaint_id: str
    joined: bool
    stage: Stage


class IntakeCompletion(_Model):
    actor: Actor
    order_line_id: Id | None = None
    description: Description | None = None
    evidence: EvidenceList = []
    contact: Contact | None = None


class ClassificationReview(_Model):
    actor: Actor
    confirm: bool = Field(description="true: accept the suggestion as is; false: override with the fields below")
    type: ComplaintType | None = None
    dispute_class: DisputeClass | None = None
    severity: Severity | None = None
    reason: Note | None = None


class EvidenceRequestCmd(_Model):
    actor: Actor
    party: Literal[Party.CONSUMER, Party.MERCHANT, Party.CARRIER]
    note: ShortText = "please provide supporting evidence"


class EvidenceSubmission(_Model):
    actor: Actor
    party: Literal[Party.CONSUMER, Party.MERCHANT, Party.CARRIER]
    item: EvidenceRef


class LiabilityDecision(_Model):
    actor: Actor
    party: Party
    reason: ShortText


class OfferProposal(_Model):
    """Agent's offer at the case's current tier; amounts default from policy when omitted."""

    actor: Actor
    refund_mode: RefundMode = RefundMode.REFUND_ONLY
    refund_minor: StrictMinor | None = Field(None, description="defaults to the paid amount; never above it")
    reship: bool = False
    note: Note = ""


class OfferResponse(_Model):
    actor: Actor
    offer_id: Id
    accept: bool
    reason: Note | None = None


class Tier3Approval(_Model):
    actor: Actor
    approve: bool
    reason: ShortText


class Withdrawal(_Model):
    actor: Actor
    reason: ShortText


class SurveyAnswer(_Model):
    actor: Actor
    resolved_score: Score
    communication_score: Score
    comment: Comment | None = None


class Assignment(_Model):
    actor: Actor
    assignee: Id | None = Field(None, description="omit to claim the case for yourself")
    takeover: bool = Field(False, description="an agent claiming a case another agent holds must say so")


class ClockControl(_Model):
    actor: Actor
    pause: bool
    reason: ShortText


class SupervisorReview(_Model):
    actor: Actor
    decision: SupervisorDecision
    reason: ShortText


class MerchantRefundConfirmation(_Model):
    actor: Actor
    reference: ShortText


class ShipmentConfirmation(_Model):
    actor: Actor
    carrier: ShortText
    tracking_number: ShortText


# ---- state returned by queries and by every accepted update ------------------------------------


class ClassificationResult(_Model):
    type: ComplaintType
    dispute_class: DisputeClass
    severity: Severity
    rules_fired: list[str] = []
    group_impact: bool = False
    confirmed: bool = False
    overridden: bool = False
    reason: str | None = None
    # Set by the classifier (policy/classifier.py); None on cases classified by the keyword rules alone.
    confidence: float | None = Field(None, ge=0, le=1, description="the classifier's probability of its type")
    needs_agent: bool = Field(False, description="the text was unclear: the agent chooses the type")


class EvidenceRequestState(_Model):
    party: Party
    note: str
    requested_at: datetime
    due_at: datetime
    reminded: bool = False
    fulfilled_at: datetime | None = None
    lapsed: bool = False


class EvidenceItemState(_Model):
    evidence_id: str
    party: Party
    item: EvidenceRef
    submitted_at: datetime
    submitted_by: str


class LiabilityState(_Model):
    party: Party
    reason: str
    decided_by: str
    suggested: Party | None = None
    automatic: bool = False


class OfferState(_Model):
    offer_id: str
    tier: Tier
    refund_mode: RefundMode
    refund_minor: Minor
    gift_coupon_minor: Minor = 0
    gift_points: int = 0
    reship: bool = False
    platform_advance: bool = False
    recover_from: Party | None = None
    status: OfferStatus
    made_at: datetime
    made_by: str
    due_at: datetime | None = None
    reminded: bool = False
    responded_at: datetime | None = None
    note: str = ""


class ExecutionStep(_Model):
    name: str
    key: str
    status: Literal["pending", "done", "compensated", "failed"]
    amount_minor: int = 0
    detail: str = ""


class ClockState(_Model):
    name: ClockName
    started_at: datetime
    due_at: datetime
    warn_at: datetime
    paused: bool = False
    paused_at: datetime | None = None
    warned: bool = False
    breached: bool = False
    exhausted: bool = Field(False, description="breached at the top escalation level: nothing left to escalate")


class PendingAction(_Model):
    who: Role | Party | Literal["supervisor_queue"]
    action: str
    due_at: datetime | None = None


class SurveyState(_Model):
    round: int
    sent_at: datetime | None = None
    due_at: datetime | None = None
    resolved_score: Score | None = None
    communication_score: Score | None = None
    answered_at: datetime | None = None


class CaseState(_Model):
    complaint_id: str
    workflow_id: str
    policy_version: str
    stage: Stage
    stage_entered_at: datetime
    created_at: datetime
    consumer_id: str
    order_id: str
    order_line_id: str | None = None
    merchant_id: str | None = None
    order: OrderFacts | None = None
    missing_info: list[str] = []
    classification: ClassificationResult | None = None
    evidence_requests: list[EvidenceRequestState] = []
    evidence: list[EvidenceItemState] = []
    liability: LiabilityState | None = None
    liability_suggestion: Party | None = None
    liability_suggestion_reasons: list[str] = []
    tier: Tier | None = None
    offers: list[OfferState] = []
    execution: list[ExecutionStep] = []
    survey: SurveyState | None = None
    clocks: list[ClockState] = []
    escalation_level: int = 0
    priority: int = 0
    assignee: str | None = None
    joined_filings: int = 0
    reopen_count: int = 0
    outcome: Outcome | None = None
    root_cause: str | None = None
    pending_actions: list[PendingAction] = []
    closed_at: datetime | None = None


class PersonalDetails(_Model):
    """The case's personal data as it stands now (intake may have completed or corrected it)."""

    description: str
    contact: Contact
    channel: str


# ---- activity inputs ----------------------------------------------------------------------------


class TransitionRecord(_Model):
    """One audited step: written to the audit log and folded into the read model."""

    complaint_id: str
    seq: int = Field(description="per-case sequence number: with complaint_id, the idempotency key")
    at: datetime
    actor_kind: ActorKind
    actor_id: str
    action: str
    reason: str = ""
    stage_before: Stage | None = None
    stage_after: Stage
    details: dict[str, Any] = {}
    snapshot: CaseState
