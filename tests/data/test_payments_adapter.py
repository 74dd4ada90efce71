"""DbPaymentGateway, DbNotifier and DbOrderLookup against SQLite and PostgreSQL."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from adapters.db_platform import DbMerchantDeposits, DbNotifier, DbOrderLookup, DbPaymentGateway
from adapters.ports import PermanentFailure
from core.db import session_scope
from models.enums import LedgerKind
from models.tables import LedgerEntry, Notification
from tests.data.factories import NOW, add_complaint, add_consumer, add_merchant, add_order, add_world, uid


def entries(engine, complaint_id):
    with session_scope(engine) as session:
        return session.exec(
            select(LedgerEntry).where(LedgerEntry.complaint_id == complaint_id).order_by(LedgerEntry.id)
        ).all()


def refund(gateway, key, complaint, amount=8_800):
    return gateway.pay(
        key,
        complaint,
        LedgerKind.MERCHANT_REFUND,
        amount,
        "merchant:M1",
        "consumer:C1",
        merchant_id=None,
        reference="order O1",
    )


def test_pay_books_one_entry_per_key(engine):
    complaint = add_complaint(engine)
    gateway = DbPaymentGateway(engine)

    first = refund(gateway, f"{complaint}:refund", complaint)
    again = refund(gateway, f"{complaint}:refund", complaint)

    assert (first.created, first.kind, first.amount_minor) == (True, LedgerKind.MERCHANT_REFUND, 8_800)
    assert (again.created, again.amount_minor) == (False, 8_800)
    [entry] = entries(engine, complaint)
    assert (entry.payer, entry.payee, entry.reference, entry.currency) == (
        "merchant:M1",
        "consumer:C1",
        "order O1",
        "CNY",
    )


def test_pay_refuses_negative_amounts_a_reused_key_and_an_unknown_complaint(engine):
    complaint = add_complaint(engine)
    gateway = DbPaymentGateway(engine)
    with pytest.raises(ValueError):
        refund(gateway, uid("k"), complaint, amount=-1)
    key = uid("k")
    refund(gateway, key, complaint)
    with pytest.raises(PermanentFailure):
        refund(gateway, key, complaint, amount=9_999)
    with pytest.raises(PermanentFailure):
        refund(gateway, uid("k"), uid("no-such-complaint"))
    assert len(entries(engine, complaint)) == 1


def test_a_payment_that_loses_the_race_answers_with_the_winner(engine):
    """The competing payment commits between our look-up and our insert: the unique key decides."""
    complaint = add_complaint(engine)
    key = f"{complaint}:advance"
    winner = DbPaymentGateway(engine)

    def clock_that_lets_a_competitor_in():
        refund(winner, key, complaint)
        return NOW

    loser = DbPaymentGateway(engine, clock=clock_that_lets_a_competitor_in)
    result = refund(loser, key, complaint)

    assert (result.created, result.amount_minor) == (False, 8_800)
    assert len(entries(engine, complaint)) == 1


def test_concurrent_payments_with_one_key_book_one_entry(engine):
    complaint = add_complaint(engine)
    gateway = DbPaymentGateway(engine)
    barrier = Barrier(2)

    def pay():
        barrier.wait()
        return refund(gateway, f"{complaint}:refund", complaint)

    with ThreadPoolExecutor(2) as pool:
        receipts = [f.result() for f in [pool.submit(pay), pool.submit(pay)]]

    assert sorted(r.created for r in receipts) == [False, True]
    assert len(entries(engine, complaint)) == 1


def test_reverse_books_the_opposite_once(engine):
    complaint = add_complaint(engine)
    gateway = DbPaymentGateway(engine)
    refund(gateway, f"{complaint}:refund", complaint)

    first = gateway.reverse(f"{complaint}:refund:reverse", f"{complaint}:refund")
    again = gateway.reverse(f"{complaint}:refund:reverse", f"{complaint}:refund")
    other_key = gateway.reverse(uid("k"), f"{complaint}:refund")

    assert (first.created, first.kind, first.amount_minor) == (True, LedgerKind.REVERSAL, 8_800)
    assert (again.created, other_key.created) == (False, False)
    assert other_key.idempotency_key == f"{complaint}:refund:reverse"
    original, reversal = entries(engine, complaint)
    assert (reversal.payer, reversal.payee) == (original.payee, original.payer)
    assert reversal.reverses_key == original.idempotency_key


def test_a_reversal_racing_under_another_key_answers_with_the_winner(engine):
    """Two reversals of one entry under different keys: the unique reverses_key lets one through."""
    complaint = add_complaint(engine)
    refund(DbPaymentGateway(engine), f"{complaint}:refund", complaint)

    def clock_that_lets_a_competitor_in():
        DbPaymentGateway(engine).reverse(f"{complaint}:reverse-a", f"{complaint}:refund")
        return NOW

    result = DbPaymentGateway(engine, clock=clock_that_lets_a_competitor_in).reverse(
        f"{complaint}:reverse-b", f"{complaint}:refund"
    )

    assert (result.created, result.idempotency_key) == (False, f"{complaint}:reverse-a")
    assert [e.idempotency_key for e in entries(engine, complaint)] == [f"{complaint}:refund", f"{complaint}:reverse-a"]


def test_reverse_of_nothing_is_none_and_deposit_entries_are_not_reversed_here(engine):
    merchant = add_merchant(engine)
    complaint = add_complaint(engine, merchant)
    gateway = DbPaymentGateway(engine)
    assert gateway.reverse(uid("k"), uid("never-booked")) is None

    DbMerchantDeposits(engine).freeze(f"{complaint}:freeze", complaint, merchant, 1_000)
    with pytest.raises(PermanentFailure):
        gateway.reverse(uid("k"), f"{complaint}:freeze")
    assert len(entries(engine, complaint)) == 1


def test_notifier_writes_each_key_once(engine):
    complaint = add_complaint(engine)
    notifier = DbNotifier(engine)
    key = f"{complaint}:ack"

    assert notifier.send(key, "consumer:C1", "complaint_received", complaint, {"stage": "intake"}) is True
    assert notifier.send(key, "consumer:C1", "complaint_received", complaint, {"stage": "other"}) is False

    with session_scope(engine) as session:
        rows = session.exec(select(Notification).where(Notification.complaint_id == complaint)).all()
    assert [(r.id, r.body) for r in rows] == [(key, {"stage": "intake"})]


def test_order_lookup_returns_the_order_with_its_lines(engine):
    consumer, merchant = add_consumer(engine), add_merchant(engine)
    order_id = add_order(engine, consumer, merchant, lines=2)
    lookup = DbOrderLookup(engine)

    order = lookup.find_order(order_id)

    assert (order.consumer_id, order.merchant_id, order.paid_minor, order.placed_at) == (consumer, merchant, 2_000, NOW)
    assert [line.id for line in order.lines] == [f"{order_id}-L1", f"{order_id}-L2"]
    assert lookup.find_order(uid("no-such-order")) is None


def test_consumer_money_for_a_line_never_exceeds_its_price_across_cases_and_kinds(engine):
    """The line cost 1000: refunds and platform advances together stop there, under the ledger's lock."""
    world = add_world(engine)
    other_case = add_complaint(engine)
    line = f"{world.order}-L1"
    gateway = DbPaymentGateway(engine)

    def to_consumer(key, complaint, kind, amount):
        return gateway.pay(
            key, complaint, kind, amount, "merchant:M1", "consumer:C1", order_line_id=line, line_paid_minor=1000
        )

    to_consumer(uid("r1"), world.complaint, LedgerKind.MERCHANT_REFUND, 600)
    again = to_consumer(uid("r2"), other_case, LedgerKind.PLATFORM_ADVANCE, 400)
    assert again.created and gateway.consumer_total(line) == 1000
    with pytest.raises(PermanentFailure, match="refused by the database"):
        to_consumer(uid("r3"), world.complaint, LedgerKind.MERCHANT_REFUND, 1)
    assert gateway.consumer_total(line) == 1000 and len(entries(engine, world.complaint)) == 1

    # A reversal gives the room back; a coupon never counts against it.
    first = entries(engine, world.complaint)[0].idempotency_key
    gateway.reverse(uid("rev"), first)
    assert gateway.consumer_total(line) == 400
    gateway.pay(uid("c"), world.complaint, LedgerKind.COUPON, 5000, "platform", "consumer:C1")
    to_consumer(uid("r4"), world.complaint, LedgerKind.MERCHANT_REFUND, 600)
    assert gateway.consumer_total(line) == 1000


