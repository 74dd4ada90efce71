"""The demo data set: counts, the named scenarios, every role's user, determinism, idempotency."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from threading import Barrier

import pytest
from pwdlib import PasswordHash
from sqlalchemy import func
from sqlmodel import select

from adapters.db_platform import DbMerchantDeposits, DbOrderLookup
from core.db import session_scope
from models.enums import Category, LedgerKind, Role, Stage, TrackingStatus
from models.policy import Policy
from models.tables import Complaint, Consumer, LedgerEntry, Merchant, Order, OrderLine, Penalty, User
from seed.demo import DEMO_PASSWORD, DEMO_USERS, seed_demo
from tests.data.fresh_db import fresh_engine

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
WINDOW_DAYS = Policy().intake.after_sales_window_days
TABLES = (Merchant, Consumer, Order, OrderLine, Complaint, LedgerEntry, Penalty, User)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def seeded(request, tmp_path_factory):
    """A fresh database seeded once, with the first run's summary."""
    with fresh_engine(request.param, request, tmp_path_factory) as engine:
        yield engine, seed_demo(engine, now=NOW)


def counts(engine) -> dict[str, int]:
    with session_scope(engine) as session:
        return {t.__tablename__: session.exec(select(func.count()).select_from(t)).one() for t in TABLES}


def orders_with_lines(engine) -> list[tuple[Order, list[OrderLine]]]:
    with session_scope(engine) as session:
        lines: dict[str, list[OrderLine]] = {}
        for line in session.exec(select(OrderLine)).all():
            lines.setdefault(line.order_id, []).append(line)
        return [(order, lines.get(order.id, [])) for order in session.exec(select(Order).order_by(Order.id)).all()]


def test_the_summary_matches_what_is_stored(seeded):
    engine, summary = seeded
    stored = counts(engine)
    assert summary.created
    assert (summary.merchants, summary.consumers, summary.orders) == (40, 60, 400)
    assert stored == {
        "merchant": summary.merchants,
        "consumer": summary.consumers,
        "orders": summary.orders,
        "order_line": summary.order_lines,
        "complaint": summary.complaints,
        "ledger_entry": summary.ledger_entries,
        "penalty": summary.penalties,
        "app_user": summary.users,
    }
    assert summary.orders < summary.order_lines <= 3 * summary.orders


def test_orders_spread_over_categories_carriers_and_states_with_consistent_money(seeded):
    engine, _ = seeded
    orders = orders_with_lines(engine)
    assert {line.category for _, lines in orders for line in lines} == {c.value for c in Category} - {"other"}
    assert {o.carrier for o, _ in orders} - {None} == {"SF", "JD", "ZTO", "YTO"}
    assert {o.tracking_status for o, _ in orders} == {s.value for s in TrackingStatus}
    for order, lines in orders:
        assert 1 <= len(lines) <= 3
        assert order.paid_minor == sum(line.paid_minor for line in lines) > 0
        assert order.placed_at <= NOW and order.placed_at.tzinfo is not None
        if order.delivered_at is not None:
            assert order.placed_at < order.shipped_at < order.delivered_at <= NOW


def test_the_well_known_orders(seeded):
    engine, _ = seeded
    lookup = DbOrderLookup(engine)
    late_crab, headphones, old_pan = (lookup.find_order(i) for i in ("O1001", "O1002", "O1003"))
    for order in (late_crab, headphones, old_pan):
        assert (order.consumer_id, order.merchant_id) == ("C001", "M001")

    assert [line.category for line in late_crab.lines] == ["fresh"]
    assert late_crab.promised_by < NOW and late_crab.delivered_at is None
    assert late_crab.tracking_status == TrackingStatus.OVERDUE

    assert [line.category for line in headphones.lines] == ["electronics", "electronics"]
    assert NOW - timedelta(days=WINDOW_DAYS[Category.ELECTRONICS]) < headphones.delivered_at < NOW

    [pan] = old_pan.lines
    assert old_pan.delivered_at < NOW - timedelta(days=WINDOW_DAYS[Category(pan.category)])


