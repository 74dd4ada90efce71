"""Standing changes are audited with their reason and bring the tier's consequences, on both databases."""

import uuid
from datetime import timedelta

from sqlmodel import Session, select

from adapters.db_platform import DbNotifier
from audit.chain import row_hash
from core.db import session_scope
from insights import facts, orders
from insights.standing import scan_standing
from models.insight_tables import MerchantStandingRecord
from models.policy import Policy
from models.tables import AuditLog, Complaint, Merchant, Notification, Penalty
from tests.insights.seed import NOW, add_complaints, add_merchant, weekly_history

POLICY = Policy()


def _sealed(session) -> bool:
    """Every insights audit record carries the hash of its content (the shared test database's chain as a
    whole is deliberately broken by the audit tests, so the whole chain is not checked here)."""
    rows = session.exec(select(AuditLog).where(AuditLog.event_key.startswith("insights:"))).all()
    return bool(rows) and all(row_hash(r) == r.hash for r in rows)


def _audits(engine, merchant: str) -> list[AuditLog]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(AuditLog)
                .where(AuditLog.event_key.startswith(f"insights:standing:{merchant}:"))
                .order_by(AuditLog.id)
            ).all()
        )


def test_repeat_offender_turns_high_risk_and_back(engine):
    tag = uuid.uuid4().hex[:8]
    merchant = f"IMP-{tag}"
    add_merchant(engine, merchant, required=100_000)
    weekly_history(engine, merchant, f"SKU-P-{tag}", f"cat-{tag}", lines_per_week=70, complaints_per_week=[3])
    complaint_ids = add_complaints(
        engine, merchant, f"SKU-P-{tag}", [f"x-{tag}-{i}" for i in range(3)], NOW - timedelta(days=20)
    )
    with session_scope(engine) as session:
        for i, cid in enumerate(complaint_ids):
            session.add(
                Penalty(
                    idempotency_key=f"pen-{cid}",
                    complaint_id=cid,
                    merchant_id=merchant,
                    deduction_minor=10_000,
                    listing_blocked_until=NOW,
                    created_at=NOW - timedelta(days=10 + i),
                )
            )

    first = scan_standing(engine, DbNotifier(engine), POLICY, NOW)

    assert f"{merchant}:normal->high_risk" in first.changed
    with Session(engine) as session:
        m = session.get(Merchant, merchant)
        assert m.deposit_required_minor == 200_000  # x2 while high-risk
        assert m.listing_blocked_until == NOW + timedelta(days=30)
        record = session.get(MerchantStandingRecord, merchant)
        assert record.tier == "high_risk" and record.deposit_multiplier == 2 and "3 penalties" in record.reason
        interview = session.get(Notification, f"insights:standing:{merchant}:1:interview")
        assert interview.recipient == "queue:supervisors" and interview.template == "rectification_interview"
    [audit] = _audits(engine, merchant)
    assert audit.action == "merchant_standing_changed" and audit.reason.startswith("normal -> high_risk: 3 penalties")
    assert audit.details["inputs"]["penalties"] == 3

    assert scan_standing(engine, DbNotifier(engine), POLICY, NOW).changed.count(f"{merchant}:normal->high_risk") == 0
    later = NOW + timedelta(days=120)  # the penalties have left the 90-day window
    scan_standing(engine, DbNotifier(engine), POLICY, later)
    with Session(engine) as session:
        assert session.get(Merchant, merchant).deposit_required_minor == 100_000
        assert session.get(MerchantStandingRecord, merchant).tier == "normal"
        assert _sealed(session)
    assert [a.reason.split(":")[0] for a in _audits(engine, merchant)] == ["normal -> high_risk", "high_risk -> normal"]


def test_steady_low_complaint_merchant_becomes_trusted(engine):
    tag = uuid.uuid4().hex[:8]
    merchant = f"IMG-{tag}"
    add_merchant(engine, merchant)
    weekly_history(engine, merchant, f"SKU-G-{tag}", f"cat-{tag}", lines_per_week=100, complaints_per_week=[0, 1, 0])
    orders.refresh_days(engine, (NOW - timedelta(days=30)).date(), NOW.date())
    with Session(engine) as session:
        facts.rebuild(engine, session.exec(select(Complaint.id).where(Complaint.merchant_id == merchant)).all())
    scan_standing(engine, DbNotifier(engine), POLICY, NOW)
    with Session(engine) as session:
        record = session.get(MerchantStandingRecord, merchant)
    assert record is not None and record.tier == "trusted", record
    assert "300 order lines" in record.reason
