"""Fold a case snapshot into its read-model row."""

from models.case import CaseState
from models.tables import Complaint
from workflows import clocks


def project(snapshot: CaseState, row: Complaint, *, channel: str) -> None:
    s = snapshot
    row.workflow_id = s.workflow_id
    row.consumer_id = s.consumer_id
    row.order_id = s.order_id
    row.order_line_id = s.order_line_id
    row.merchant_id = s.merchant_id
    row.sku = s.order.sku if s.order else None
    row.channel = channel
    row.stage = s.stage.value
    row.is_open = not s.stage.is_terminal
    if s.classification:
        row.type = s.classification.type.value
        row.dispute_class = s.classification.dispute_class.value
        row.severity = s.classification.severity.value
    row.tier = s.tier.value if s.tier else None
    row.liability = s.liability.party.value if s.liability else None
    due = clocks.earliest_due(s)
    row.sla_clock = due.name if due else None
    row.sla_due_at = due.due_at if due else None
    row.sla_paused = any(c.paused for c in s.clocks)
    row.sla_breached = any(c.breached for c in s.clocks)
    row.escalation_level = s.escalation_level
    row.priority = s.priority
    row.assignee = s.assignee
    row.policy_version = s.policy_version
    row.refunded_minor = sum(
        step.amount_minor
        for step in s.execution
        if step.status == "done" and step.name in ("merchant_refund", "platform_advance")
    )
    row.outcome = s.outcome
    row.root_cause = s.root_cause
    row.created_at = s.created_at
    row.closed_at = s.closed_at