def test_perishables_shipped_late(seeded):
    engine, _ = seeded
    late = [
        o
        for o, lines in orders_with_lines(engine)
        if any(line.category == Category.FRESH for line in lines)
        and o.shipped_at is not None
        and o.promised_by < NOW
        and o.delivered_at is None
        and o.tracking_status in (TrackingStatus.OVERDUE, TrackingStatus.ABNORMAL)
    ]
    assert len(late) >= 10
    assert {o.tracking_status for o in late} == {"overdue", "abnormal"}


def test_orders_outside_the_after_sales_window(seeded):
    engine, _ = seeded
    outside = [
        o
        for o, lines in orders_with_lines(engine)
        if o.delivered_at is not None
        and all(o.delivered_at < NOW - timedelta(days=WINDOW_DAYS[Category(line.category)]) for line in lines)
    ]
    assert len(outside) >= 40


def test_the_merchant_with_a_complaint_history_is_a_repeat_offender(seeded):
    engine, _ = seeded
    penalty_policy = Policy().penalties
    standing = DbMerchantDeposits(engine).standing("M013", since=NOW - penalty_policy.repeat_offender_window)
    assert standing.risk_level == "high" and not standing.trusted
    assert standing.penalties_in_window >= penalty_policy.repeat_offender_threshold
    assert standing.listing_blocked_until > NOW
    assert standing.deposit_required_minor == 2 * 3_000_000
    with session_scope(engine) as session:
        closed = session.exec(select(Complaint).where(Complaint.merchant_id == "M013")).all()
        penalties = session.exec(select(Penalty).where(Penalty.merchant_id == "M013")).all()
        penalty_entries = session.exec(select(LedgerEntry).where(LedgerEntry.kind == LedgerKind.PENALTY)).all()
    assert len(closed) >= 5 and all(c.stage == Stage.CLOSED and not c.is_open for c in closed)
    assert sorted(e.idempotency_key for e in penalty_entries) == sorted(p.idempotency_key for p in penalties)
    assert standing.deposit_minor == 3_000_000 - sum(p.deduction_minor for p in penalties)


def test_trusted_merchants_and_funded_deposits(seeded):
    engine, _ = seeded
    with session_scope(engine) as session:
        merchants = session.exec(select(Merchant)).all()
    assert sum(m.trusted for m in merchants) >= 2
    assert all(0 <= m.frozen_minor <= m.deposit_minor and m.deposit_required_minor > 0 for m in merchants)


def test_every_role_has_a_demo_user_who_can_log_in(seeded):
    engine, _ = seeded
    with session_scope(engine) as session:
        users = {u.username: u for u in session.exec(select(User)).all()}
    assert {u.role for u in users.values()} == {r.value for r in Role}
    assert (users["alice"].consumer_id, users["shop1"].merchant_id) == ("C001", "M001")
    assert {d.username for d in DEMO_USERS} == set(users)
    hasher = PasswordHash.recommended()
    assert hasher.verify(DEMO_PASSWORD, users["admin1"].hashed_password)
    assert not hasher.verify("wrong-password", users["admin1"].hashed_password)


def test_a_second_run_adds_nothing(seeded):
    engine, _ = seeded
    before = counts(engine)
    again = seed_demo(engine, now=NOW + timedelta(days=1))
    assert not again.created and again.orders == 0
    assert counts(engine) == before


def test_the_same_seed_and_time_give_the_same_data(request, tmp_path_factory):
    def snapshot(rng_seed: int):
        with fresh_engine("sqlite", request, tmp_path_factory) as engine:
            seed_demo(engine, now=NOW, rng_seed=rng_seed)
            return [(o.model_dump(), [line.model_dump() for line in lines]) for o, lines in orders_with_lines(engine)]

    first = snapshot(7)
    assert snapshot(7) == first
    assert snapshot(8) != first


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_concurrent_seeders_seed_once(kind, request, tmp_path_factory):
    with fresh_engine(kind, request, tmp_path_factory) as engine:
        barrier = Barrier(2)

        def seed():
            barrier.wait()
            return seed_demo(engine, now=NOW)

        with ThreadPoolExecutor(2) as pool:
            summaries = [f.result() for f in [pool.submit(seed), pool.submit(seed)]]
        assert sorted(s.created for s in summaries) == [False, True]
        assert counts(engine)["orders"] == 400
