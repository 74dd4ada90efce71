"""Attribution figures on a small seeded history, computed by hand; the API, its roles and the CSV export."""

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from sqlalchemy import func
from sqlmodel import Session, select

from audit.chain import append_record
from core.db import session_scope
from insights import facts, orders
from insights.breakdown import breakdown
from insights.filters import InsightFilter
from insights.summary import summarize
from models.insight_tables import InsightCase
from models.tables import LedgerEntry, SlaBreach, Survey
from seed.demo import seed_demo
from tests.api.conftest import api_settings, start_api
from tests.insights.seed import NOW, add_complaints, add_merchant, add_orders

DAY = NOW - timedelta(days=5)
WINDOW = dict(created_from=NOW - timedelta(days=10), created_to=NOW)


def _seed(engine) -> dict[str, str]:
    tag = uuid.uuid4().hex[:8]
    merchant, sku = f"IMF-{tag}", f"SKU-F-{tag}"
    add_merchant(engine, merchant)
    lines = add_orders(engine, merchant, sku, "electronics", DAY, 40)
    at = DAY + timedelta(hours=1)
    c1, c2, c3, c4, c5 = (
        add_complaints(engine, merchant, sku, [line], at, **fields)[0]
        for line, fields in zip(
            lines,
            [
                dict(closed_at=at + timedelta(hours=10), escalation_level=1),
                dict(
                    type="logistics",
                    severity="A",
                    channel="web",
                    dispute_class="immediate",
                    root_cause="carrier",
                    closed_at=at + timedelta(hours=72),
                ),
                dict(
                    stage="withdrawn",
                    type="not_as_described",
                    severity="C",
                    channel="hotline",
                    dispute_class="service",
                    root_cause="withdrawn",
                    closed_at=at + timedelta(hours=1),
                ),
                dict(stage="rejected", type=None, severity=None, dispute_class=None, root_cause="unsubstantiated"),
                dict(stage="evidence", is_open=True, closed_at=None, root_cause=None),
            ],
            strict=False,
        )
    )
    with session_scope(engine) as session:
        session.add(
            SlaBreach(
                id=f"{c1}:first_contact#B1",
                complaint_id=c1,
                clock="first_contact",
                level=1,
                due_at=at,
                breached_at=at,
                recorded_at=at,
            )
        )
        session.add(
            SlaBreach(
                id=f"{c5}:plan#B1", complaint_id=c5, clock="plan", level=1, due_at=at, breached_at=at, recorded_at=at
            )
        )
        for cid, kind, amount, reverses in (
            (c1, "deposit_freeze", 10_000, None),
            (c1, "merchant_refund", 10_000, None),
            (c1, "coupon", 500, None),
            (c1, "deposit_unfreeze", 10_000, None),
            (c2, "platform_advance", 20_000, None),
            (c2, "recovery", 20_000, None),
            (c2, "penalty", 10_000, None),
            (c2, "coupon", 300, None),
            (c2, "reversal", 300, f"{c2}:coupon"),
        ):
            session.add(
                LedgerEntry(
                    idempotency_key=f"{cid}:{kind}",
                    complaint_id=cid,
                    merchant_id=merchant,
                    kind=kind,
                    amount_minor=amount,
                    payer="p",
                    payee="q",
                    reverses_key=reverses,
                    created_at=at,
                )
            )
        for cid, rnd, resolved, communication in ((c1, 1, 90, 85), (c2, 1, 60, 70), (c2, 2, 85, 90)):
            session.add(
                Survey(
                    complaint_id=cid,
                    round=rnd,
                    sent_at=at,
                    due_at=at,
                    answered_at=at,
                    resolved_score=resolved,
                    communication_score=communication,
                )
            )
        append_record(
            session,
            event_key=f"{c2}:reopen-test",
            complaint_id=c2,
            at=at,
            actor_kind="consumer",
            actor_id="IC-1",
            action="reopened",
        )
    orders.refresh_days(engine, DAY.date(), DAY.date())
    facts.rebuild(engine, [c1, c2, c3, c4, c5])
    return {"merchant": merchant, "sku": sku, "c1": c1, "c2": c2}


@pytest.fixture
def seeded(engine) -> dict[str, str]:
    return _seed(engine)


