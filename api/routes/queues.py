"""Work queues over the read model: my cases, the supervisor queue, overdue and about-to-breach."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import Field
from sqlalchemy import and_
from sqlmodel import col

from api.deps import Principal, SessionDep, SettingsDep, require_roles
from api.errors import error_responses
from api.listing import Page, at_risk_clause, escalated_clause, overdue_clause, page, utcnow
from api.policy_store import current_policy
from api.views import ComplaintPage
from models.enums import Role
from models.tables import Complaint

router = APIRouter(prefix="/queues", tags=["queues"])

Worker = Annotated[Principal, Depends(require_roles(Role.AGENT, Role.SUPERVISOR))]
SupervisorQueueReader = Annotated[Principal, Depends(require_roles(Role.SUPERVISOR, Role.AUDITOR))]
SlaWatcher = Annotated[Principal, Depends(require_roles(Role.AGENT, Role.SUPERVISOR, Role.AUDITOR))]

_ERRORS = error_responses(401, 403, 422, 503)


class AtRiskPage(Page):
    within_minutes: int = Field(60, ge=1, le=7 * 24 * 60, description="how far ahead to look for SLA due times")


@router.get("/mine", response_model=ComplaintPage, responses=_ERRORS, summary="Open cases assigned to me")
def my_cases(session: SessionDep, principal: Worker, paging: Annotated[Page, Query()]) -> ComplaintPage:
    where = [and_(col(Complaint.is_open), col(Complaint.assignee) == principal.id)]
    return page(session, principal, where, "-priority", paging.limit, paging.offset)


@router.get(
    "/supervisor",
    response_model=ComplaintPage,
    responses=_ERRORS,
    summary="Escalated and re-opened cases, highest escalation first",
)
def supervisor_queue(
    session: SessionDep, settings: SettingsDep, principal: SupervisorQueueReader, paging: Annotated[Page, Query()]
) -> ComplaintPage:
    queue_name = current_policy(settings).escalation.supervisor_queue
    return page(session, principal, [escalated_clause(queue_name)], "-escalation_level", paging.limit, paging.offset)


@router.get(
    "/overdue",
    response_model=ComplaintPage,
    responses=_ERRORS,
    summary="Open cases past their SLA due time, most overdue first",
)
def overdue(session: SessionDep, principal: SlaWatcher, paging: Annotated[Page, Query()]) -> ComplaintPage:
    return page(session, principal, [overdue_clause(utcnow())], "sla_due_at", paging.limit, paging.offset)


@router.get(
    "/at-risk",
    response_model=ComplaintPage,
    responses=_ERRORS,
    summary="Open cases whose SLA falls due within the window, soonest first",
)
def at_risk(session: SessionDep, principal: SlaWatcher, paging: Annotated[AtRiskPage, Query()]) -> ComplaintPage:
    where = [at_risk_clause(utcnow(), timedelta(minutes=paging.within_minutes))]
    return page(session, principal, where, "sla_due_at", paging.limit, paging.offset)
