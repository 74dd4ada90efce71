from sqlmodel import Session, select

from audit.case_driver import AGENT
from models.case import (
    ClassificationReview,
    LiabilityDecision,
    MerchantRefundConfirmation,
    OfferProposal,
    OfferResponse,
    SurveyAnswer,
)
from models.enums import LedgerKind, OfferStatus, Party, Stage, Tier
from models.tables import AuditLog, Complaint, LedgerEntry
from tests.workflows.factories import make_order
from workflows.complaint import ComplaintWorkflow as W


async def test_tier1_refund_accepted_runs_to_closed(driver):
    who = make_order(driver.engine)
    filed = await driver.file(who, "屏幕破损 the screen cracked after two days of use")
    assert not filed.joined
    cid = filed.complaint_id
    s = await driver.stage(cid, Stage.CLASSIFICATION)
    assert s.classification.type.value == "quality_defect"
    s = await driver.update(cid, W.review_classification, ClassificationReview(actor=AGENT, confirm=True))
    assert s.stage == Stage.EVIDENCE
    assert [r.party for r in s.evidence_requests] == [Party.MERCHANT]
    s = await driver.update(
        cid, W.set_liability, LiabilityDecision(actor=AGENT, party=Party.MERCHANT, reason="photo shows crack")
    )
    assert s.stage == Stage.NEGOTIATION and s.tier == Tier.REFUND
    s = await driver.update(cid, W.make_offer, OfferProposal(actor=AGENT))
    offer = s.offers[-1]
    assert offer.status == OfferStatus.PENDING and offer.refund_minor == 19900
    s = await driver.update(
        cid, W.respond_to_offer, OfferResponse(actor=who.consumer, offer_id=offer.offer_id, accept=True)
    )
    assert s.stage == Stage.EXECUTION
    await driver.settle(cid, lambda st: any(p.action == "confirm_merchant_refund" for p in st.pending_actions))
    await driver.update(
        cid, W.confirm_merchant_refund, MerchantRefundConfirmation(actor=who.merchant, reference="RF-1")
    )
    await driver.stage(cid, Stage.REVIEW)
    from datetime import timedelta

    await driver.skip(timedelta(hours=49))
    s = await driver.settle(cid, lambda st: st.survey is not None and st.survey.sent_at is not None)
    s = await driver.update(
        cid, W.answer_survey, SurveyAnswer(actor=who.consumer, resolved_score=95, communication_score=90)
    )
    assert s.stage == Stage.CLOSED and s.outcome == "resolved"
    with Session(driver.engine) as db:
        kinds = [
            e.kind for e in db.exec(select(LedgerEntry).where(LedgerEntry.complaint_id == cid).order_by(LedgerEntry.id))
        ]
        row = db.get(Complaint, cid)
        audit = db.exec(select(AuditLog).where(AuditLog.complaint_id == cid)).all()
    assert kinds == [LedgerKind.DEPOSIT_FREEZE, LedgerKind.MERCHANT_REFUND, LedgerKind.DEPOSIT_UNFREEZE]
    assert (
        row.stage == "closed"
        and not row.is_open
        and row.refunded_minor == 19900
        and row.root_cause == "merchant_product"
    )
    assert audit[0].action == "filed" and audit[-1].action == "closed"
