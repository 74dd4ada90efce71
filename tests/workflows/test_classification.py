"""The classifier in the workflow: an unclear text goes to the agent; an urgent one gets A's clock at filing."""

from datetime import timedelta

from audit.case_driver import AGENT, evidence
from models.case import ClassificationReview, IntakeCompletion
from models.enums import ComplaintType, Severity, Stage
from tests.workflows.factories import make_order
from tests.workflows.steps import rejected, to_classification
from workflows.complaint import ComplaintWorkflow as W


async def test_an_unclear_text_is_routed_to_the_agent_to_classify(driver):
    who = make_order(driver.engine)
    cid = await to_classification(driver, who, "about my order, please call me back")
    s = await driver.state(cid)
    assert s.classification.needs_agent and s.classification.confidence < driver.policy.classification.min_confidence
    assert [p.action for p in s.pending_actions] == ["classify"]
    err = await rejected(driver.update(cid, W.review_classification, ClassificationReview(actor=AGENT, confirm=True)))
    assert err.cause.type == "InvalidInput" and err.cause.details[0]["field"] == "type"
    s = await driver.update(
        cid,
        W.review_classification,
        ClassificationReview(
            actor=AGENT, confirm=False, type=ComplaintType.AFTER_SALES, reason="asks for a call about a return"
        ),
    )
    assert s.stage == Stage.EVIDENCE and s.classification.type == ComplaintType.AFTER_SALES
    assert not s.classification.needs_agent


async def test_an_urgent_text_gets_the_urgent_first_contact_clock_while_intake_is_incomplete(driver):
    who = make_order(driver.engine)
    filed = await driver.file(
        who,
        "屏幕破损 the screen cracked, then the battery caught fire and burned my hand 电池起火烫伤",
        with_evidence=False,
    )
    cid = filed.complaint_id
    s = await driver.settle(cid, lambda st: st.missing_info == ["evidence"])
    first = next(c for c in s.clocks if c.name == "first_contact")
    urgent = driver.policy.sla.by_severity[Severity.A].first_contact
    assert s.stage == Stage.INTAKE and first.due_at - s.created_at <= urgent + timedelta(seconds=1)
    s = await driver.update(cid, W.complete_intake, IntakeCompletion(actor=who.consumer, evidence=[evidence("burn")]))
    s = await driver.stage(cid, Stage.CLASSIFICATION)
    assert s.classification.severity == Severity.A
    first = next(c for c in s.clocks if c.name == "first_contact")
    assert first.due_at - s.created_at <= urgent + timedelta(seconds=1)
