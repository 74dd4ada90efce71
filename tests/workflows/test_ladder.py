from datetime import timedelta

from sqlmodel import Session, select

from audit.case_driver import SUPERVISOR
from models.case import OfferResponse, Tier3Approval
from models.enums import LedgerKind, OfferStatus, Stage, Tier
from models.tables import Merchant, Penalty
from tests.workflows.factories import make_order
from tests.workflows.steps import ledger, offer, rejected, to_negotiation, written_by
from workflows.complaint import ComplaintWorkflow as W


async def test_declines_climb_to_tier3_which_needs_a_supervisor(driver):
    who = make_order(driver.engine, paid_minor=20000)
    cid = await to_negotiation(driver, who)
    consumer = who.consumer
    first = await offer(driver, cid)
    s = await driver.update(
        cid, W.respond_to_offer, OfferResponse(actor=consumer, offer_id=first.offer_id, accept=False)
    )
    assert s.tier == Tier.REFUND_PLUS_GIFT and s.stage == Stage.NEGOTIATION
    second = await offer(driver, cid)
    assert second.gift_coupon_minor == 1000 and second.gift_points == 100  # 5 % of 200.00, plus points
    s = await driver.update(
        cid, W.respond_to_offer, OfferResponse(actor=consumer, offer_id=second.offer_id, accept=False)
    )
    assert s.tier == Tier.PLATFORM_ADVANCE
    third = await offer(driver, cid)
    assert third.status == OfferStatus.AWAITING_APPROVAL and third.platform_advance
    err = await rejected(
        driver.update(cid, W.respond_to_offer, OfferResponse(actor=consumer, offer_id=third.offer_id, accept=True))
    )
    assert err.cause.type == "InvalidStage"
    s = await driver.update(
        cid, W.approve_tier3, Tier3Approval(actor=SUPERVISOR, approve=True, reason="merchant liable")
    )
    assert s.offers[-1].status == OfferStatus.PENDING
    await driver.update(cid, W.respond_to_offer, OfferResponse(actor=consumer, offer_id=third.offer_id, accept=True))
    s = await driver.stage(cid, Stage.REVIEW)
    kinds = [e.kind for e in ledger(driver, cid)]
    assert kinds == [
        LedgerKind.PLATFORM_ADVANCE,
        LedgerKind.RECOVERY,
        LedgerKind.COUPON,
        LedgerKind.POINTS,
        LedgerKind.PENALTY,
    ]
    with Session(driver.engine) as db:
        penalty = db.exec(select(Penalty).where(Penalty.complaint_id == cid)).one()
        merchant = db.get(Merchant, who.merchant.id)
    assert merchant.listing_blocked_until == penalty.listing_blocked_until
    assert merchant.deposit_minor == 500_000 - penalty.deduction_minor


async def test_supervisor_rejection_sends_the_agent_back_to_offer_again(driver):
    who = make_order(driver.engine)
    cid = await to_negotiation(driver, who)
    consumer = who.consumer
    for _ in range(2):
        o = await offer(driver, cid)
        await driver.update(cid, W.respond_to_offer, OfferResponse(actor=consumer, offer_id=o.offer_id, accept=False))
    await offer(driver, cid)
    s = await driver.update(cid, W.approve_tier3, Tier3Approval(actor=SUPERVISOR, approve=False, reason="too generous"))
    assert s.offers[-1].status == OfferStatus.REJECTED_BY_SUPERVISOR
    assert any(p.action == "make_offer" for p in s.pending_actions)
    again = await offer(driver, cid, refund_minor=15000)
    assert again.status == OfferStatus.AWAITING_APPROVAL and again.refund_minor == 15000


async def test_refund_above_paid_is_rejected_and_nothing_is_written(driver):
    who = make_order(driver.engine, paid_minor=19900)
    cid = await to_negotiation(driver, who)
    err = await rejected(offer(driver, cid, refund_minor=19901))
    assert err.cause.type == "InvalidInput" and "refund_minor" in err.cause.message
    assert await written_by(driver, cid, offer(driver, cid, refund_minor=19901)) == []
    assert (await driver.state(cid)).offers == []


async def test_an_unanswered_offer_gets_one_reminder_then_lapses_up_a_tier(driver):
    who = make_order(driver.engine)
    cid = await to_negotiation(driver, who)
    o = await offer(driver, cid)
    await driver.skip(timedelta(hours=49))
    s = await driver.settle(cid, lambda st: st.offers[-1].reminded)
    assert s.offers[-1].status == OfferStatus.PENDING
    await driver.skip(timedelta(hours=25))
    s = await driver.settle(cid, lambda st: st.offers[-1].status == OfferStatus.LAPSED)
    assert s.tier == Tier.REFUND_PLUS_GIFT and s.offers[-1].offer_id == o.offer_id
