import asyncio
from datetime import timedelta

import pytest
from temporalio.service import RPCError, RPCStatusCode

from audit.case_driver import AGENT, evidence
from models.case import IntakeCompletion, Withdrawal
from models.enums import Stage
from tests.workflows.factories import make_order
from tests.workflows.steps import rejected, to_evidence, to_negotiation, written_by
from workflows.complaint import ComplaintWorkflow as W


async def test_an_order_of_someone_else_is_rejected_as_invalid(driver):
    mine, theirs = make_order(driver.engine), make_order(driver.engine)
    filed = await driver.file(mine, "broken", line=None, order_id=theirs.order_id)
    s = await driver.stage(filed.complaint_id, Stage.REJECTED)
    assert s.outcome == "invalid" and s.root_cause == "unsubstantiated"


async def test_an_unknown_order_is_rejected(driver):
    who = make_order(driver.engine)
    filed = await driver.file(who, "broken", line=None, order_id="NO-SUCH-ORDER")
    assert (await driver.stage(filed.complaint_id, Stage.REJECTED)).outcome == "invalid"


async def test_a_line_outside_the_after_sales_window_is_rejected(driver):
    who = make_order(driver.engine, category="fresh", delivered_days_ago=30)
    filed = await driver.file(who, "spoiled")
    assert (await driver.stage(filed.complaint_id, Stage.REJECTED)).outcome == "invalid"


async def test_incomplete_intake_gets_a_reminder_then_is_rejected(driver):
    who = make_order(driver.engine)
    filed = await driver.file(who, "屏幕破损 cracked screen", with_evidence=False)
    s = await driver.settle(filed.complaint_id, lambda st: st.missing_info == ["evidence"])
    assert s.stage == Stage.INTAKE and s.pending_actions[0].who == "consumer"
    await driver.skip(timedelta(hours=24, minutes=1))
    await driver.settle(filed.complaint_id, lambda st: st.pending_actions[0].due_at > s.pending_actions[0].due_at)
    await driver.skip(timedelta(hours=12, minutes=1))
    s = await driver.stage(filed.complaint_id, Stage.REJECTED)
    assert s.outcome == "incomplete"


async def test_a_supplement_completes_intake(driver):
    who = make_order(driver.engine)
    filed = await driver.file(who, "屏幕破损 cracked screen", with_evidence=False)
    await driver.settle(filed.complaint_id, lambda st: st.missing_info == ["evidence"])
    s = await driver.update(
        filed.complaint_id,
        W.complete_intake,
        IntakeCompletion(actor=who.consumer, evidence=[evidence("later")]),
    )
    assert s.stage == Stage.CLASSIFICATION and s.missing_info == []


async def test_a_second_filing_on_the_same_line_joins_the_open_case(driver):
    who = make_order(driver.engine)
    first, second = await asyncio.gather(driver.file(who, "cracked"), driver.file(who, "still cracked"))
    assert first.complaint_id == second.complaint_id
    assert sorted([first.joined, second.joined]) == [False, True]
    third = await driver.file(who, "cracked again", line=None)  # same single line, named by the order only
    assert third.joined and third.complaint_id == first.complaint_id
    s = await driver.state(first.complaint_id)
    assert s.joined_filings == 2


async def test_withdraw_before_execution_and_not_after(driver):
    who = make_order(driver.engine)
    cid = await to_evidence(driver, who)
    s = await driver.update(cid, W.withdraw, Withdrawal(actor=who.consumer, reason="solved it myself"))
    assert s.stage == Stage.WITHDRAWN and s.root_cause == "withdrawn"
    with pytest.raises(RPCError) as finished:  # the workflow has completed: nothing can change it
        await driver.update(cid, W.withdraw, Withdrawal(actor=AGENT, reason="again"))
    assert finished.value.status == RPCStatusCode.NOT_FOUND


async def test_an_update_in_the_wrong_stage_names_the_stage_and_writes_nothing(driver):
    who = make_order(driver.engine)
    cid = await to_negotiation(driver, who)
    err = await rejected(driver.update(cid, W.complete_intake, IntakeCompletion(actor=AGENT)))
    assert err.cause.type == "InvalidStage"
    assert "'negotiation'" in err.cause.message and "'intake'" in err.cause.message
    assert await written_by(driver, cid, driver.update(cid, W.complete_intake, IntakeCompletion(actor=AGENT))) == []


async def test_the_personal_query_shows_what_intake_completed_not_only_what_was_filed(driver):
    who = make_order(driver.engine)
    filed = await driver.file(who, "", with_evidence=True)
    await driver.settle(filed.complaint_id, lambda st: st.missing_info == ["description"])
    await driver.update(
        filed.complaint_id,
        W.complete_intake,
        IntakeCompletion(actor=AGENT, description="屏幕破损 cracked on arrival", contact={"phone": "13900139000"}),
    )
    personal = await driver.handle(filed.complaint_id).query(W.personal)
    assert personal.description == "屏幕破损 cracked on arrival" and personal.contact.phone == "13900139000"
