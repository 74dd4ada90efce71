"""Timers decide on their own: silent parties, SLA warnings and breaches, paused clocks."""

from datetime import timedelta

from sqlmodel import Session, select

from audit.case_driver import AGENT, evidence
from models.case import ClockControl, EvidenceRequestCmd, EvidenceSubmission
from models.enums import Party, Stage
from models.tables import AuditLog, SlaBreach
from tests.workflows.factories import make_order
from tests.workflows.steps import claim, to_classification, to_evidence
from workflows.complaint import ComplaintWorkflow as W


def clock(state, name):
    return next(c for c in state.clocks if c.name == name)


async def test_merchant_silent_past_its_deadline_is_held_liable(driver):
    who = make_order(driver.engine)
    cid = await to_evidence(driver, who)
    await driver.skip(timedelta(hours=48, minutes=1))
    s = await driver.stage(cid, Stage.NEGOTIATION)
    assert s.liability.party == Party.MERCHANT and s.liability.automatic
    assert s.liability.decided_by == "deadline"
    with Session(driver.engine) as db:
        actors = {a.action: a.actor_id for a in db.exec(select(AuditLog).where(AuditLog.complaint_id == cid))}
    assert actors["liability_set"] == "deadline:evidence:merchant"


async def test_consumer_silent_gets_one_reminder_then_the_case_closes_unsubstantiated(driver):
    who = make_order(driver.engine)
    cid = await to_evidence(driver, who)
    await driver.update(
        cid,
        W.submit_evidence,
        EvidenceSubmission(actor=who.merchant, party=Party.MERCHANT, item=evidence("qc-report")),
    )
    s = await driver.update(cid, W.request_evidence, EvidenceRequestCmd(actor=AGENT, party=Party.CONSUMER))
    assert all(c.paused for c in s.clocks if c.name != "dispute_limit")  # waiting on the consumer only
    await driver.skip(timedelta(hours=72, minutes=1))
    s = await driver.settle(cid, lambda st: st.evidence_requests[-1].reminded)
    assert s.stage == Stage.EVIDENCE
    await driver.skip(timedelta(hours=24, minutes=1))
    s = await driver.stage(cid, Stage.CLOSED)
    assert s.outcome == "unsubstantiated" and s.root_cause == "unsubstantiated"


async def test_a_stalled_case_warns_then_escalates_twice(driver):
    who = make_order(driver.engine)
    cid = await to_classification(driver, who)
    await claim(driver, cid)  # first contact made: only the 24 h plan clock of severity B runs on
    await driver.skip(timedelta(hours=20))
    s = await driver.settle(cid, lambda st: clock(st, "plan").warned)
    assert s.escalation_level == 0 and s.assignee == "agent1"
    await driver.skip(timedelta(hours=4, minutes=1))
    s = await driver.settle(cid, lambda st: st.escalation_level == 1)
    assert s.assignee == "supervisors" and s.priority == 1
    assert any(p.who == "supervisor_queue" for p in s.pending_actions)
    await driver.skip(timedelta(hours=24))
    s = await driver.settle(cid, lambda st: st.escalation_level == 2)
    with Session(driver.engine) as db:
        breaches = db.exec(select(SlaBreach).where(SlaBreach.complaint_id == cid).order_by(SlaBreach.level)).all()
    assert [(b.clock, b.level) for b in breaches] == [("plan", 1), ("plan", 2)]
    assert breaches[0].breached_at - breaches[0].due_at < timedelta(seconds=1)


async def test_pausing_the_clock_moves_its_deadline_by_the_pause(driver):
    who = make_order(driver.engine)
    cid = await to_evidence(driver, who)
    before = clock(await driver.state(cid), "evidence").due_at
    s = await driver.update(cid, W.control_clock, ClockControl(actor=AGENT, pause=True, reason="consumer abroad"))
    assert clock(s, "evidence").paused and not clock(s, "dispute_limit").paused
    await driver.skip(timedelta(hours=10))
    s = await driver.update(cid, W.control_clock, ClockControl(actor=AGENT, pause=False, reason="back"))
    moved = clock(s, "evidence").due_at - before
    assert timedelta(hours=10) <= moved < timedelta(hours=10, seconds=5)
    with Session(driver.engine) as db:
        actions = [a.action for a in db.exec(select(AuditLog).where(AuditLog.complaint_id == cid))]
    assert "clock_paused" in actions and "clock_resumed" in actions


async def test_an_override_needs_a_reason_and_is_audited_with_before_and_after(driver):
    from models.case import ClassificationReview
    from models.enums import Severity
    from tests.workflows.steps import rejected

    who = make_order(driver.engine)
    cid = await to_classification(driver, who)
    err = await rejected(
        driver.update(
            cid, W.review_classification, ClassificationReview(actor=AGENT, confirm=False, severity=Severity.A)
        )
    )
    assert err.cause.type == "InvalidInput" and err.cause.details[0]["field"] == "reason"
    s = await driver.update(
        cid,
        W.review_classification,
        ClassificationReview(actor=AGENT, confirm=False, severity=Severity.A, reason="customer reports a burn"),
    )
    assert s.classification.severity == Severity.A and s.classification.overridden
    assert all(c.name != "first_contact" for c in s.clocks)  # the agent's first action met first contact
    with Session(driver.engine) as db:
        row = db.exec(
            select(AuditLog).where(AuditLog.complaint_id == cid, AuditLog.action == "classification_overridden")
        ).one()
    assert row.reason == "customer reports a burn" and row.details["before"]["severity"] == "B"
