"""Who must act next, and by when: derived from the case, never stored."""

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from models.case import PendingAction
from models.enums import ClockName, OfferStatus, Outcome, Party, Role, Stage

if TYPE_CHECKING:
    from workflows.case_core import CaseCore


def _clock_due(case: "CaseCore") -> datetime | None:
    running = [
        c for c in case.state.clocks if not c.paused and c.name not in (ClockName.SOLUTION, ClockName.DISPUTE_LIMIT)
    ]
    return min((c.due_at for c in running), default=None)


def actions(case: "CaseCore") -> list[PendingAction]:
    s = case.state
    due = _clock_due(case)
    staff: Role | Literal["supervisor_queue"] = (
        "supervisor_queue" if s.assignee == case.policy.escalation.supervisor_queue else Role.AGENT
    )
    out: list[PendingAction] = []
    match s.stage:
        case Stage.INTAKE if s.missing_info:
            out.append(
                PendingAction(
                    who=Role.CONSUMER,
                    action=f"supplement {', '.join(s.missing_info)}",
                    due_at=case.facts.supplement_due,
                )
            )
            out.append(PendingAction(who=staff, action="complete_intake", due_at=due))
        case Stage.CLASSIFICATION:
            unsure = s.classification is not None and s.classification.needs_agent
            out.append(PendingAction(who=staff, action="classify" if unsure else "review_classification", due_at=due))
        case Stage.EVIDENCE:
            for r in s.evidence_requests:
                if r.fulfilled_at is None and not r.lapsed:
                    out.append(PendingAction(who=r.party, action="submit_evidence", due_at=r.due_at))
            out.append(PendingAction(who=staff, action="set_liability", due_at=due))
        case Stage.NEGOTIATION:
            offer = s.offers[-1] if s.offers else None
            if offer and offer.status == OfferStatus.AWAITING_APPROVAL:
                out.append(PendingAction(who=Role.SUPERVISOR, action="approve_tier3", due_at=due))
            elif offer and offer.status == OfferStatus.PENDING:
                out.append(PendingAction(who=Role.CONSUMER, action="respond_to_offer", due_at=offer.due_at))
            else:
                out.append(PendingAction(who=staff, action="make_offer", due_at=due))
        case Stage.EXECUTION:
            if s.outcome == Outcome.EXECUTION_FAILED:
                out.append(PendingAction(who=Role.SUPERVISOR, action="supervisor_review", due_at=due))
            if case.facts.awaiting_merchant_refund_until and case.facts.merchant_refund_ref is None:
                out.append(
                    PendingAction(
                        who=Party.MERCHANT,
                        action="confirm_merchant_refund",
                        due_at=case.facts.awaiting_merchant_refund_until,
                    )
                )
            if case.facts.awaiting_shipment_until and case.facts.shipment is None:
                out.append(
                    PendingAction(
                        who=Party.MERCHANT, action="confirm_shipment", due_at=case.facts.awaiting_shipment_until
                    )
                )
        case Stage.REVIEW if s.survey and s.survey.sent_at and s.survey.answered_at is None:
            out.append(PendingAction(who=Role.CONSUMER, action="answer_survey", due_at=s.survey.due_at))
        case Stage.REOPENED:
            out.append(PendingAction(who=Role.SUPERVISOR, action="supervisor_review", due_at=due))
    if case.facts.rectification_interview_due is not None and not s.stage.is_terminal:
        out.append(
            PendingAction(
                who=Role.SUPERVISOR, action="rectification_interview", due_at=case.facts.rectification_interview_due
            )
        )
    return out