def test_the_line_price_comes_from_the_order_system_not_the_caller(engine):
    world = add_world(engine)
    gateway = DbPaymentGateway(engine)
    with pytest.raises(PermanentFailure):
        gateway.pay(
            uid("r"),
            world.complaint,
            LedgerKind.MERCHANT_REFUND,
            5000,
            "merchant:M1",
            "consumer:C1",
            order_line_id=f"{world.order}-L1",
            line_paid_minor=99_999,
        )


def test_concurrent_refunds_for_one_line_cannot_overpay(engine):
    world = add_world(engine)
    line = f"{world.order}-L1"
    gateway = DbPaymentGateway(engine)
    barrier = Barrier(4)

    def refund_700(n: int) -> bool:
        barrier.wait()
        try:
            gateway.pay(
                uid(f"race{n}"),
                world.complaint,
                LedgerKind.MERCHANT_REFUND,
                700,
                "merchant:M1",
                "consumer:C1",
                order_line_id=line,
                line_paid_minor=1000,
            )
            return True
        except PermanentFailure:
            return False

    with ThreadPoolExecutor(4) as pool:
        booked = list(pool.map(refund_700, range(4)))
    assert booked.count(True) == 1 and gateway.consumer_total(line) == 700


def test_points_are_booked_in_points_not_cny(engine):
    complaint = add_complaint(engine)
    gateway = DbPaymentGateway(engine)
    gateway.pay(uid("p"), complaint, LedgerKind.POINTS, 200, "platform", "consumer:C1")
    [entry] = entries(engine, complaint)
    assert (entry.kind, entry.currency, entry.amount_minor) == ("points", "POINTS", 200)
    with pytest.raises(IntegrityError):
        with session_scope(engine) as session:
            session.add(
                LedgerEntry(
                    idempotency_key=uid("bad"),
                    complaint_id=complaint,
                    kind="points",
                    amount_minor=1,
                    currency="CNY",
                    payer="platform",
                    payee="consumer:C1",
                    created_at=NOW,
                )
            )
