"""The runtime of one case inside the workflow: state, audit trail, notifications, clocks, waiting.

Workflow-safe: time comes from workflow.now(), ids from counters, effects only through activities.
`Case` is composed from one module per concern:

- workflows/case_core.py: state and facts, the accessors a stage counts on (`BrokenInvariant`), snapshots;
- workflows/case_effects.py: activities, the step's writes (LOCAL_STEP_WRITES, BATCHED_STEP_WRITES), audit records,
  notifications, search attributes;
- workflows/case_people.py: the parties as recipients, the staff's first contact;
- workflows/case_clocks.py: stage transitions, closing, pauses, warnings and escalations
  (ONE_ESCALATION_PER_DEADLINE);
- workflows/case_waits.py: the clock keeper (CLOCK_KEEPER), a stage's own deadline, the older wait.
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.case_clocks import ONE_ESCALATION_PER_DEADLINE, CaseClocks
    from workflows.case_core import SYSTEM, BrokenInvariant, present
    from workflows.case_effects import BATCH_THROUGH_FREE_LOCK, BATCHED_STEP_WRITES, LOCAL_STEP_WRITES, CaseEffects
    from workflows.case_people import CasePeople
    from workflows.case_waits import CLOCK_KEEPER, CaseWaits

__all__ = [
    "BATCH_THROUGH_FREE_LOCK",
    "BATCHED_STEP_WRITES",
    "CLOCK_KEEPER",
    "LOCAL_STEP_WRITES",
    "ONE_ESCALATION_PER_DEADLINE",
    "SYSTEM",
    "BrokenInvariant",
    "Case",
    "present",
]


class Case(CaseWaits, CaseClocks, CaseEffects, CasePeople):
    """One case inside its workflow: what it shows (`state`), what else it knows (`facts`), and its effects."""
