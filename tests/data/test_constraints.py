"""Every table constraint holds on both databases, as created by the migrations.

Each case first stores an acceptable row (so the refusal below cannot come from anything but the
constraint under test), then checks that the database refuses the offending one by name.
"""

import itertools

import pytest
from sqlalchemy.exc import IntegrityError

from core.db import session_scope
from models.tables import (
    AuditLog,
    Complaint,
    EvidenceItem,
    IdempotencyRecord,
    LedgerEntry,
    Merchant,
    Notification,
    Offer,
    Order,
    OrderLine,
    Penalty,
    Reshipment,
    SlaBreach,
    Survey,
    User,
)
from tests.data.factories import NOW, World, add_world, uid


@pytest.fixture
def world(engine) -> World:
    return add_world(engine)


def insert(engine, *rows):
    with session_scope(engine) as session:
        for row in rows:
            session.add(row)
            session.flush()


def refused(engine, row, constraint: str | None = None):
    with pytest.raises(IntegrityError) as caught:
        insert(engine, row)
    if constraint:
        assert constraint in str(caught.value.orig)


def merchant(w, **kw):
    return Merchant(id=uid("M"), name="店", created_at=NOW, **kw)


def complaint(w, **kw):
    values = dict(
        id=uid("CP"),
        workflow_id=uid("wf"),
        consumer_id=w.consumer,
        order_id=w.order,
        stage="intake",
        created_at=NOW,
        updated_at=NOW,
    )
    return Complaint(**(values | kw))


def offer(w, **kw):
    values = dict(
        id=uid("OF"),
        complaint_id=w.complaint,
        tier="refund",
        refund_mode="refund_only",
        refund_minor=100,
        status="pending",
        made_by="agent1",
        made_at=NOW,
    )
    return Offer(**(values | kw))


def ledger(w, **kw):
    values = dict(
        idempotency_key=uid("k"),
        complaint_id=w.complaint,
        kind="coupon",
        amount_minor=100,
        payer="platform",
        payee="consumer:C",
        created_at=NOW,
    )
    return LedgerEntry(**(values | kw))


def penalty(w, **kw):
    values = dict(
        idempotency_key=uid("k"),
        complaint_id=w.complaint,
        merchant_id=w.merchant,
        deduction_minor=100,
        listing_blocked_until=NOW,
        created_at=NOW,
    )
    return Penalty(**(values | kw))


_rounds = itertools.count(100)


def survey(w, **kw):
    # A fresh round per row, so that only the constraint under test can refuse it.
    return Survey(**(dict(complaint_id=w.complaint, round=next(_rounds), sent_at=NOW, due_at=NOW) | kw))


def order(w, **kw):
    values = dict(id=uid("O"), consumer_id=w.consumer, merchant_id=w.merchant, paid_minor=100, placed_at=NOW)
    return Order(**(values | kw))


def order_line(w, **kw):
    values = dict(id=uid("L"), order_id=w.order, sku="S", title="t", category="home", paid_minor=100)
    return OrderLine(**(values | kw))


def evidence(w, **kw):
    values = dict(
        id=uid("E"),
        complaint_id=w.complaint,
        party="consumer",
        kind="photo",
        attachment_ref="s3://x",
        sha256="0" * 64,
        submitted_by="alice",
        submitted_at=NOW,
    )
    return EvidenceItem(**(values | kw))


def audit(w, **kw):
    values = dict(
        event_key=uid("ev"),
        at=NOW,
        actor_kind="agent",
        actor_id="agent1",
        action="note",
        prev_hash="0" * 64,
        hash=uid("h"),
    )
    return AuditLog(**(values | kw))


def notification(w, **kw):
    return Notification(**(dict(id=uid("n"), recipient="consumer:C", template="t", created_at=NOW) | kw))


def user(w, **kw):
    values = dict(id=uid("U"), username=uid("user"), hashed_password="x", role="agent", created_at=NOW)
    return User(**(values | kw))


def reshipment(w, **kw):
    return Reshipment(**(dict(id=uid("R"), complaint_id=w.complaint, ship_by=NOW) | kw))


def sla_breach(w, **kw):
    values = dict(
        id=uid("B"),
        complaint_id=w.complaint,
        clock="first_response",
        level=1,
        due_at=NOW,
        breached_at=NOW,
        recorded_at=NOW,
    )
    return SlaBreach(**(values | kw))


def idempotency_record(w, **kw):
    return IdempotencyRecord(**(dict(user_id="U1", key=uid("k"), request_hash="h", created_at=NOW) | kw))


