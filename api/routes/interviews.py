"""Rectification interviews: the supervisors' task a repeat offender's penalty calls for.

Listed for supervisors and auditors; marked held by one supervisor, once, with what was agreed. The record
and its audit row commit together; a refused holding (unknown, already held) writes nothing.
"""

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from adapters.db_interviews import AlreadyHeld, hold
from api import audit
from api.deps import EngineDep, Principal, SessionDep, require_roles
from api.errors import conflict, error_responses, not_found
from api.idempotency import OptionalKey, run_once
from core.db import session_scope
from models.enums import Role
from models.limits import ID_CHARS, NOTE_CHARS
from models.tables import RectificationInterview

router = APIRouter(prefix="/rectification-interviews", tags=["queues"])

Reader = Annotated[Principal, Depends(require_roles(Role.SUPERVISOR, Role.AUDITOR))]
Supervisor = Annotated[Principal, Depends(require_roles(Role.SUPERVISOR))]
InterviewId = Annotated[str, Path(max_length=ID_CHARS * 2, description="the interview's id (its penalty's key)")]


class InterviewState(StrEnum):
    OPEN = "open"  # not held, deadline not passed
    OVERDUE = "overdue"  # not held, deadline passed
    HELD = "held"


class InterviewOut(BaseModel):
    id: str
    complaint_id: str
    merchant_id: str
    due_at: datetime
    state: InterviewState
    held_at: datetime | None
    held_by: str | None
    notes: str
    overdue_escalated_at: datetime | None = Field(description="when the missed deadline was escalated to the queue")

    @classmethod
    def of(cls, row: RectificationInterview, now: datetime) -> "InterviewOut":
        if row.held_at is not None:
            state = InterviewState.HELD
        elif row.due_at <= now:
            state = InterviewState.OVERDUE
        else:
            state = InterviewState.OPEN
        return cls(
            id=row.id,
            complaint_id=row.complaint_id,
            merchant_id=row.merchant_id,
            due_at=row.due_at,
            state=state,
            held_at=row.held_at,
            held_by=row.held_by,
            notes=row.notes,
            overdue_escalated_at=row.overdue_escalated_at,
        )


class HoldInterview(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"notes": "已约谈：质检流程整改，两周内提交报告"}]}
    )

    notes: str = Field(min_length=1, max_length=NOTE_CHARS, description="what the merchant was told and agreed")


@router.get(
    "",
    response_model=list[InterviewOut],
    responses=error_responses(401, 403, 422, 503),
    summary="Rectification interviews, soonest due first (supervisors, auditors)",
)
def list_interviews(
    session: SessionDep,
    _: Reader,
    state: Annotated[InterviewState | None, Query(description="only interviews in this state")] = None,
    merchant_id: Annotated[str | None, Query(max_length=ID_CHARS)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[InterviewOut]:
    now = datetime.now(UTC)
    query = select(RectificationInterview)
    if merchant_id is not None:
        query = query.where(RectificationInterview.merchant_id == merchant_id)
    if state == InterviewState.HELD:
        query = query.where(col(RectificationInterview.held_at).is_not(None))
    elif state == InterviewState.OPEN:
        query = query.where(col(RectificationInterview.held_at).is_(None), col(RectificationInterview.due_at) > now)
    elif state == InterviewState.OVERDUE:
        query = query.where(col(RectificationInterview.held_at).is_(None), col(RectificationInterview.due_at) <= now)
    rows = session.exec(
        query.order_by(col(RectificationInterview.due_at), col(RectificationInterview.id)).limit(limit)
    ).all()
    return [InterviewOut.of(row, now) for row in rows]


def _hold(engine: Engine, principal: Principal, interview_id: str, notes: str) -> InterviewOut:
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        try:
            row = hold(session, interview_id, supervisor_id=principal.id, notes=notes, now=now)
        except AlreadyHeld as held:
            raise conflict(
                f"interview {interview_id!r} was already held",
                {"held_at": held.interview.held_at, "held_by": held.interview.held_by},
            ) from held
        if row is None:
            raise not_found(f"no rectification interview {interview_id!r}")
        audit.record(
            session,
            principal,
            event_key=f"interview:{interview_id}:held",
            action="rectification_interview_held",
            complaint_id=row.complaint_id,
            reason=notes,
            details={"interview_id": interview_id, "merchant_id": row.merchant_id, "due_at": row.due_at.isoformat()},
        )
        return InterviewOut.of(row, now)


@router.post(
    "/{interview_id}/held",
    response_model=InterviewOut,
    responses=error_responses(401, 403, 404, 409, 413, 422, 503),
    summary="Record that the interview was held, and what was agreed (a supervisor, once)",
)
async def mark_held(
    request: Request,
    interview_id: InterviewId,
    body: HoldInterview,
    principal: Supervisor,
    engine: EngineDep,
    key: OptionalKey = None,
) -> JSONResponse:
    async def work() -> tuple[int, Any]:
        return 200, await run_in_threadpool(_hold, engine, principal, interview_id, body.notes)

    return await run_once(request, engine, principal.id, key, body, work)
