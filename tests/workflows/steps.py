"""Reusable walks through the early stages, so each test starts where its path begins."""

from sqlmodel import Session, select
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowUpdateFailedError

from audit.case_driver import AGENT, CaseDriver, Parties
from models.case import Assignment, ClassificationReview, LiabilityDecision, OfferProposal
from models.enums import Party, Stage
from models.tables import LedgerEntry
from workflows.complaint import ComplaintWorkflow as W


async def to_classification(
    driver: CaseDriver, who: Parties, description: str = "屏幕破损 the screen cracked after two days of use"
) -> str:
    filed = await driver.file(who, description)
    await driver.stage(filed.complaint_id, Stage.CLASSIFICATION)
    return filed.complaint_id


async def to_evidence(
    driver: CaseDriver, who: Parties, description: str = "屏幕破损 the screen cracked after two days of use"
) -> str:
    cid = await to_classification(driver, who, description)
    await driver.update(cid, W.review_classification, ClassificationReview(actor=AGENT, confirm=True))
    return cid


async def to_negotiation(driver: CaseDriver, who: Parties) -> str:
    cid = await to_evidence(driver, who)
    await driver.update(cid, W.set_liability, LiabilityDecision(actor=AGENT, party=Party.MERCHANT, reason="defect"))
    return cid


async def offer(driver: CaseDriver, cid: str, **kw):
    state = await driver.update(cid, W.make_offer, OfferProposal(actor=AGENT, **kw))
    return state.offers[-1]


async def claim(driver: CaseDriver, cid: str):
    return await driver.update(cid, W.assign, Assignment(actor=AGENT))


def ledger(driver: CaseDriver, cid: str) -> list[LedgerEntry]:
    with Session(driver.engine) as db:
        return list(db.exec(select(LedgerEntry).where(LedgerEntry.complaint_id == cid).order_by(LedgerEntry.id)))


async def history_types(driver: CaseDriver, cid: str) -> list[str]:
    return [EventType.Name(e.event_type) for e in (await driver.handle(cid).fetch_history()).events]


async def written_by(driver: CaseDriver, cid: str, call) -> list[str]:
    """Events that a call added beyond workflow-task bookkeeping (the test server keeps the task that ran
    a rejecting validator; a real server drops it)."""
    before = len(await history_types(driver, cid))
    try:
        await call
    except WorkflowUpdateFailedError:
        pass
    added = (await history_types(driver, cid))[before:]
    return [t for t in added if "WORKFLOW_TASK" not in t]


async def rejected(call) -> WorkflowUpdateFailedError:
    try:
        await call
    except WorkflowUpdateFailedError as err:
        return err
    raise AssertionError("the update was accepted")