# constraint name -> (row builder, field, an accepted value at the boundary, the refused value)
CHECKS = {
    "merchant_deposit_nonneg": (merchant, "deposit_minor", 0, -1),
    "merchant_frozen_nonneg": (lambda w, **kw: merchant(w, deposit_minor=100, **kw), "frozen_minor", 0, -1),
    "merchant_frozen_within_deposit": (lambda w, **kw: merchant(w, deposit_minor=100, **kw), "frozen_minor", 100, 101),
    "merchant_required_nonneg": (merchant, "deposit_required_minor", 0, -1),
    "order_paid_nonneg": (order, "paid_minor", 0, -1),
    "order_line_paid_nonneg": (order_line, "paid_minor", 0, -1),
    "order_line_quantity_pos": (order_line, "quantity", 1, 0),
    "complaint_escalation_nonneg": (complaint, "escalation_level", 0, -1),
    "complaint_refunded_nonneg": (complaint, "refunded_minor", 0, -1),
    "offer_refund_nonneg": (offer, "refund_minor", 0, -1),
    "offer_gift_nonneg": (offer, "gift_coupon_minor", 0, -1),
    "offer_points_nonneg": (offer, "gift_points", 0, -1),
    "ledger_amount_nonneg": (ledger, "amount_minor", 0, -1),
    "penalty_deduction_nonneg": (penalty, "deduction_minor", 0, -1),
    "penalty_multiplier_pos": (penalty, "deposit_multiplier", 1, 0),
    "survey_resolved_range/low": (survey, "resolved_score", 0, -1),
    "survey_resolved_range/high": (survey, "resolved_score", 100, 101),
    "survey_communication_range/low": (survey, "communication_score", 0, -1),
    "survey_communication_range/high": (survey, "communication_score", 100, 101),
}


@pytest.mark.parametrize("name", CHECKS)
def test_check_constraint(engine, world, name):
    build, field, accepted, refused_value = CHECKS[name]
    insert(engine, build(world, **{field: accepted}))
    refused(engine, build(world, **{field: refused_value}), constraint=name.split("/")[0])


# what must be unique -> (row builder, field, a value)
UNIQUES = {
    "ledger idempotency key": (ledger, "idempotency_key", None),
    "ledger reversed once": (ledger, "reverses_key", None),
    "penalty idempotency key": (penalty, "idempotency_key", None),
    "audit event key": (audit, "event_key", None),
    "audit hash": (audit, "hash", None),
    "evidence id": (evidence, "id", None),
    "notification id": (notification, "id", None),
    "offer id": (offer, "id", None),
    "reshipment id": (reshipment, "id", None),
    "sla breach id": (sla_breach, "id", None),
    "complaint workflow id": (complaint, "workflow_id", None),
    "username": (user, "username", None),
    "api idempotency key per user": (idempotency_record, "key", None),
    "one survey per round": (survey, "round", 2),
}


@pytest.mark.parametrize("name", UNIQUES)
def test_unique(engine, world, name):
    build, field, value = UNIQUES[name]
    value = value if value is not None else uid("dup")
    insert(engine, build(world, **{field: value}))
    refused(engine, build(world, **{field: value}))


def test_surveys_of_other_rounds_and_complaints_are_accepted(engine, world):
    other = add_world(engine)
    insert(engine, survey(world, round=1, resolved_score=None), survey(world, round=2), survey(other, round=1))


# reference -> (row builder, field, an existing target taken from the world)
FOREIGN_KEYS = {
    "order -> consumer": (order, "consumer_id", "consumer"),
    "order -> merchant": (order, "merchant_id", "merchant"),
    "order_line -> order": (order_line, "order_id", "order"),
    "complaint -> consumer": (complaint, "consumer_id", "consumer"),
    "complaint -> merchant": (complaint, "merchant_id", "merchant"),
    "evidence -> complaint": (evidence, "complaint_id", "complaint"),
    "offer -> complaint": (offer, "complaint_id", "complaint"),
    "ledger -> complaint": (ledger, "complaint_id", "complaint"),
    "ledger -> merchant": (ledger, "merchant_id", "merchant"),
    "penalty -> complaint": (penalty, "complaint_id", "complaint"),
    "penalty -> merchant": (penalty, "merchant_id", "merchant"),
    "survey -> complaint": (survey, "complaint_id", "complaint"),
    "reshipment -> complaint": (reshipment, "complaint_id", "complaint"),
    "sla breach -> complaint": (sla_breach, "complaint_id", "complaint"),
    "user -> consumer": (user, "consumer_id", "consumer"),
    "user -> merchant": (user, "merchant_id", "merchant"),
}


@pytest.mark.parametrize("name", FOREIGN_KEYS)
def test_foreign_key(engine, world, name):
    build, field, target = FOREIGN_KEYS[name]
    insert(engine, build(world, **{field: getattr(world, target)}))
    refused(engine, build(world, **{field: uid("missing")}))
