"""DbMerchantDeposits against SQLite and PostgreSQL: balances, idempotency, all-or-nothing penalties."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from threading import Barrier

import pytest
from sqlalchemy import func
from sqlmodel import select

from adapters.db_platform import DbMerchantDeposits, DbPaymentGateway
from adapters.ports import PermanentFailure
from core.db import session_scope
from models.enums import LedgerKind
from models.tables import LedgerEntry, Merchant, Penalty
from tests.data.factories import NOW, add_complaint, add_merchant, uid


def balances(engine, merchant_id):
    with session_scope(engine) as session:
        m = session.get(Merchant, merchant_id)
        return m.deposit_minor, m.frozen_minor, m.deposit_required_minor, m.listing_blocked_until


def ledger_rows(engine, complaint_id):
    with session_scope(engine) as session:
        return session.exec(
            select(LedgerEntry).where(LedgerEntry.complaint_id == complaint_id).order_by(LedgerEntry.id)
        ).all()


def penalty_count(engine, merchant_id):
    with session_scope(engine) as session:
        return session.exec(select(func.count()).select_from(Penalty).where(Penalty.merchant_id == merchant_id)).one()


def test_freeze_is_booked_once_per_key(engine):
    merchant = add_merchant(engine, deposit_minor=50_000)
    complaint = add_complaint(engine, merchant)
    deposits = DbMerchantDeposits(engine)

    first = deposits.freeze(f"{complaint}:freeze", complaint, merchant, 12_000)
    again = deposits.freeze(f"{complaint}:freeze", complaint, merchant, 12_000)

    assert (first.created, first.amount_minor, first.kind) == (True, 12_000, LedgerKind.DEPOSIT_FREEZE)
    assert (again.created, again.amount_minor) == (False, 12_000)
    assert balances(engine, merchant)[:2] == (50_000, 12_000)
    [entry] = ledger_rows(engine, complaint)
    assert (entry.payer, entry.payee, entry.merchant_id) == (f"merchant:{merchant}", "platform", merchant)


def test_freeze_beyond_the_deposit_holds_what_is_there_and_unfreeze_releases_exactly_that(engine):
    merchant = add_merchant(engine, deposit_minor=10_000, frozen_minor=4_000)
    complaint = add_complaint(engine, merchant)
    deposits = DbMerchantDeposits(engine)

    frozen = deposits.freeze(f"{complaint}:freeze", complaint, merchant, 9_000)
    assert frozen.amount_minor == 6_000
    assert balances(engine, merchant)[:2] == (10_000, 10_000)

    released = deposits.unfreeze(f"{complaint}:unfreeze", complaint, merchant, 9_000)
    released_again = deposits.unfreeze(f"{complaint}:unfreeze", complaint, merchant, 9_000)
    assert (released.created, released.amount_minor) == (True, 6_000)
    assert (released_again.created, released_again.amount_minor) == (False, 6_000)
    # The 4,000 frozen by someone else stays frozen.
    assert balances(engine, merchant)[:2] == (10_000, 4_000)

    # A second release under another key finds nothing left held for this complaint.
    extra = deposits.unfreeze(f"{complaint}:unfreeze-2", complaint, merchant, 9_000)
    assert (extra.created, extra.amount_minor) == (True, 0)
    assert balances(engine, merchant)[:2] == (10_000, 4_000)


def test_penalty_deducts_blocks_and_raises_the_required_deposit_once(engine):
    merchant = add_merchant(engine, deposit_minor=100_000, required_minor=100_000)
    complaint = add_complaint(engine, merchant)
    deposits = DbMerchantDeposits(engine)
    blocked_until = NOW + timedelta(days=30)

    first = deposits.apply_penalty(f"{complaint}:penalty", complaint, merchant, 10_000, blocked_until, 2, True)
    again = deposits.apply_penalty(f"{complaint}:penalty", complaint, merchant, 10_000, blocked_until, 2, True)

    assert (first.created, first.kind, first.amount_minor) == (True, LedgerKind.PENALTY, 10_000)
    assert (again.created, again.amount_minor) == (False, 10_000)
    assert balances(engine, merchant) == (90_000, 0, 200_000, blocked_until)
    assert penalty_count(engine, merchant) == 1
    [entry] = ledger_rows(engine, complaint)
    assert (entry.idempotency_key, entry.kind, entry.payee) == (f"{complaint}:penalty", "penalty", "platform")


def test_penalty_keeps_a_later_listing_block_and_leaves_the_required_deposit_for_first_offenders(engine):
    merchant = add_merchant(engine, deposit_minor=100_000, required_minor=100_000)
    later = NOW + timedelta(days=60)
    with session_scope(engine) as session:
        m = session.get(Merchant, merchant)
        m.listing_blocked_until = later
        session.add(m)
    complaint = add_complaint(engine, merchant)

    DbMerchantDeposits(engine).apply_penalty(uid("k"), complaint, merchant, 5_000, NOW + timedelta(days=30), 2, False)

    assert balances(engine, merchant) == (95_000, 0, 100_000, later)


def test_penalty_larger_than_the_free_deposit_writes_nothing(engine):
    # 8,000 of the 10,000 deposit is held for refunds: only 2,000 may be taken.
    merchant = add_merchant(engine, deposit_minor=10_000, frozen_minor=8_000, required_minor=10_000)
    complaint = add_complaint(engine, merchant)
    before = balances(engine, merchant)

    with pytest.raises(PermanentFailure):
        DbMerchantDeposits(engine).apply_penalty(
            f"{complaint}:penalty", complaint, merchant, 2_001, NOW + timedelta(days=30), 2, True
        )

    assert balances(engine, merchant) == before
    assert penalty_count(engine, merchant) == 0
    assert ledger_rows(engine, complaint) == []


def test_standing_counts_penalties_since_the_window_start(engine):
    merchant = add_merchant(engine, deposit_minor=100_000)
    old = DbMerchantDeposits(engine, clock=lambda: NOW - timedelta(days=200))
    recent = DbMerchantDeposits(engine, clock=lambda: NOW - timedelta(days=10))
    old.apply_penalty(uid("k"), add_complaint(engine, merchant), merchant, 1_000, NOW, 1, False)
    for _ in range(2):
        recent.apply_penalty(uid("k"), add_complaint(engine, merchant), merchant, 1_000, NOW, 1, False)

    standing = recent.standing(merchant, since=NOW - timedelta(days=180))

    assert standing.penalties_in_window == 2
    assert (standing.deposit_minor, standing.frozen_minor, standing.listing_blocked_until) == (97_000, 0, NOW)


def test_unknown_merchant_and_reused_keys_are_permanent_failures(engine):
    merchant = add_merchant(engine)
    complaint = add_complaint(engine, merchant)
    deposits = DbMerchantDeposits(engine)
    with pytest.raises(PermanentFailure):
        deposits.freeze(uid("k"), complaint, uid("no-such-merchant"), 100)
    with pytest.raises(PermanentFailure):
        deposits.standing(uid("no-such-merchant"), NOW)

    key = uid("k")
    DbPaymentGateway(engine).pay(key, complaint, LedgerKind.MERCHANT_REFUND, 500, "merchant:x", "consumer:y")
    with pytest.raises(PermanentFailure):
        deposits.freeze(key, complaint, merchant, 100)
    assert balances(engine, merchant)[1] == 0


def test_negative_amounts_are_refused(engine):
    deposits = DbMerchantDeposits(engine)
    with pytest.raises(ValueError):
        deposits.freeze(uid("k"), "c", "m", -1)
    with pytest.raises(ValueError):
        deposits.apply_penalty(uid("k"), "c", "m", -1, NOW, 1, False)


def test_concurrent_freezes_with_one_key_freeze_once(engine):
    merchant = add_merchant(engine, deposit_minor=50_000)
    complaint = add_complaint(engine, merchant)
    deposits = DbMerchantDeposits(engine)
    barrier = Barrier(2)

    def freeze():
        barrier.wait()
        return deposits.freeze(f"{complaint}:freeze", complaint, merchant, 7_000)

    with ThreadPoolExecutor(2) as pool:
        receipts = [f.result() for f in [pool.submit(freeze), pool.submit(freeze)]]

    assert sorted(r.created for r in receipts) == [False, True]
    assert balances(engine, merchant)[1] == 7_000
    assert len(ledger_rows(engine, complaint)) == 1
