"""Penalties follow liability, not the tier: a counterfeit settled by a tier-1 refund is still penalised."""

from datetime import UTC, datetime

from sqlmodel import Session, select

from audit.case_driver import AGENT, Parties
from models.case import LiabilityDecision, MerchantRefundConfirmation, OfferResponse
from models.enums import Party, Role, Stage, Tier
from models.tables import Complaint, Notification, Penalty, RectificationInterview
from tests.workflows.factories import make_order
from tests.workflows.steps import offer, to_evidence
from workflows.complaint import ComplaintWorkflow as W


def earlier_penalties(engine, who: Parties, count: int) -> None:
    """`count` penalties booked on the merchant by earlier cases (rows only: no workflow behind them)."""
    now = datetime.now(UTC)
    with Session(engine) as db:
        for n in range(count):
            cid = f"PRIOR-{who.merchant.id}-{n}"
            db.add(
                Complaint(
                    id=cid,
                    workflow_id=f"complaint-{cid}",
                    consumer_id=who.consumer.id,
                    merchant_id=who.merchant.id,
                    order_id=who.order_id,
                    stage="closed",
                    is_open=False,
                    created_at=now,
                    updated_at=now,
                )
            )
            db.flush()
            db.add(
                Penalty(
                    idempotency_key=f"{cid}:penalty",
                    complaint_id=cid,
                    merchant_id=who.merchant.id,
                    deduction_minor=1000,
                    listing_blocked_until=now,
                    created_at=now,
                )
            )
        db.commit()


async def test_a_counterfeit_settled_at_tier1_is_penalised_and_a_repeat_offender_interviewed(driver):
    who = make_order(driver.engine)
    earlier_penalties(driver.engine, who, 4)
    cid = await to_evidence(driver, who, "假货 this is a counterfeit, the logo is fake")
    s = await driver.update(
        cid, W.set_liability, LiabilityDecision(actor=AGENT, party=Party.MERCHANT, reason="fake logo")
    )
    assert s.classification.type.value == "counterfeit" and s.tier == Tier.REFUND
    o = await offer(driver, cid)
    await driver.update(cid, W.respond_to_offer, OfferResponse(actor=who.consumer, offer_id=o.offer_id, accept=True))
    await driver.settle(cid, lambda st: any(p.action == "confirm_merchant_refund" for p in st.pending_actions))
    await driver.update(
        cid, W.confirm_merchant_refund, MerchantRefundConfirmation(actor=who.merchant, reference="RF-1")
    )
    s = await driver.stage(cid, Stage.REVIEW)
    interview = [p for p in s.pending_actions if p.action == "rectification_interview"]
    assert len(interview) == 1 and interview[0].who == Role.SUPERVISOR and interview[0].due_at is not None
    with Session(driver.engine) as db:
        booked = db.exec(select(Penalty).where(Penalty.complaint_id == cid)).one()
        told = db.exec(
            select(Notification).where(
                Notification.complaint_id == cid, Notification.template == "rectification_interview_due"
            )
        ).all()
        task = db.exec(select(RectificationInterview).where(RectificationInterview.complaint_id == cid)).one()
    assert booked.repeat_offender and booked.deposit_multiplier == 2
    assert [n.recipient for n in told] == ["queue:supervisors"]
    # The supervisors' task is booked with the penalty, keyed by it, due when the pending action says.
    assert (task.id, task.merchant_id, task.held_at) == (booked.idempotency_key, who.merchant.id, None)
    assert task.due_at == interview[0].due_at
