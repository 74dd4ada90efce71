"""A step whose effect fails for good: recorded, a supervisor told, the case left workable.

Activities raise non-retryable errors for permanent failures (activities/errors.py). An update whose
handler meets one rolls the case's state back to before the step, records `step_failed`, tells the
supervisor queue, and answers the caller with a `StepFailed` error (the API's 422), instead of hanging
or failing the workflow. A stage runner that meets one records it the same way and waits for someone to act.
"""

import re

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from models.case import CaseState
    from workflows.case import Case

# docs/VERSIONING.md: before it, a permanent activity failure failed the update (or the workflow) as is.
STEP_FAILURES_HANDLED = "step-failures-handled"
STEP_FAILED = "StepFailed"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def cause_of(err: ActivityError) -> tuple[str, str]:
    """(error type, short clean message) of the activity's failure."""
    cause = err.cause
    kind = cause.type if isinstance(cause, ApplicationError) and cause.type else type(cause or err).__name__
    message = getattr(cause, "message", None) or str(err)
    return kind or "ActivityError", _CONTROL.sub(" ", message)[:300]


async def _report(case: Case, what: str, kind: str, message: str) -> None:
    """Audit record and supervisor notification; if even these fail, the caller still gets its answer."""
    try:
        await case.record(
            "step_failed", reason=f"{what} failed: {kind}", details={"step": what, "error": kind, "message": message}
        )
        await case.notify(f"queue:{case.policy.escalation.supervisor_queue}", "step_failed", step=what, error=kind)
        await case.flush()
    except ActivityError:
        workflow.logger.error("could not record the failure of %s on %s", what, case.state.complaint_id)
    case.changed()


async def step_failed(case: Case, what: str, before: CaseState, err: ActivityError) -> ApplicationError:
    """Undo the step's state, report it, and return the error the update answers with."""
    kind, message = cause_of(err)
    case.state = before
    await _report(case, what, kind, message)
    return ApplicationError(
        f"{what} could not be completed: {message}", {"step": what, "error": kind}, type=STEP_FAILED, non_retryable=True
    )


async def runner_failed(case: Case, err: ActivityError) -> None:
    """A stage's own work failed for good: report it, then wait until a person changes something."""
    kind, message = cause_of(err)
    stage = case.stage.value
    await _report(case, f"{stage} stage", kind, message)
    version = case.version
    await case.wait_condition(lambda: case.version != version or case.stage.value != stage)
