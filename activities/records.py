"""Record activities: the audit trail and the read model, each write idempotent under retries.

Each returns the record it wrote. A case started with local step writes (workflows/case_effects.py) runs them as
local activities, whose input Temporal never stores: the returned record is what its history keeps (the
local activity's marker), so the audit tools and the replay's decision check read it there. A case started
with batched step writes sends a workflow task's writes as one `record_step_writes` batch: one transaction,
the same writers in the same order, and one mark of the case for the insights drain (insights/pending.py).
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio import activity

from activities.read_model import project
from adapters.db_platform import add_notification
from adapters.ledger_book import utc_now
from audit.chain import AuditEntry, append_record, append_records
from core.db import session_scope
from insights import pending
from models.activity_io import (
    BATCH_ACTIVITY,
    BreachRecord,
    EvidenceRecord,
    NotificationRequest,
    OfferRecord,
    ReshipmentRecord,
    StepWrites,
    SurveyRecord,
)
from models.case import TransitionRecord
from models.tables import AuditLog, Complaint, EvidenceItem, Offer, Reshipment, SlaBreach, Survey


def event_key(complaint_id: str, seq: int) -> str:
    return f"{complaint_id}:{seq:06d}"


class RecordActivities:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @activity.defn(name="record_transition")
    def record_transition(self, rec: TransitionRecord) -> TransitionRecord:
        """Audit record and read-model row in one transaction; a retry finds the record and stops."""
        with session_scope(self._engine) as session:
            if write_transition(session, rec):
                pending.mark(session, rec.complaint_id, utc_now())  # the insights drain folds it
        return rec

    @activity.defn(name="record_evidence")
    def record_evidence(self, rec: EvidenceRecord) -> EvidenceRecord:
        with session_scope(self._engine) as session:
            write_evidence(session, rec)
        return rec

    @activity.defn(name="record_offer")
    def record_offer(self, rec: OfferRecord) -> OfferRecord:
        with session_scope(self._engine) as session:
            write_offer(session, rec)
        return rec

    @activity.defn(name="record_breach")
    def record_breach(self, rec: BreachRecord) -> BreachRecord:
        with session_scope(self._engine) as session:
            write_breach(session, rec)
        return rec

    @activity.defn(name="record_survey")
    def record_survey(self, rec: SurveyRecord) -> SurveyRecord:
        with session_scope(self._engine) as session:
            write_survey(session, rec)
        return rec

    @activity.defn(name="record_reshipment")
    def record_reshipment(self, rec: ReshipmentRecord) -> ReshipmentRecord:
        with session_scope(self._engine) as session:
            write_reshipment(session, rec)
        return rec

    @activity.defn(name=BATCH_ACTIVITY)
    def record_step_writes(self, batch: StepWrites) -> StepWrites:
        """Every write of one workflow task in one transaction, in order, then one insights mark for the
        case: all of them are kept or none (a refused step writes nothing). Each write is idempotent on its
        own key as in its single activity, so a retried batch finds what it wrote and goes on (a unique-key
        race with a concurrent attempt is retried like any activity's: activities/errors.py)."""
        with session_scope(self._engine) as session:
            records = [write.record() for write in batch.writes]
            # The batch's audit records go into the chain together (append_records: one lookup, one insert);
            # each is then projected in its place among the other writes.
            append_records(session, [transition_entry(r) for r in records if isinstance(r, TransitionRecord)])
            projected = False
            for record in records:
                if isinstance(record, TransitionRecord):
                    projected = project_transition(session, record) or projected
                elif isinstance(record, NotificationRequest):
                    add_notification(
                        session,
                        record.key,
                        record.recipient,
                        record.template,
                        record.complaint_id,
                        record.body,
                        at=utc_now(),
                    )
                else:
                    WRITERS[type(record)](session, record)
            if projected:
                pending.mark(session, batch.complaint_id, utc_now())
        return batch


def write_transition(session: Session, rec: TransitionRecord) -> bool:
    """The audit record and its read-model projection; False when a newer record is already projected."""
    append_transition(session, rec)
    return project_transition(session, rec)


def project_transition(session: Session, rec: TransitionRecord) -> bool:
    """The read-model row after `rec` (its audit record is written); False when a newer record is projected."""
    row = session.get(Complaint, rec.complaint_id)
    if row is None:
        row = Complaint(
            id=rec.complaint_id,
            workflow_id=rec.snapshot.workflow_id,
            stage=rec.stage_after.value,
            consumer_id=rec.snapshot.consumer_id,
            order_id=rec.snapshot.order_id,
            created_at=rec.snapshot.created_at,
            updated_at=rec.at,
        )
        session.add(row)
    elif row.last_seq >= rec.seq:
        return False  # an older record arriving late never overwrites a newer projection
    project(rec.snapshot, row, channel=row.channel if row.last_seq else rec.details.get("channel", "app"))
    row.last_seq = rec.seq
    row.updated_at = rec.at.astimezone(UTC)  # the audit record's time (audit/chain.py keeps it in UTC)
    return True


def transition_entry(rec: TransitionRecord) -> AuditEntry:
    """The transition's row in the audit chain (idempotent on complaint id + seq), its snapshot in the details."""
    return AuditEntry(
        event_key=event_key(rec.complaint_id, rec.seq),
        complaint_id=rec.complaint_id,
        at=rec.at,
        actor_kind=rec.actor_kind.value,
        actor_id=rec.actor_id,
        action=rec.action,
        reason=rec.reason,
        stage_before=rec.stage_before.value if rec.stage_before else None,
        stage_after=rec.stage_after.value,
        details={**rec.details, "seq": rec.seq, "snapshot": rec.snapshot.model_dump(mode="json")},
    )


def append_transition(session: Session, rec: TransitionRecord) -> AuditLog:
    """`transition_entry` appended on its own, the row returned."""
    return append_record(session, **transition_entry(rec).fields())


def write_evidence(session: Session, rec: EvidenceRecord) -> None:
    key = f"{rec.complaint_id}:{rec.evidence_id}"
    if session.get(EvidenceItem, key) is None:
        session.add(
            EvidenceItem(
                id=key,
                complaint_id=rec.complaint_id,
                party=rec.party.value,
                kind=rec.item.kind,
                description=rec.item.description,
                attachment_ref=rec.item.attachment_ref,
                sha256=rec.item.sha256,
                submitted_by=rec.submitted_by,
                submitted_at=rec.at,
            )
        )
        session.flush()  # a refused row fails here, at its own write, not at the batch's commit


def write_offer(session: Session, rec: OfferRecord) -> None:
    o = rec.offer
    key = f"{rec.complaint_id}:{o.offer_id}"
    row = session.get(Offer, key) or Offer(
        id=key,
        complaint_id=rec.complaint_id,
        made_at=o.made_at,
        made_by=o.made_by,
        tier=o.tier.value,
        refund_mode="",
        refund_minor=0,
        status="",
    )
    row.tier, row.refund_mode, row.refund_minor = o.tier.value, o.refund_mode.value, o.refund_minor
    row.gift_coupon_minor, row.gift_points, row.reship = o.gift_coupon_minor, o.gift_points, o.reship
    row.platform_advance, row.status, row.responded_at = o.platform_advance, o.status.value, o.responded_at
    session.add(row)


def write_breach(session: Session, rec: BreachRecord) -> None:
    key = f"{rec.complaint_id}:{rec.clock}"
    if session.get(SlaBreach, key) is None:
        session.add(
            SlaBreach(
                id=key,
                complaint_id=rec.complaint_id,
                clock=rec.clock.split("#")[0],
                level=rec.level,
                due_at=rec.due_at,
                breached_at=rec.breached_at,
                recorded_at=datetime.now(UTC),
            )
        )


def write_survey(session: Session, rec: SurveyRecord) -> None:
    row = session.exec(select(Survey).where(Survey.complaint_id == rec.complaint_id, Survey.round == rec.round)).first()
    row = row or Survey(complaint_id=rec.complaint_id, round=rec.round, sent_at=rec.sent_at, due_at=rec.due_at)
    row.answered_at = rec.answered_at
    row.resolved_score, row.communication_score = rec.resolved_score, rec.communication_score
    session.add(row)


def write_reshipment(session: Session, rec: ReshipmentRecord) -> None:
    row = session.get(Reshipment, rec.key) or Reshipment(id=rec.key, complaint_id=rec.complaint_id, ship_by=rec.ship_by)
    if rec.tracking_number:
        row.carrier, row.tracking_number, row.shipped_at = rec.carrier, rec.tracking_number, rec.shipped_at
    session.add(row)


WRITERS: dict[type[Any], Callable[[Session, Any], None]] = {
    EvidenceRecord: write_evidence,
    OfferRecord: write_offer,
    BreachRecord: write_breach,
    SurveyRecord: write_survey,
    ReshipmentRecord: write_reshipment,
}
