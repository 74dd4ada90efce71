"""Every patch a case asks for after its start, asked once more at the start of new cases.

Why: on replay, `workflow.patched` answers from the patch markers of the workflow task being replayed. A
patch asked right after a local activity can be asked, on replay, one workflow task earlier than it was
live: when the worker stalled past a workflow task's timeout, the live run received the activity's result
in the next task, while the replay resolves it from its marker in the task before. The replay then took
the unpatched path. Seen in the worker-stall drill (docs/VERSIONING.md). A case started with
PATCHES_AT_START records every marker in its first workflow task, before any activity, and the later calls
only read the memoised answer.

ALL_PATCHES_AT_ONCE replaces those thirteen markers with one. Each `workflow.patched` records a marker and
upserts the TemporalChangeVersion search attribute (the SDK does it; it cannot be turned off), so a case
started under PATCHES_AT_START paid 13 markers and 13 visibility writes at its start, about one event in
eight of a full case. A case started under ALL_PATCHES_AT_ONCE records its one marker and takes every patch
of STANDS_FOR without a marker; `Case.patched` answers them from its facts. Older histories have no such
marker, so their replay takes the path they recorded, each patch asked as before.
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
    from workflows.case import BATCHED_STEP_WRITES, CLOCK_KEEPER, LOCAL_STEP_WRITES, ONE_ESCALATION_PER_DEADLINE
    from workflows.facts import CaseFacts

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


ALL_PATCHES_AT_ONCE = "all-patches-at-once"

# What ALL_PATCHES_AT_ONCE stands for. Frozen: a patch added after it is not in this list, so cases started
# before that patch keep answering it from history (Case.patched asks workflow.patched for it).
STANDS_FOR: tuple[str, ...] = (LOCAL_STEP_WRITES, BATCHED_STEP_WRITES, CLOCK_KEEPER, PATCHES_AT_START, *LATER_PATCHES)


def take_all_at_once(facts: CaseFacts) -> bool:
    """At the start of `run`, before the first command: True for a new case, which then took every patch of
    STANDS_FOR; False when replaying a case started before ALL_PATCHES_AT_ONCE."""
    if not workflow.patched(ALL_PATCHES_AT_ONCE):
        return False
    facts.patches_taken_at_start = set(STANDS_FOR)
    return True
