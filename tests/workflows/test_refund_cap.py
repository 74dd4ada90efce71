"""Money to the consumer for an order line never exceeds what was paid, across every round of a case."""

from datetime import timedelta

from audit.case_driver import AGENT, SUPERVISOR
from models.case import MerchantRefundConfirmation, OfferProposal, OfferResponse, SupervisorReview, SurveyAnswer
from models.enums import LedgerKind, Stage
from tests.workflows.factories import make_order
from tests.workflows.steps import ledger, offer, rejected, to_negotiation
from workflows.complaint import ComplaintWorkflow as W

CONSUMER_MONEY = (LedgerKind.MERCHANT_REFUND, LedgerKind.PLATFORM_ADVANCE)


def consumer_total(driver, cid: str) -> int:
    entries = ledger(driver, cid)
    reversed_keys = {e.reverses_key for e in entries if e.kind == LedgerKind.REVERSAL}
    return sum(e.amount_minor for e in entries if e.kind in CONSUMER_MONEY and e.idempotency_key not in reversed_keys)


async def _reopen_after_full_refund(driver, who, cid) -> None:
    o = await offer(driver, cid)
    await driver.update(cid, W.respond_to_offer, OfferResponse(actor=who.consumer, offer_id=o.offer_id, accept=True))
    await driver.settle(cid, lambda st: any(p.action == "confirm_merchant_refund" for p in st.pending_actions))
    await driver.update(
        cid, W.confirm_merchant_refund, MerchantRefundConfirmation(actor=who.merchant, reference="RF-1")
    )
    await driver.stage(cid, Stage.REVIEW)
    await driver.skip(timedelta(hours=48, minutes=1))
    await driver.settle(cid, lambda st: st.survey is not None and st.survey.sent_at is not None)
    await driver.update(
        cid, W.answer_survey, SurveyAnswer(actor=who.consumer, resolved_score=60, communication_score=90)
    )
    await driver.update(
        cid,
        W.supervisor_review,
        SupervisorReview(actor=SUPERVISOR, decision="renegotiate", reason="postage not covered"),
    )


async def test_a_renegotiated_round_after_a_full_refund_pays_the_consumer_nothing_more(driver):
    who = make_order(driver.engine, paid_minor=12_900)
    cid = await to_negotiation(driver, who)
    await _reopen_after_full_refund(driver, who, cid)
    assert consumer_total(driver, cid) == 12_900

    # The new offer defaults to the remainder (nothing), and more than the remainder is refused.
    err = await rejected(driver.update(cid, W.make_offer, OfferProposal(actor=AGENT, refund_minor=100)))
    assert err.cause.type == "InvalidInput" and "remainder 0" in err.cause.message
    second = await offer(driver, cid)
    assert second.refund_minor == 0
    await driver.update(
        cid, W.respond_to_offer, OfferResponse(actor=who.consumer, offer_id=second.offer_id, accept=True)
    )
    s = await driver.stage(cid, Stage.REVIEW)
    assert consumer_total(driver, cid) == 12_900 <= s.order.paid_minor
    assert [e.kind for e in ledger(driver, cid)].count(LedgerKind.MERCHANT_REFUND) == 1


async def test_a_partial_second_round_needs_its_own_merchant_confirmation(driver):
    who = make_order(driver.engine, paid_minor=12_900)
    cid = await to_negotiation(driver, who)
    o = await offer(driver, cid, refund_minor=10_000)
    await driver.update(cid, W.respond_to_offer, OfferResponse(actor=who.consumer, offer_id=o.offer_id, accept=True))
    await driver.settle(cid, lambda st: any(p.action == "confirm_merchant_refund" for p in st.pending_actions))
    await driver.update(
        cid, W.confirm_merchant_refund, MerchantRefundConfirmation(actor=who.merchant, reference="RF-1")
    )
    await driver.stage(cid, Stage.REVIEW)
    await driver.skip(timedelta(hours=48, minutes=1))
    await driver.settle(cid, lambda st: st.survey is not None and st.survey.sent_at is not None)
    await driver.update(
        cid, W.answer_survey, SurveyAnswer(actor=who.consumer, resolved_score=60, communication_score=90)
    )
    await driver.update(
        cid, W.supervisor_review, SupervisorReview(actor=SUPERVISOR, decision="renegotiate", reason="not enough")
    )
    second = await offer(driver, cid)
    assert second.refund_minor == 2_900  # the remainder
    await driver.update(
        cid, W.respond_to_offer, OfferResponse(actor=who.consumer, offer_id=second.offer_id, accept=True)
    )
    # Round 2 waits for a confirmation of its own: round 1's reference paid nothing again.
    s = await driver.settle(cid, lambda st: any(p.action == "confirm_merchant_refund" for p in st.pending_actions))
    assert s.stage == Stage.EXECUTION and consumer_total(driver, cid) == 10_000
    err = await rejected(
        driver.update(cid, W.confirm_merchant_refund, MerchantRefundConfirmation(actor=who.merchant, reference="RF-1"))
    )
    assert err.cause.type == "Conflict"
    await driver.update(
        cid, W.confirm_merchant_refund, MerchantRefundConfirmation(actor=who.merchant, reference="RF-2")
    )
    await driver.stage(cid, Stage.REVIEW)
    assert consumer_total(driver, cid) == 12_900