def test_summary_figures_match_the_hand_computation(engine, seeded):
    f = InsightFilter(merchant_id=seeded["merchant"], **WINDOW)
    with Session(engine) as session:
        s = summarize(session, f, satisfaction_threshold=80, currency="CNY", now=NOW)
    assert (s.counts["filed"], s.counts["counted"], s.counts["rejected"], s.counts["open"]) == (5, 4, 1, 1)
    assert s.counts["order_lines"] == 40 and s.counts["complaints_per_1000_order_lines"] == 100.0  # 4 / 40
    assert s.by_type == {"quality_defect": 2, "logistics": 1, "not_as_described": 1, "unclassified": 1}
    assert s.root_causes == {"merchant_product": 1, "carrier": 1, "withdrawn": 1, "unsubstantiated": 1}
    # Closed in 10 h and 72 h: nearest-rank median 10 h, p90 72 h, mean 41 h.
    assert (
        s.resolution["closed"],
        s.resolution["p50_hours"],
        s.resolution["p90_hours"],
        s.resolution["mean_hours"],
    ) == (2, 10.0, 72.0, 41.0)
    assert s.resolution["buckets"]["4-24h"] == 1 and s.resolution["buckets"]["3-7d"] == 1
    # Worked terminal cases: two closed, one withdrawn; one missed its first contact. The open case's
    # plan breach is not counted until it ends.
    assert (s.sla["first_contact"].count, s.sla["first_contact"].of) == (2, 3)
    assert (s.sla["plan"].count, s.sla["plan"].of) == (3, 3)
    assert (s.escalation.count, s.escalation.of) == (1, 4)
    assert (s.reopen.count, s.reopen.of) == (1, 2)
    # The latest answered round counts: case 1 (90, 85), case 2 round 2 (85, 90).
    assert (s.satisfaction["mean_resolved"], s.satisfaction["mean_communication"]) == (87.5, 87.5)
    assert s.satisfaction["satisfied"].count == 2
    # Coupons: 500 + 300 - the reversal of the 300. Deposit freezes and releases are not money paid.
    assert s.money == {
        "refund_minor": 10_000,
        "advance_minor": 20_000,
        "recovery_minor": 20_000,
        "penalty_minor": 10_000,
        "coupon_minor": 500,
        "points": 0,
    }


def test_money_and_breaches_reproduce_from_the_ledger(engine, seeded):
    """The same figures straight from the source tables, with no insights code in between."""
    with Session(engine) as session:
        ids = session.exec(select(InsightCase.complaint_id).where(InsightCase.merchant_id == seeded["merchant"])).all()
        refunds = session.exec(
            select(func.sum(LedgerEntry.amount_minor)).where(
                LedgerEntry.complaint_id.in_(ids), LedgerEntry.kind == "merchant_refund"
            )
        ).one()
        breached = session.exec(
            select(func.count(func.distinct(SlaBreach.complaint_id))).where(
                SlaBreach.complaint_id.in_(ids), SlaBreach.clock == "first_contact"
            )
        ).one()
        s = summarize(
            session,
            InsightFilter(merchant_id=seeded["merchant"], **WINDOW),
            satisfaction_threshold=80,
            currency="CNY",
            now=NOW,
        )
    assert s.money["refund_minor"] == refunds
    assert s.sla["first_contact"].of - s.sla["first_contact"].count == breached


def test_one_case_refresh_equals_the_bulk_rebuild(engine, seeded):
    def row(cid: str) -> dict:
        with Session(engine) as session:
            return session.get(InsightCase, cid).model_dump()

    bulk = {cid: row(seeded[cid]) for cid in ("c1", "c2")}
    with session_scope(engine) as session:
        for cid in ("c1", "c2"):
            facts.refold(session, [seeded[cid]])
    assert {cid: row(seeded[cid]) for cid in ("c1", "c2")} == bulk


def test_breakdown_by_type_and_filters(engine, seeded):
    with Session(engine) as session:
        by_type = {
            r.key: r
            for r in breakdown(session, InsightFilter(merchant_id=seeded["merchant"], **WINDOW), "type", now=NOW)
        }
        by_sku = breakdown(session, InsightFilter(sku=seeded["sku"], **WINDOW), "sku", now=NOW)
        logistics = summarize(
            session,
            InsightFilter(merchant_id=seeded["merchant"], type=["logistics"], **WINDOW),
            satisfaction_threshold=80,
            currency="CNY",
            now=NOW,
        )
    assert by_type["quality_defect"].complaints == 2 and by_type["quality_defect"].refund_minor == 10_000
    assert "unknown" not in by_type  # the rejected case is not a complaint about the shop
    assert [(r.key, r.complaints, r.order_lines, r.per_1000_order_lines) for r in by_sku] == [
        (seeded["sku"], 4, 40, 100.0)
    ]
    assert logistics.counts["filed"] == 1 and logistics.money["advance_minor"] == 20_000


