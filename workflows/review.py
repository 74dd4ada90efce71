"""Closed-loop review: a survey after execution; a low score reopens the case for a supervisor."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.records import RecordActivities
    from models.activity_io import SurveyRecord
    from models.case import SupervisorReview, SurveyAnswer, SurveyState
    from models.enums import ActorKind, Stage
    from policy import review as review_policy
    from workflows import negotiation
    from workflows.case import Case
    from workflows.guards import invalid_stage, require_stage


async def run(case: Case) -> None:
    s = case.state
    while case.stage == Stage.REVIEW:
        survey = s.survey if s.survey and s.survey.round == s.reopen_count + 1 else None
        if survey is None:
            send_at = s.stage_entered_at + case.policy.review.survey_delay
            if not await case.wait_for(lambda: False, send_at):
                async with case.lock:
                    if case.stage == Stage.REVIEW:
                        await _send_survey(case)
            continue
        if survey.answered_at is not None:
            await case.until_stage_changes()  # the answer's handler is moving the case on
            continue
        if await case.wait_for(lambda: survey.answered_at is not None, survey.due_at):
            continue
        async with case.lock:
            if case.stage == Stage.REVIEW and survey.answered_at is None:
                await case.finish(
                    Stage.CLOSED,
                    "resolved_no_survey",
                    by=(ActorKind.DEADLINE, "deadline:survey"),
                    reason="no survey answer within the window",
                )


async def _send_survey(case: Case) -> None:
    s = case.state
    now = case.now()
    s.survey = SurveyState(round=s.reopen_count + 1, sent_at=now, due_at=now + case.policy.review.survey_window)
    await case.activity(
        RecordActivities.record_survey,
        SurveyRecord(complaint_id=s.complaint_id, round=s.survey.round, sent_at=now, due_at=s.survey.due_at),
    )
    await case.notify(case.consumer(), "survey", round=s.survey.round, due_at=s.survey.due_at.isoformat())
    await case.record(
        "survey_sent",
        by=(ActorKind.DEADLINE, "deadline:survey_delay"),
        details={"round": s.survey.round, "due_at": s.survey.due_at.isoformat()},
    )


def check_answer(case: Case, p: SurveyAnswer) -> None:
    require_stage(case.stage, "answer_survey", Stage.REVIEW)
    survey = case.state.survey
    if survey is None or survey.sent_at is None or survey.answered_at is not None:
        raise invalid_stage(case.stage, "answer_survey", "a survey that has been sent and not yet answered")


async def answer(case: Case, p: SurveyAnswer) -> None:
    s = case.state
    survey = s.survey
    survey.resolved_score, survey.communication_score = p.resolved_score, p.communication_score
    survey.answered_at = case.now()
    await case.activity(
        RecordActivities.record_survey,
        SurveyRecord(
            complaint_id=s.complaint_id,
            round=survey.round,
            sent_at=survey.sent_at,
            due_at=survey.due_at,
            answered_at=survey.answered_at,
            resolved_score=p.resolved_score,
            communication_score=p.communication_score,
        ),
    )
    satisfied, why = review_policy.survey_satisfied(p.resolved_score, p.communication_score, case.policy.review)
    await case.record(
        "survey_answered",
        actor=p.actor,
        reason=why,
        details={"resolved": p.resolved_score, "communication": p.communication_score, "satisfied": satisfied},
    )
    if satisfied:
        await case.finish(Stage.CLOSED, "resolved", actor=p.actor, reason=why)
    elif s.reopen_count >= case.policy.review.max_reopen:
        await case.finish(Stage.CLOSED, "closed_after_reopen_limit", actor=p.actor, reason=why)
    else:
        s.reopen_count += 1
        s.assignee = case.policy.escalation.supervisor_queue
        await case.set_stage(
            Stage.REOPENED, "reopened", actor=p.actor, reason=why, details={"reopen_count": s.reopen_count}
        )
        await case.notify(case.staff(), "case_reopened", reason=why)


def check_supervisor_review(case: Case, p: SupervisorReview) -> None:
    failed = case.stage == Stage.EXECUTION and case.state.outcome == "execution_failed"
    if not failed:
        require_stage(case.stage, "supervisor_review", Stage.REOPENED)
    if p.decision == "retry_execution" and not failed:
        raise invalid_stage(case.stage, "supervisor_review(retry_execution)", "a failed execution")


async def supervisor_review(case: Case, p: SupervisorReview) -> None:
    await case.record("supervisor_review", actor=p.actor, reason=p.reason, details={"decision": p.decision})
    if p.decision == "retry_execution":
        case.execution_decision = p.decision
        case.changed()
    elif p.decision == "close":
        await case.finish(Stage.CLOSED, "closed_by_supervisor", actor=p.actor, reason=p.reason)
    else:
        case.state.outcome = None
        await negotiation.enter(case, actor=p.actor, reason=p.reason)
