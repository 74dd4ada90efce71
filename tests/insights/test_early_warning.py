"""Early warning on seeded histories: a merchant whose complaints triple is flagged, a steady one is not;
the flag is an audited event sent to the supervisors' queue, and it clears the same way."""

import uuid
from datetime import timedelta

import pytest
from scipy.stats import binomtest
from sqlmodel import Session, col, select

from adapters.db_platform import DbNotifier
from audit.chain import row_hash
from insights import facts, orders
from insights.scan import run_scan
from models.insight_tables import InsightFlag, MerchantStandingRecord
from models.policy import Policy
from models.tables import AuditLog, Complaint, Notification
from tests.insights.seed import NOW, add_merchant, weekly_history

POLICY = Policy()


def _sealed(session) -> bool:
    """Every insights audit record carries the hash of its content (the shared test database's chain as a
    whole is deliberately broken by the audit tests, so the whole chain is not checked here)."""
    rows = session.exec(select(AuditLog).where(AuditLog.event_key.startswith("insights:"))).all()
    return bool(rows) and all(row_hash(r) == r.hash for r in rows)


@pytest.fixture
def world(engine):
    tag = uuid.uuid4().hex[:8]
    category = f"cat-{tag}"  # a category of its own: other tests' data do not move its rate
    steady, tripler = f"IMS-{tag}", f"IMT-{tag}"
    for merchant in (steady, tripler):
        add_merchant(engine, merchant)
    weekly_history(engine, steady, f"SKU-S-{tag}", category, lines_per_week=300, complaints_per_week=[9] * 9)
    weekly_history(engine, tripler, f"SKU-T-{tag}", category, lines_per_week=300, complaints_per_week=[9] * 8 + [27])
    _refresh(engine, tag, days=70)
    return steady, tripler, tag


def _refresh(engine, tag: str, days: int, now=NOW) -> None:
    orders.refresh_days(engine, (now - timedelta(days=days)).date(), now.date())
    with Session(engine) as session:
        ids = session.exec(select(Complaint.id).where(col(Complaint.merchant_id).contains(tag))).all()
    facts.rebuild(engine, ids)


def _flags(engine, subject: str) -> list[InsightFlag]:
    with Session(engine) as session:
        return list(
            session.exec(select(InsightFlag).where(InsightFlag.subject_id == subject).order_by(InsightFlag.id)).all()
        )


def test_tripled_merchant_is_flagged_with_evidence_steady_one_is_not(engine, world):
    steady, tripler, tag = world
    result = run_scan(engine, DbNotifier(engine), POLICY, NOW)

    assert f"merchant:{tripler}" in result.raised and f"sku:SKU-T-{tag}" in result.raised
    assert not any(steady in r or f"SKU-S-{tag}" in r for r in result.raised)
    assert _flags(engine, steady) == []
    [flag] = _flags(engine, tripler)
    assert flag.cleared_at is None
    evidence = flag.evidence
    assert (evidence["complaints"], evidence["lines"], evidence["rate_per_1000"]) == (27, 300, 90.0)
    own = next(t for t in evidence["tests"] if t["reference"] == "own_baseline")
    # By hand: 8 weeks of 9 complaints on 300 lines each; under equal rates 27 of the 27 + 72 complaints
    # would fall in the current week with probability 300 / (300 + 2400).
    assert (own["reference_complaints"], own["reference_lines"], own["ratio"]) == (72, 2400, 3.0)
    assert own["p_value"] == pytest.approx(binomtest(27, 99, 300 / 2700, alternative="greater").pvalue)
    assert own["p_value"] < POLICY.insights.early_warning.alpha

    with Session(engine) as session:
        audit = session.exec(select(AuditLog).where(AuditLog.event_key == f"insights:flag:{flag.id}:raised")).one()
        sent = session.exec(select(Notification).where(Notification.id == f"insights:flag:{flag.id}:raised")).one()
        assert audit.action == "early_warning_raised" and audit.details["tests"] == evidence["tests"]
        assert "90.0 per 1000" in audit.reason
        assert sent.recipient == "queue:supervisors" and sent.body["rate_per_1000"] == 90.0
        assert _sealed(session)
        # The early warning put the tripler on watch: audited, with the rectification interview queued.
        standing = session.get(MerchantStandingRecord, tripler)
        assert standing is not None and standing.tier == "watch"
        assert "early warning active on the merchant" in standing.reason
        assert session.get(MerchantStandingRecord, steady) is None  # never left normal

    again = run_scan(engine, DbNotifier(engine), POLICY, NOW)  # the same instant again: nothing new
    assert f"merchant:{tripler}" not in again.raised and len(_flags(engine, tripler)) == 1


def test_flag_clears_when_the_rate_returns(engine, world):
    steady, tripler, tag = world
    run_scan(engine, DbNotifier(engine), POLICY, NOW)
    later = NOW + timedelta(days=7)
    for merchant, letter in ((steady, "S"), (tripler, "T")):
        weekly_history(
            engine,
            merchant,
            f"SKU-{letter}-{tag}",
            f"cat-{tag}",
            lines_per_week=300,
            complaints_per_week=[9],
            end=later,
        )
    _refresh(engine, tag, days=8, now=later)

    result = run_scan(engine, DbNotifier(engine), POLICY, later)

    assert f"merchant:{tripler}" in result.cleared
    [flag] = _flags(engine, tripler)
    assert flag.cleared_at == later and flag.clear_evidence["rate_per_1000"] == 30.0
    with Session(engine) as session:
        audit = session.exec(select(AuditLog).where(AuditLog.event_key == f"insights:flag:{flag.id}:cleared")).one()
        assert audit.action == "early_warning_cleared" and audit.reason.startswith("rate returned")
        assert session.get(Notification, f"insights:flag:{flag.id}:cleared").recipient == "queue:supervisors"
        assert session.get(MerchantStandingRecord, tripler).tier == "normal"
        assert _sealed(session)


def test_small_shops_are_not_flagged_on_noise(engine):
    tag = uuid.uuid4().hex[:8]
    small = f"IMX-{tag}"
    add_merchant(engine, small)
    # 20 order lines a week: a jump from 0 to 4 complaints is a high rate on too little volume.
    weekly_history(engine, small, f"SKU-X-{tag}", f"cat-{tag}", lines_per_week=20, complaints_per_week=[0] * 8 + [4])
    _refresh(engine, tag, days=70)
    run_scan(engine, DbNotifier(engine), POLICY, NOW)
    assert _flags(engine, small) == []
