"""Severity-A food safety and the logistics circuit breaker skip the haggling: refund first, at tier 3."""

from sqlmodel import Session, select

from audit.case_driver import AGENT, SUPERVISOR
from models.case import ClassificationReview, OfferResponse, ShipmentConfirmation, Tier3Approval
from models.enums import LedgerKind, OfferStatus, Party, Severity, Stage, Tier
from models.tables import Reshipment
from tests.workflows.factories import make_order
from tests.workflows.steps import ledger, to_classification
from workflows.complaint import ComplaintWorkflow as W


async def _approve_and_accept(driver, who, cid):
    await driver.update(cid, W.approve_tier3, Tier3Approval(actor=SUPERVISOR, approve=True, reason="fast path"))
    offer = (await driver.state(cid)).offers[-1]
    await driver.update(
        cid, W.respond_to_offer, OfferResponse(actor=who.consumer, offer_id=offer.offer_id, accept=True)
    )


async def test_spoiled_food_goes_straight_to_platform_advance_with_recovery_from_the_merchant(driver):
    who = make_order(driver.engine, category="fresh", paid_minor=8800)
    cid = await to_classification(driver, who, "牛奶变质 the milk was spoiled, my child is allergic")
    s = await driver.state(cid)
    assert s.classification.type.value == "food_safety" and s.classification.severity == Severity.A
    s = await driver.update(cid, W.review_classification, ClassificationReview(actor=AGENT, confirm=True))
    assert s.stage == Stage.NEGOTIATION and s.tier == Tier.PLATFORM_ADVANCE
    assert s.liability.party == Party.MERCHANT and s.offers[-1].status == OfferStatus.AWAITING_APPROVAL
    await _approve_and_accept(driver, who, cid)
    await driver.stage(cid, Stage.REVIEW)
    entries = ledger(driver, cid)
    assert [e.kind for e in entries][:2] == [LedgerKind.PLATFORM_ADVANCE, LedgerKind.RECOVERY]
    assert entries[1].payer == f"merchant:{who.merchant.id}"
    assert LedgerKind.PENALTY in [e.kind for e in entries]


async def test_late_perishable_trips_the_circuit_breaker_recovering_from_the_carrier(driver):
    who = make_order(driver.engine, category="fresh", late=True, tracking="overdue", delivered_days_ago=None)
    cid = await to_classification(driver, who, "快递延误 the parcel is late and still not received")
    s = await driver.update(cid, W.review_classification, ClassificationReview(actor=AGENT, confirm=True))
    assert s.tier == Tier.PLATFORM_ADVANCE and s.liability.party == Party.CARRIER
    assert s.offers[-1].reship and s.offers[-1].recover_from == Party.CARRIER
    await _approve_and_accept(driver, who, cid)
    await driver.settle(cid, lambda st: any(p.action == "confirm_shipment" for p in st.pending_actions))
    await driver.update(
        cid,
        W.confirm_shipment,
        ShipmentConfirmation(actor=who.merchant, carrier="SF", tracking_number="SF123456789"),
    )
    await driver.stage(cid, Stage.REVIEW)
    entries = ledger(driver, cid)
    # Tier 3 carries the tier-2 gift too; the merchant is not penalised for the carrier's fault.
    assert [e.kind for e in entries] == [
        LedgerKind.PLATFORM_ADVANCE,
        LedgerKind.RECOVERY,
        LedgerKind.COUPON,
        LedgerKind.POINTS,
    ]
    assert entries[1].payer == "carrier:SF"
    with Session(driver.engine) as db:
        shipment = db.exec(select(Reshipment).where(Reshipment.complaint_id == cid)).one()
    assert shipment.tracking_number == "SF123456789"


async def test_spoiled_food_late_by_the_carrier_is_paid_at_once_and_recovered_from_the_carrier(driver):
    who = make_order(driver.engine, category="fresh", paid_minor=8800, late=True)
    cid = await to_classification(driver, who, "牛奶变质 the milk arrived late and spoiled, my child got sick")
    s = await driver.state(cid)
    assert s.classification.type.value == "food_safety" and s.classification.severity == Severity.A
    s = await driver.update(cid, W.review_classification, ClassificationReview(actor=AGENT, confirm=True))
    # No supervisor approval, no consumer acceptance (policy switch off by default): execution at once.
    assert s.liability.party == Party.CARRIER and s.offers[-1].status == OfferStatus.ACCEPTED
    s = await driver.settle(cid, lambda st: st.stage != Stage.NEGOTIATION)
    assert s.stage in (Stage.EXECUTION, Stage.REVIEW)
    if s.offers[-1].reship:
        await driver.settle(cid, lambda st: any(p.action == "confirm_shipment" for p in st.pending_actions))
        await driver.update(
            cid,
            W.confirm_shipment,
            ShipmentConfirmation(actor=who.merchant, carrier="SF", tracking_number="SF987654321"),
        )
    await driver.stage(cid, Stage.REVIEW)
    entries = ledger(driver, cid)
    assert [e.kind for e in entries][:2] == [LedgerKind.PLATFORM_ADVANCE, LedgerKind.RECOVERY]
    assert entries[1].payer.startswith("carrier:") and LedgerKind.PENALTY not in [e.kind for e in entries]
