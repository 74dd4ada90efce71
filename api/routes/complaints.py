"""Complaints: file one, list them (read model), read one (read model + live workflow state)."""

import logging
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import WorkflowQueryFailedError
from temporalio.service import RPCError

from api.audit import audited_roles, record
from api.cases import ComplaintId, authorize, current_personal, filing_input, no_complaint, query_state
from api.deps import CaseReader, ClientDep, EngineDep, LinkDep, Principal, SessionDep, get_settings, require_roles
from api.errors import error_responses, request_id_of
from api.examples import FILING_EXAMPLES
from api.filing import FilingRequest, FilingResponse, file
from api.idempotency import RequiredKey, run_once
from api.listing import ComplaintFilters, filter_clauses, page, utcnow
from api.temporal_link import is_connect_failure
from api.views import ComplaintDetail, ComplaintPage, state_for, summary_for
from core.settings import Settings
from models.case import Contact
from models.enums import Role
from models.tables import Consumer

log = logging.getLogger("api.complaints")

router = APIRouter(prefix="/complaints", tags=["complaints"])

Filer = Annotated[Principal, Depends(require_roles(Role.CONSUMER, Role.AGENT))]
PersonalDataReader = Annotated[
    Principal,
    Depends(audited_roles(Role.CONSUMER, Role.AGENT, Role.SUPERVISOR, Role.AUDITOR, resource="personal_data")),
]


@router.post(
    "",
    status_code=201,
    response_model=FilingResponse,
    responses={
        200: {"model": FilingResponse, "description": "Joined the open case on this order line"},
        **error_responses(401, 403, 404, 409, 413, 422, 503),
    },
    summary="File a complaint (a duplicate on the same order line joins the open case)",
)
async def file_complaint(
    request: Request,
    principal: Filer,
    engine: EngineDep,
    link: LinkDep,
    key: RequiredKey,
    body: Annotated[FilingRequest, Body(openapi_examples=FILING_EXAMPLES)],
) -> JSONResponse:
    """Consumers file for themselves (`consumer_id` may be omitted); agents file on a consumer's behalf and
    must name `consumer_id`. 201 with the new case, or 200 with the open case this filing joined."""
    return await run_once(
        request,
        engine,
        principal.id,
        key,
        body,
        lambda: file(get_settings(request), link, engine, principal, body, key),
    )


@router.get(
    "",
    response_model=ComplaintPage,
    responses=error_responses(401, 403, 422, 503),
    summary="List complaints with filters, sorting and pagination",
)
def list_complaints(
    session: SessionDep, principal: CaseReader, filters: Annotated[ComplaintFilters, Query()]
) -> ComplaintPage:
    """Reads the read model only. Consumers see their own complaints, merchants their shop's."""
    now = utcnow()
    return page(
        session, principal, filter_clauses(filters, principal, now), filters.sort, filters.limit, filters.offset
    )


@router.get(
    "/{complaint_id}",
    response_model=ComplaintDetail,
    responses=error_responses(401, 403, 404, 503),
    summary="One complaint: read model plus live state and pending actions",
)
async def get_complaint(
    complaint_id: ComplaintId, principal: CaseReader, engine: EngineDep, link: LinkDep
) -> ComplaintDetail:
    """While Temporal is unreachable this still answers 200 from the read model, with `live: null` and
    `live_error` saying why: a consumer checking progress needs no workflow to see the stage."""
    client = await link.try_connect()
    row, state = await authorize(engine, client, principal, complaint_id)
    live_error = None
    if state is None and client is not None:
        try:
            state = await query_state(client, complaint_id)
        except RPCError as exc:
            live_error = f"live state unavailable ({exc.status.name if exc.status else 'error'})"
        except WorkflowQueryFailedError:
            # The workflow exists but cannot answer (a failing workflow task): the read model still can.
            live_error = "live state unavailable (the case's workflow could not answer the query)"
        except RuntimeError as exc:
            if not is_connect_failure(exc):
                raise
            live_error = "live state unavailable (workflow service unreachable)"
    elif client is None:
        live_error = "live state unavailable (workflow service unreachable)"
    return ComplaintDetail(
        complaint=summary_for(row, principal.role) if row else None,
        live=state_for(state, principal.role) if state else None,
        live_error=live_error,
    )


class ConsumerContact(BaseModel):
    id: str
    name: str
    phone: str | None = None
    email: str | None = None
    address: str | None = None


class PersonalData(BaseModel):
    complaint_id: str
    consumer: ConsumerContact | None = Field(description="the consumer's record on the platform")
    description: str = Field(description="the complaint text as it stands (intake may have completed it)")
    contact: Contact = Field(description="contact details given with the filing or at intake")
    channel: str


def _consumer_and_audit(
    engine: Engine, settings: Settings, principal: Principal, complaint_id: str, consumer_id: str, event_key: str
) -> ConsumerContact | None:
    with Session(engine) as session:
        consumer = session.get(Consumer, consumer_id)
        fresh = principal.freshly_bound(settings)
        if principal.role != Role.CONSUMER or fresh:
            # Recorded before anything is returned: a read that cannot be audited is not served. A login
            # bound to this consumer only recently could be an admin's doing, so it is audited like staff.
            details: dict[str, object] = {"fields": ["description", "contact", "consumer"]}
            if fresh:
                details |= {"fresh_binding": True, "bound_at": principal.bound_at, "consumer_id": consumer_id}
            record(
                session,
                principal,
                event_key=event_key,
                action="personal_data_read",
                complaint_id=complaint_id,
                details=details,
            )
        session.commit()
        return ConsumerContact.model_validate(consumer, from_attributes=True) if consumer else None


@router.get(
    "/{complaint_id}/personal-data",
    response_model=PersonalData,
    responses=error_responses(401, 403, 404, 503),
    summary="The consumer's contact data and the complaint text (staff reads are audited)",
)
async def get_personal_data(
    request: Request, complaint_id: ComplaintId, principal: PersonalDataReader, engine: EngineDep, client: ClientDep
) -> PersonalData:
    """Consumers read their own; agents, supervisors and auditors read any, and each such read is written
    to the audit log first. Merchants and admins never see personal data."""
    await authorize(engine, client, principal, complaint_id)
    filed = await filing_input(client, complaint_id)
    if principal.role == Role.CONSUMER and filed.consumer_id != principal.consumer_id:
        raise no_complaint(complaint_id)
    consumer = await run_in_threadpool(
        _consumer_and_audit,
        engine,
        get_settings(request),
        principal,
        complaint_id,
        filed.consumer_id,
        f"api:{request_id_of(request)}",
    )
    current = await current_personal(client, complaint_id) or filed  # intake may have corrected the filing
    return PersonalData(
        complaint_id=complaint_id,
        consumer=consumer,
        description=current.description,
        contact=current.contact,
        channel=current.channel,
    )
