"""What a case came to, read from its history alone: the figures the what-if report compares."""

from pydantic import BaseModel
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter

from audit.history import scheduled_records
from models.case import CaseState

# Execution steps that put money (or money's worth) in the consumer's hands.
PAID_TO_CONSUMER = ("merchant_refund", "platform_advance", "coupon")


class CaseOutcome(BaseModel):
    stage: str
    outcome: str | None
    tier: str | None
    paid_to_consumer_minor: int
    penalty_minor: int
    sla_breaches: int
    escalations: int
    escalation_level: int
    finished: bool

    def compared(self) -> dict[str, object]:
        """The fields a policy change can move, for diffing two outcomes."""
        return self.model_dump(
            include={
                "stage",
                "outcome",
                "tier",
                "paid_to_consumer_minor",
                "penalty_minor",
                "sla_breaches",
                "escalations",
            }
        )


async def final_state(history: WorkflowHistory, converter: DataConverter) -> CaseState | None:
    last = history.events[-1]
    if last.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
        payloads = last.workflow_execution_completed_event_attributes.result.payloads
        return (await converter.decode(list(payloads), [CaseState]))[0]
    records = await scheduled_records(history, converter)
    return records[-1].record.snapshot if records else None


def state_outcome(state: CaseState, *, breaches: int, escalations: int, finished: bool) -> CaseOutcome:
    done = [step for step in state.execution if step.status == "done"]
    return CaseOutcome(
        stage=state.stage.value,
        outcome=state.outcome,
        tier=state.tier.value if state.tier else None,
        paid_to_consumer_minor=sum(s.amount_minor for s in done if s.name in PAID_TO_CONSUMER),
        penalty_minor=sum(s.amount_minor for s in done if s.name == "penalty"),
        sla_breaches=breaches,
        escalations=escalations,
        escalation_level=state.escalation_level,
        finished=finished,
    )


async def history_outcome(history: WorkflowHistory, converter: DataConverter) -> CaseOutcome | None:
    state = await final_state(history, converter)
    if state is None:
        return None
    breaches = sum(
        1
        for ev in history.events
        if ev.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
        and ev.activity_task_scheduled_event_attributes.activity_type.name == "record_breach"
    )
    records = await scheduled_records(history, converter)
    escalations = sum(1 for r in records if r.record.action == "escalated")
    finished = history.events[-1].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED
    return state_outcome(state, breaches=breaches, escalations=escalations, finished=finished)
