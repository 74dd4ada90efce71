"""Live updates for the console, fed by the read model, and two reads its pages need: the case log staff read
beside a case, and the merchant penalties (with rectification interviews due) on the supervisor's board.

`GET /events` is a server-sent-event stream: one `change` event whenever the read-model row of the watched
case (or, without `complaint_id`, any row the caller may see) moves on. It is authenticated like every
endpoint (bearer header: the console reads it with fetch, since EventSource cannot send headers) and scoped
like the lists: consumers hear only their own cases, merchants their shop's, admins nothing.
"""

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api.cases import ComplaintId, Owner, check_owner, load_row
from api.deps import CaseReader, EngineDep, Principal, SessionDep, StaffCaseReader, require_roles
from api.errors import error_responses, invalid_field, not_found
from api.listing import scope
from audit.timeline import TimelineEntry, build_timeline
from models.enums import Role, Stage
from models.tables import Complaint, Penalty, RectificationInterview

router = APIRouter()

POLL_SECONDS = 1.0
HEARTBEAT_SECONDS = 15.0
# A stream ends after this long and the client reconnects: a deactivated user or an expired token is then
# refused, instead of listening on for as long as the connection lasts.
MAX_STREAM_SECONDS = 300.0


def _case_mark(engine: Engine, complaint_id: str) -> dict[str, object] | None:
    row = load_row(engine, complaint_id)
    if row is None:
        return None
    return {
        "complaint_id": row.id,
        "last_seq": row.last_seq,
        "stage": row.stage,
        "updated_at": row.updated_at.isoformat() if row.updated_at else None,
    }


def _scope_mark(engine: Engine, principal: Principal) -> dict[str, object]:
    with Session(engine) as session:
        count, latest = session.exec(
            select(func.count(), func.max(Complaint.updated_at)).select_from(Complaint).where(*scope(principal))
        ).one()
    return {"count": count, "updated_at": latest.isoformat() if isinstance(latest, datetime) else latest}


async def _stream(
    request: Request, engine: Engine, principal: Principal, complaint_id: str | None
) -> AsyncIterator[str]:
    last: dict[str, object] | None = None
    waited = elapsed = 0.0
    yield "retry: 2000\n\n"
    while elapsed < MAX_STREAM_SECONDS and not await request.is_disconnected():
        mark = (
            await run_in_threadpool(_case_mark, engine, complaint_id)
            if complaint_id
            else await run_in_threadpool(_scope_mark, engine, principal)
        )
        if mark != last:
            # The first mark goes out too: a change between the page's read and this stream is not lost.
            yield f"event: change\ndata: {json.dumps(mark)}\n\n"
            last = mark
            waited = 0.0
        elif waited >= HEARTBEAT_SECONDS:
            yield ": keep-alive\n\n"
            waited = 0.0
        await asyncio.sleep(POLL_SECONDS)
        waited += POLL_SECONDS
        elapsed += POLL_SECONDS


# Not in the OpenAPI document: a stream that stays open is no operation for schema-driven clients and fuzzers
# (they would wait on it); docs/CONSOLE.md describes it.
@router.get("/events", include_in_schema=False)
async def events(
    request: Request,
    principal: CaseReader,
    engine: EngineDep,
    complaint_id: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
) -> StreamingResponse:
    """`event: change` with `{complaint_id, last_seq, stage, updated_at}` for one case, or `{count, updated_at}`
    over the caller's cases. The stream closes after five minutes; reconnect to go on listening."""
    unknown = sorted(set(request.query_params) - {"complaint_id"})
    if unknown:
        raise invalid_field(f"query.{unknown[0]}", "unknown parameter")
    if complaint_id is not None:
        row = await run_in_threadpool(load_row, engine, complaint_id)
        if row is None:
            raise not_found(f"no complaint {complaint_id!r}")
        check_owner(principal, Owner(row.consumer_id, row.merchant_id, Stage(row.stage)), complaint_id)
    else:
        scope(principal)  # admins read no cases: 403 now, not an empty stream
    return StreamingResponse(
        _stream(request, engine, principal, complaint_id),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


class CaseLog(BaseModel):
    complaint_id: str
    entries: list[TimelineEntry]


def _case_log(engine: Engine, complaint_id: str) -> CaseLog:
    with Session(engine) as session:
        timeline = build_timeline(session, complaint_id, None)
    return CaseLog(complaint_id=complaint_id, entries=timeline.entries)


@router.get(
    "/complaints/{complaint_id}/timeline",
    response_model=CaseLog,
    tags=["complaints"],
    responses=error_responses(401, 403, 404, 503),
    summary="What happened to the case and why, from the audit log (staff)",
)
async def case_log(complaint_id: ComplaintId, _: StaffCaseReader, engine: EngineDep) -> CaseLog:
    """Every recorded step: when, who, what in plain words, the reason, stages before and after, SLA clocks and
    money. Auditors get the same entries checked against the Temporal history at /audit."""
    if await run_in_threadpool(load_row, engine, complaint_id) is None:
        raise not_found(f"no complaint {complaint_id!r}")
    return await run_in_threadpool(_case_log, engine, complaint_id)


class PenaltyOut(BaseModel):
    complaint_id: str
    merchant_id: str
    deduction_minor: int = Field(description="deducted from the merchant's deposit, integer minor units")
    listing_blocked_until: datetime
    repeat_offender: bool
    deposit_multiplier: int
    rectification_interview_due: bool = Field(description="a repeat offender owes a rectification interview")
    rectification_interview_id: str | None = Field(
        None, description="the interview booked with this penalty (see /rectification-interviews)"
    )
    created_at: datetime


PenaltyReader = Annotated[Principal, Depends(require_roles(Role.SUPERVISOR, Role.AUDITOR))]


@router.get(
    "/penalties",
    response_model=list[PenaltyOut],
    tags=["queues"],
    responses=error_responses(401, 403, 422, 503),
    summary="Merchant penalties, newest first, with the rectification interviews they call for",
)
def penalties(
    session: SessionDep, _: PenaltyReader, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[PenaltyOut]:
    rows = session.exec(
        select(Penalty).order_by(col(Penalty.created_at).desc(), col(Penalty.id).desc()).limit(limit)
    ).all()
    keys = [p.idempotency_key for p in rows]
    booked = set(session.exec(select(RectificationInterview.id).where(col(RectificationInterview.id).in_(keys))).all())
    return [
        PenaltyOut(
            complaint_id=p.complaint_id,
            merchant_id=p.merchant_id,
            deduction_minor=p.deduction_minor,
            listing_blocked_until=p.listing_blocked_until,
            repeat_offender=p.repeat_offender,
            deposit_multiplier=p.deposit_multiplier,
            rectification_interview_due=p.repeat_offender,
            rectification_interview_id=p.idempotency_key if p.idempotency_key in booked else None,
            created_at=p.created_at,
        )
        for p in rows
    ]
