"""What a case's workflow knows beside its CaseState: one serializable model, personal data in its own field.

CaseState is what the case shows (queries, audit snapshots, the read model); CaseFacts is the rest of what
the workflow decides with: the steps it has seen, the waits it is in, the patches it runs under. Nothing
here enters history by itself; the workflow derives its commands from it.
"""

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from models.case import Contact, EvidenceRef, PersonalDetails
from models.enums import SupervisorDecision
from models.platform import OrderRecord


class Shipment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    carrier: str
    tracking_number: str


class CaseFacts(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)

    personal: PersonalDetails  # description, contact, channel: only in the activity inputs that need them
    evidence_refs: list[EvidenceRef] = []  # the consumer's attachments, by reference, until evidence stores them
    order_record: OrderRecord | None = None  # the order system's answer at filing
    # Sequence numbers: audit records (with the complaint id, the idempotency key) and per-prefix ids.
    seq: int = 0
    counters: dict[str, int] = {}
    # Patches decided once at the start of the run (workflows/complaint.py; LOCAL_STEP_WRITES and
    # BATCHED_STEP_WRITES in workflows/case_effects.py, CLOCK_KEEPER in workflows/case_waits.py; docs/VERSIONING.md).
    local_writes: bool = False
    batched_writes: bool = False  # BATCHED_STEP_WRITES: a task's writes go as one local activity
    clock_keeper: bool = False
    batch_through_free_lock: bool = False  # BATCH_THROUGH_FREE_LOCK (workflows/case_effects.py)
    # The patches a case started under ALL_PATCHES_AT_ONCE took without a marker each (workflows/patches.py):
    # `Case.patched` answers them from here.
    patches_taken_at_start: set[str] = set()
    # Intake.
    filed_recorded: bool = False  # audit record 1 ("filed") is written: every step waits for it
    initial_filing_acknowledged: bool = False
    supplement_due: datetime | None = None
    # Classification.
    fast_path: list[str] = []  # the reasons a case skips evidence and haggling
    # SLA clocks: who the case waits on, and the steps counted against policy.limits.
    first_contact_made: bool = False
    manual_pause: bool = False
    consumer_wait: bool = False
    manual_pauses: int = 0
    assignments: int = 0
    escalated: set[tuple[str, int, str]] = set()  # (clock, level, stage): one missed deadline escalates once
    # Negotiation and execution.
    arbitrated_offer_id: str | None = None
    execution_round: int = 0
    execution_decision: SupervisorDecision | None = None
    merchant_refund_ref: str | None = None
    merchant_refund_refs: list[str] = []  # every confirmed reference: one per execution round
    awaiting_merchant_refund_until: datetime | None = None
    shipment: Shipment | None = None
    awaiting_shipment_until: datetime | None = None
    rectification_interview_due: datetime | None = None  # a repeat offender's interview

    @classmethod
    def at_filing(cls, description: str, contact: Contact, channel: str, evidence: list[EvidenceRef]) -> "CaseFacts":
        return cls(
            personal=PersonalDetails(description=description, contact=contact, channel=channel),
            evidence_refs=list(evidence),
        )
