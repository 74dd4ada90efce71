"""The closed loop, a saga that has to undo itself, and a worker that dies in the middle of a case."""

import uuid
from datetime import timedelta

from sqlmodel import Session, select

from audit.case_driver import AGENT, SUPERVISOR, CaseDriver
from core.settings import Settings
from models.case import (
    ClassificationReview,
    MerchantRefundConfirmation,
    OfferResponse,
    SupervisorReview,
    SurveyAnswer,
    Tier3Approval,
)
from models.enums import LedgerKind, Stage, Tier
from models.tables import AuditLog, Merchant
from runtime.worker_build import build_worker
from tests.workflows.factories import make_order
from tests.workflows.steps import ledger, offer, to_classification, to_negotiation
from workflows.complaint import ComplaintWorkflow as W


async def _accept_tier1_and_execute(driver, who, cid):
    o = await offer(driver, cid)
    await driver.update(cid, W.respond_to_offer, OfferResponse(actor=who.consumer, offer_id=o.offer_id, accept=True))
    await driver.settle(cid, lambda st: any(p.action == "confirm_merchant_refund" for p in st.pending_actions))
    await driver.update(
        cid, W.confirm_merchant_refund, MerchantRefundConfirmation(actor=who.merchant, reference="RF-9")
    )
    await driver.stage(cid, Stage.REVIEW)


async def test_a_low_score_reopens_the_case_for_a_supervisor_who_renegotiates(driver):
    who = make_order(driver.engine)
    cid = await to_negotiation(driver, who)
    await _accept_tier1_and_execute(driver, who, cid)
    await driver.skip(timedelta(hours=48, minutes=1))
    await driver.settle(cid, lambda st: st.survey is not None and st.survey.sent_at is not None)
    s = await driver.update(
        cid, W.answer_survey, SurveyAnswer(actor=who.consumer, resolved_score=60, communication_score=90)
    )
    assert s.stage == Stage.REOPENED and s.assignee == "supervisors" and s.reopen_count == 1
    s = await driver.update(
        cid,
        W.supervisor_review,
        SupervisorReview(actor=SUPERVISOR, decision="renegotiate", reason="refund did not cover return postage"),
    )
    assert s.stage == Stage.NEGOTIATION and s.tier == Tier.REFUND


async def test_no_survey_answer_closes_the_case_after_the_window(driver):
    who = make_order(driver.engine)
    cid = await to_negotiation(driver, who)
    await _accept_tier1_and_execute(driver, who, cid)
    await driver.skip(timedelta(hours=48, minutes=1))
    await driver.settle(cid, lambda st: st.survey is not None and st.survey.sent_at is not None)
    await driver.skip(timedelta(days=7, minutes=1))
    s = await driver.stage(cid, Stage.CLOSED)
    assert s.outcome == "resolved_no_survey" and s.root_cause == "merchant_product"


async def test_a_permanent_failure_compensates_and_escalates_to_a_supervisor(driver):
    who = make_order(driver.engine, category="fresh", paid_minor=8800, deposit_minor=0)
    cid = await to_classification(driver, who, "牛奶变质 the milk was spoiled")
    await driver.update(cid, W.review_classification, ClassificationReview(actor=AGENT, confirm=True))
    await driver.update(cid, W.approve_tier3, Tier3Approval(actor=SUPERVISOR, approve=True, reason="food safety"))
    o = (await driver.state(cid)).offers[-1]
    await driver.update(cid, W.respond_to_offer, OfferResponse(actor=who.consumer, offer_id=o.offer_id, accept=True))
    s = await driver.settle(cid, lambda st: st.outcome == "execution_failed" and st.escalation_level == 1)
    assert s.stage == Stage.EXECUTION and s.escalation_level == 1 and s.assignee == "supervisors"
    assert any(p.action == "supervisor_review" for p in s.pending_actions)
    entries = ledger(driver, cid)
    paid = [e for e in entries if e.kind != LedgerKind.REVERSAL]
    reversals = {e.reverses_key for e in entries if e.kind == LedgerKind.REVERSAL}
    assert {e.idempotency_key for e in paid} == reversals  # everything paid was paid back, once
    assert not any(e.kind == LedgerKind.PENALTY for e in entries)
    s = await driver.update(
        cid,
        W.supervisor_review,
        SupervisorReview(actor=SUPERVISOR, decision="close", reason="merchant deposit empty: legal route"),
    )
    assert s.stage == Stage.CLOSED and s.outcome == "closed_by_supervisor"


async def test_a_worker_restarted_mid_case_continues_from_history_with_nothing_doubled(dev_env, wf_engine, policy):
    """On the real dev server: a worker that shuts down hands its sticky cases back to the task queue."""
    case_env = dev_env
    who = make_order(wf_engine)
    task_queue = f"tq-{uuid.uuid4().hex[:8]}"
    async with build_worker(case_env.client, wf_engine, Settings(), task_queue=task_queue):
        first = CaseDriver(case_env, wf_engine, task_queue, policy)
        cid = await to_negotiation(first, who)
        o = await offer(first, cid)
        await first.update(cid, W.respond_to_offer, OfferResponse(actor=who.consumer, offer_id=o.offer_id, accept=True))
        await first.settle(cid, lambda st: any(p.action == "confirm_merchant_refund" for p in st.pending_actions))
    # The first worker is gone, its cache with it; a fresh one must rebuild the case from history alone.
    async with build_worker(case_env.client, wf_engine, Settings(), task_queue=task_queue):
        second = CaseDriver(case_env, wf_engine, task_queue, policy)
        await second.update(
            cid, W.confirm_merchant_refund, MerchantRefundConfirmation(actor=who.merchant, reference="RF-7")
        )
        s = await second.stage(cid, Stage.REVIEW)
    keys = [e.idempotency_key for e in ledger(second, cid)]
    assert len(keys) == len(set(keys)) == 3
    with Session(wf_engine) as db:
        seqs = [
            a.details["seq"]
            for a in db.exec(select(AuditLog).where(AuditLog.complaint_id == cid).order_by(AuditLog.id))
        ]
        merchant = db.get(Merchant, who.merchant.id)
    assert seqs == list(range(1, len(seqs) + 1))
    assert merchant.frozen_minor == 0 and s.execution[-1].name == "deposit_unfrozen"
    await (first.handle(cid)).terminate("test finished")