@pytest_asyncio.fixture
async def api(engine, tmp_path):
    seed_demo(engine, now=datetime.now(UTC))  # the demo users of every role (idempotent)
    async for instance in start_api(api_settings(tmp_path), engine):
        yield instance


def _auth(api, user: str, role: str) -> dict[str, str]:
    from api.security import create_access_token

    return {"Authorization": f"Bearer {create_access_token(api.settings, user_id=user, role=role)}"}


async def test_api_roles_and_csv(api, seeded):
    params = {
        "merchant_id": seeded["merchant"],
        "created_from": WINDOW["created_from"].isoformat(),
        "created_to": WINDOW["created_to"].isoformat(),
    }
    for user, role, status in (
        ("U-super1", "supervisor", 200),
        ("U-audit1", "auditor", 200),
        ("U-agent1", "agent", 403),
        ("U-alice", "consumer", 403),
        ("U-shop1", "merchant", 403),
    ):
        response = await api.http.get("/insights/summary", params=params, headers=_auth(api, user, role))
        assert response.status_code == status, (role, response.text)
    as_csv = await api.http.get(
        "/insights/summary", params={**params, "format": "csv"}, headers=_auth(api, "U-super1", "supervisor")
    )
    assert as_csv.headers["content-type"].startswith("text/csv"), as_csv.text
    figures = dict(csv.reader(io.StringIO(as_csv.text)))
    assert figures["counts.counted"] == "4" and figures["money.refund_minor"] == "10000"
    table = await api.http.get(
        "/insights/breakdown",
        params={**params, "by": "merchant", "format": "csv"},
        headers=_auth(api, "U-audit1", "auditor"),
    )
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert rows[0]["merchant"] == seeded["merchant"] and rows[0]["per_1000_order_lines"] == "100.0"


@pytest.mark.parametrize(
    "params, field",
    [
        ({"created_from": "2026-06-01T00:00:00"}, "created_from"),  # no time zone
        ({"created_from": "2026-06-02T00:00:00Z", "created_to": "2026-06-01T00:00:00Z"}, ""),
        ({"severity": "Z"}, "severity"),
        ({"merchant_id": "M" * 101}, "merchant_id"),
        ({"by": "colour"}, "by"),
        ({"sku": "\x00漢字"}, "sku"),
        ({"sku": "\u202e漢字 🙂"}, None),
    ],
)
async def test_api_bad_input_is_422_naming_the_field(api, params, field):
    response = await api.http.get("/insights/breakdown", params=params, headers=_auth(api, "U-super1", "supervisor"))
    if field is None:  # strange but valid text: an empty answer, never a 500
        assert response.status_code == 200 and response.json() == []
        return
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]["message"]


async def test_standing_visible_to_the_merchant_itself_only(api):
    own = await api.http.get("/insights/standing/M001", headers=_auth(api, "U-shop1", "merchant"))
    other = await api.http.get("/insights/standing/M013", headers=_auth(api, "U-shop1", "merchant"))
    missing = await api.http.get("/insights/standing/NOPE", headers=_auth(api, "U-super1", "supervisor"))
    assert own.status_code == 200 and own.json()["merchant_id"] == "M001"
    assert other.status_code == 403 and missing.status_code == 404


def test_the_daily_rollup_gives_the_totals_of_the_facts(engine, seeded):
    """Unfiltered windows add up daily rollup rows (and the facts of partial days): same totals as the facts."""
    from insights import cube
    from insights.filters import case_clauses

    with Session(engine) as session:
        for f in (
            InsightFilter(**WINDOW),
            InsightFilter(category=["electronics"], **WINDOW),
            InsightFilter(created_from=DAY.replace(hour=0), created_to=NOW),
        ):
            rolled = cube.window_totals(session, f, 80, NOW)
            direct = cube._from_facts(session, case_clauses(f, NOW), 80)
            assert rolled == direct and rolled["n"] >= 5
