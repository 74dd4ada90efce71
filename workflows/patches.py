"""Every patch a case asks for after its start, asked once more at the start of new cases.

Why: on replay, `workflow.patched` answers from the patch markers of the workflow task being replayed. A
patch asked right after a local activity can be asked, on replay, one workflow task earlier than it was
live: when the worker stalled past a workflow task's timeout, the live run received the activity's result
in the next task, while the replay resolves it from its marker in the task before. The replay then took
the unpatched path. Seen in the worker-stall drill (docs/VERSIONING.md). A case started with
PATCHES_AT_START records every marker in its first workflow task, before any activity, and the later calls
only read the memoised answer.
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    import workflows.case_admin as case_admin
    import workflows.classification as classification
    import workflows.execution as execution
    import workflows.failures as failures
    import workflows.fast_lane as fast_lane
    import workflows.intake as intake
    import workflows.negotiation as negotiation
    from workflows.case import ONE_ESCALATION_PER_DEADLINE

PATCHES_AT_START = "patches-at-start"

# Asked where the change takes effect, in cases started before PATCHES_AT_START (their histories say so).
LATER_PATCHES: tuple[str, ...] = (
    intake.URGENT_CLOCK_AT_FILING,
    classification.CLASSIFIER_ACTIVITY,
    ONE_ESCALATION_PER_DEADLINE,
    negotiation.FOOD_SAFETY_CARRIER_PAYS_AT_ONCE,
    case_admin.WITHDRAWAL_CLOSES_OFFERS,
    execution.PENALTY_FOLLOWS_LIABILITY,
    execution.REFUND_PER_ROUND,
    failures.STEP_FAILURES_HANDLED,
    fast_lane.PATCH,
)


def ask_later_patches_now() -> None:
    """At the start of `run`, before the first command: a new case takes every later patch's new path."""
    if workflow.patched(PATCHES_AT_START):
        for patch in LATER_PATCHES:
            workflow.patched(patch)
