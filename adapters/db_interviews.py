"""Rectification interviews: a supervisor task with its own deadline, booked with a repeat offender's penalty.

The case that called for the interview may close long before it is held, so the task lives here, not in the
case's workflow. Holding it is one supervisor's recorded act; a deadline that passes unheld is escalated once,
to the supervisors' queue, by the periodic insights scan (insights.scan.run_scan).
"""

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from adapters.ports import Notifier
from audit.chain import append_record
from core.db import session_scope
from models.tables import RectificationInterview

DEADLINE_ACTOR = ("deadline", "deadline:rectification_interview")


class InterviewHeld(BaseModel):
    interview_id: str
    held_at: datetime
    held_by: str


class AlreadyHeld(Exception):
    def __init__(self, interview: RectificationInterview) -> None:
        super().__init__(f"interview {interview.id!r} was held at {interview.held_at} by {interview.held_by}")
        self.interview = interview


def hold(
    session: Session, interview_id: str, *, supervisor_id: str, notes: str, now: datetime
) -> RectificationInterview | None:
    """Mark the interview held in the caller's transaction (None: no such interview).

    Refuses a second holding (AlreadyHeld) before writing anything: the first supervisor's record stands.
    """
    interview = session.exec(
        select(RectificationInterview).where(RectificationInterview.id == interview_id).with_for_update()
    ).first()
    if interview is None:
        return None
    if interview.held_at is not None:
        raise AlreadyHeld(interview)
    interview.held_at, interview.held_by, interview.notes = now, supervisor_id, notes
    session.add(interview)
    return interview


def escalate_overdue(engine: Engine, notifier: Notifier, queue: str, now: datetime) -> list[str]:
    """Escalate every interview past its deadline and not held, once: an audit record and a notification.

    Idempotent: the row is marked in the same transaction as its audit record, and the notification key is
    the interview's. Every escalated interview still unheld is (re-)sent, a no-op once delivered, so a scan
    that died between the two is completed by the next one. Returns the interviews escalated now.
    """
    escalated: list[str] = []
    with Session(engine) as session:
        due = session.exec(
            select(RectificationInterview.id).where(
                col(RectificationInterview.held_at).is_(None),
                col(RectificationInterview.overdue_escalated_at).is_(None),
                col(RectificationInterview.due_at) <= now,
            )
        ).all()
    for interview_id in due:
        with session_scope(engine) as session:
            interview = session.exec(
                select(RectificationInterview).where(RectificationInterview.id == interview_id).with_for_update()
            ).one()
            if interview.held_at is not None or interview.overdue_escalated_at is not None:
                continue
            interview.overdue_escalated_at = now
            session.add(interview)
            append_record(
                session,
                event_key=f"interview:{interview.id}:overdue",
                complaint_id=interview.complaint_id,
                at=now,
                actor_kind=DEADLINE_ACTOR[0],
                actor_id=DEADLINE_ACTOR[1],
                action="rectification_interview_overdue",
                reason=f"interview with merchant {interview.merchant_id} was due {interview.due_at.isoformat()}",
                details={
                    "interview_id": interview.id,
                    "merchant_id": interview.merchant_id,
                    "due_at": interview.due_at.isoformat(),
                },
            )
        escalated.append(interview_id)
    with Session(engine) as session:
        unheld = session.exec(
            select(RectificationInterview).where(
                col(RectificationInterview.held_at).is_(None),
                col(RectificationInterview.overdue_escalated_at).is_not(None),
            )
        ).all()
    for interview in unheld:
        notifier.send(
            f"interview:{interview.id}:overdue",
            queue,
            "rectification_interview_overdue",
            interview.complaint_id,
            {
                "interview_id": interview.id,
                "merchant_id": interview.merchant_id,
                "due_at": interview.due_at.isoformat(),
            },
        )
    return escalated
