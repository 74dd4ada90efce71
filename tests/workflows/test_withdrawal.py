"""Withdrawal closes the offers still open: they read `withdrawn`, never "pending" on a closed case."""

from sqlmodel import Session, select

from models.case import Withdrawal
from models.enums import OfferStatus, Stage
from models.tables import Offer
from tests.workflows.factories import make_order
from tests.workflows.steps import offer, to_negotiation
from workflows.complaint import ComplaintWorkflow as W


async def test_withdrawing_with_an_open_offer_closes_it(driver):
    who = make_order(driver.engine)
    cid = await to_negotiation(driver, who)
    o = await offer(driver, cid)
    assert o.status == OfferStatus.PENDING
    s = await driver.update(cid, W.withdraw, Withdrawal(actor=who.consumer, reason="sorted it out"))
    assert s.stage == Stage.WITHDRAWN
    assert [x.status for x in s.offers] == [OfferStatus.WITHDRAWN]
    with Session(driver.engine) as db:
        rows = db.exec(select(Offer).where(Offer.complaint_id == cid)).all()
    assert [r.status for r in rows] == ["withdrawn"]
