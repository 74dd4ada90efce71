"""Rectification interviews against SQLite and PostgreSQL: booked with the penalty, held once, escalated once."""

from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from adapters.db_interviews import AlreadyHeld, escalate_overdue, hold
from adapters.db_platform import DbMerchantDeposits, DbNotifier
from adapters.ports import PermanentFailure
from core.db import session_scope
from insights.scan import run_scan
from models.policy import Policy
from models.tables import AuditLog, Notification, RectificationInterview
from tests.data.factories import NOW, add_complaint, add_merchant, uid

QUEUE = "queue:supervisors"


def interviews_of(engine, complaint_id):
    with Session(engine) as session:
        return session.exec(
            select(RectificationInterview).where(RectificationInterview.complaint_id == complaint_id)
        ).all()


def audit_actions(engine, complaint_id):
    with Session(engine) as session:
        return session.exec(
            select(AuditLog.action).where(AuditLog.complaint_id == complaint_id).order_by(AuditLog.id)
        ).all()


def overdue_notes(engine, complaint_id):
    with Session(engine) as session:
        return session.exec(
            select(func.count())
            .select_from(Notification)
            .where(
                Notification.complaint_id == complaint_id, Notification.template == "rectification_interview_overdue"
            )
        ).one()


def book(engine, *, due=NOW + timedelta(days=7), deposit=100_000, deduction=1_000):
    merchant = add_merchant(engine, deposit_minor=deposit)
    complaint = add_complaint(engine, merchant)
    key = uid("pen")
    DbMerchantDeposits(engine).apply_penalty(key, complaint, merchant, deduction, NOW, 2, True, interview_due=due)
    return key, complaint, merchant


def test_the_interview_is_booked_with_the_penalty_once_and_only_when_called_for(engine):
    key, complaint, merchant = book(engine)
    DbMerchantDeposits(engine).apply_penalty(key, complaint, merchant, 1_000, NOW, 2, True, interview_due=NOW)
    [task] = interviews_of(engine, complaint)
    assert (task.id, task.merchant_id, task.due_at, task.held_at) == (key, merchant, NOW + timedelta(days=7), None)

    plain = add_complaint(engine, merchant)
    DbMerchantDeposits(engine).apply_penalty(uid("pen"), plain, merchant, 1_000, NOW, 1, False)
    assert interviews_of(engine, plain) == []


def test_a_refused_penalty_books_no_interview(engine):
    merchant = add_merchant(engine, deposit_minor=500)
    complaint = add_complaint(engine, merchant)
    with pytest.raises(PermanentFailure):
        DbMerchantDeposits(engine).apply_penalty(
            uid("pen"), complaint, merchant, 1_000, NOW, 2, True, interview_due=NOW + timedelta(days=7)
        )
    assert interviews_of(engine, complaint) == []


def test_a_missed_deadline_is_escalated_once_and_a_held_interview_never(engine):
    key, complaint, _ = book(engine)
    held_key, held_complaint, _ = book(engine)
    with session_scope(engine) as session:
        hold(session, held_key, supervisor_id="U-sup1", notes="agreed a QC plan", now=NOW + timedelta(days=1))

    assert key not in escalate_overdue(engine, DbNotifier(engine), QUEUE, NOW + timedelta(days=6))
    assert overdue_notes(engine, complaint) == 0

    late = NOW + timedelta(days=7, minutes=1)
    first = escalate_overdue(engine, DbNotifier(engine), QUEUE, late)
    again = escalate_overdue(engine, DbNotifier(engine), QUEUE, late + timedelta(hours=1))
    assert key in first and key not in again and held_key not in first + again
    assert audit_actions(engine, complaint).count("rectification_interview_overdue") == 1
    assert overdue_notes(engine, complaint) == 1
    assert overdue_notes(engine, held_complaint) == 0
    [task] = interviews_of(engine, complaint)
    assert task.overdue_escalated_at == late


def test_an_escalation_whose_notification_was_lost_is_sent_by_the_next_scan(engine):
    key, complaint, _ = book(engine)
    late = NOW + timedelta(days=8)
    with session_scope(engine) as session:  # a scan that died after marking the row, before notifying
        task = session.get(RectificationInterview, key)
        task.overdue_escalated_at = late
        session.add(task)
    assert escalate_overdue(engine, DbNotifier(engine), QUEUE, late) == []
    assert overdue_notes(engine, complaint) == 1


def test_an_interview_is_held_once_the_second_holding_changes_nothing(engine):
    key, complaint, _ = book(engine)
    at = NOW + timedelta(days=2)
    with session_scope(engine) as session:
        hold(session, key, supervisor_id="U-sup1", notes="agreed a QC plan", now=at)
    with pytest.raises(AlreadyHeld), session_scope(engine) as session:
        hold(session, key, supervisor_id="U-sup2", notes="again", now=at + timedelta(hours=1))
    [task] = interviews_of(engine, complaint)
    assert (task.held_at, task.held_by, task.notes) == (at, "U-sup1", "agreed a QC plan")
    with session_scope(engine) as session:
        assert hold(session, "no-such-interview", supervisor_id="U-sup1", notes="x", now=at) is None


def test_the_database_refuses_a_holding_without_a_supervisor(engine):
    key, _, _ = book(engine)
    with pytest.raises(IntegrityError, match="interview_held_by_someone|CHECK constraint"):
        with session_scope(engine) as session:
            task = session.get(RectificationInterview, key)
            task.held_at = NOW
            session.add(task)


def test_the_periodic_scan_escalates_a_missed_interview_to_the_supervisors_queue(engine):
    key, complaint, _ = book(engine, due=NOW - timedelta(hours=2))
    result = run_scan(engine, DbNotifier(engine), Policy(), NOW)
    assert key in result.interviews_overdue
    with Session(engine) as session:
        [sent] = session.exec(
            select(Notification).where(
                Notification.complaint_id == complaint, Notification.template == "rectification_interview_overdue"
            )
        ).all()
    assert sent.recipient == QUEUE
