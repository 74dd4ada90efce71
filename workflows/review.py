"""Closed-loop review: a survey after execution; a low score reopens the case for a supervisor."""

import functools

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    import workflows.negotiation as negotiation
    from activities.records import RecordActivities
    from models.activity_io import SurveyRecord
    from models.case import SupervisorReview, SurveyAnswer, SurveyState
    from models.enums import ActorKind, Outcome, Stage, SupervisorDecision
    from policy import review as review_policy
    from workflows.case import Case, present
    from workflows.guards import invalid_stage, require_stage


async def run(case: Case) -> None:
    s = case.state
    while case.stage == Stage.REVIEW:
        survey = s.survey if s.survey and s.survey.round == s.reopen_count + 1 else None
        if survey is None:
            send_at = s.stage_entered_at + case.policy.review.survey_delay
            if not await case.wait_for(lambda: False, send_at):
                async with case.locked():
                    if case.stage == Stage.REVIEW:
                        await _send_survey(case)
            continue
        if survey.answered_at is not None:
            await case.until_stage_changes()  # the answer's handler is moving the case on
            continue
        if await case.wait_for(functools.partial(_answered, survey), survey.due_at):
            continue
        async with case.locked():
            if case.stage == Stage.REVIEW and survey.answered_at is None:
                await case.finish(
                    Stage.CLOSED,
                    Outcome.RESOLVED_NO_SURVEY,
                    by=(ActorKind.DEADLINE, "deadline:survey"),
                    reason="no survey answer within the window",
                )


async def _send_survey(case: Case) -> None:
    s = case.state
    now = case.now()
    due = now + case.policy.review.survey_window
    survey = s.survey = SurveyState(round=s.reopen_count + 1, sent_at=now, due_at=due)
    await case.write(
        RecordActivities.record_survey,
        SurveyRecord(complaint_id=s.complaint_id, round=survey.round, sent_at=now, due_at=due),
    )
    await case.notify(case.consumer(), "survey", round=survey.round, due_at=due.isoformat())
    await case.record(
        "survey_sent",
        by=(ActorKind.DEADLINE, "deadline:survey_delay"),
        details={"round": survey.round, "due_at": due.isoformat()},
    )


def _answered(survey: SurveyState) -> bool:
    return survey.answered_at is not None


def check_answer(case: Case, p: SurveyAnswer) -> None:
    require_stage(case.stage, "answer_survey", Stage.REVIEW)
    survey = case.state.survey
    if survey is None or survey.sent_at is None or survey.answered_at is not None:
        raise invalid_stage(case.stage, "answer_survey", "a survey that has been sent and not yet answered")


async def answer(case: Case, p: SurveyAnswer) -> None:
    s = case.state
    survey = case.survey
    survey.resolved_score, survey.communication_score = p.resolved_score, p.communication_score
    survey.answered_at = case.now()
    await case.write(
        RecordActivities.record_survey,
        SurveyRecord(
            complaint_id=s.complaint_id,
            round=survey.round,
            sent_at=present(survey.sent_at, "a sent survey", case.stage),
            due_at=present(survey.due_at, "a sent survey", case.stage),
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
        await case.finish(Stage.CLOSED, Outcome.RESOLVED, actor=p.actor, reason=why)
    elif s.reopen_count >= case.policy.review.max_reopen:
        await case.finish(Stage.CLOSED, Outcome.CLOSED_AFTER_REOPEN_LIMIT, actor=p.actor, reason=why)
    else:
        s.reopen_count += 1
        s.assignee = case.policy.escalation.supervisor_queue
        await case.set_stage(
            Stage.REOPENED, "reopened", actor=p.actor, reason=why, details={"reopen_count": s.reopen_count}
        )
        await case.notify(case.staff(), "case_reopened", reason=why)


def check_supervisor_review(case: Case, p: SupervisorReview) -> None:
    failed = case.stage == Stage.EXECUTION and case.state.outcome == Outcome.EXECUTION_FAILED
    if not failed:
        require_stage(case.stage, "supervisor_review", Stage.REOPENED)
    if p.decision == SupervisorDecision.RETRY_EXECUTION and not failed:
        raise invalid_stage(case.stage, "supervisor_review(retry_execution)", "a failed execution")


async def supervisor_review(case: Case, p: SupervisorReview) -> None:
    await case.record("supervisor_review", actor=p.actor, reason=p.reason, details={"decision": p.decision})
    if p.decision == SupervisorDecision.RETRY_EXECUTION:
        case.facts.execution_decision = p.decision
        case.changed()
    elif p.decision == SupervisorDecision.CLOSE:
        await case.finish(Stage.CLOSED, Outcome.CLOSED_BY_SUPERVISOR, actor=p.actor, reason=p.reason)
    else:
        case.state.outcome = None
        await negotiation.enter(case, actor=p.actor, reason=p.reason)
