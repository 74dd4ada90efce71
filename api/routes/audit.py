"""The auditor's console API: timeline, history export, replay verdicts, state at a past point, the
tamper-evident log and what-if. Auditors only; every other role gets 403."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlmodel import Session

from api.audit import record
from api.cases import ComplaintId
from api.deps import ClientDep, EngineDep, Principal, require_roles
from api.errors import ApiError, error_responses, invalid_field, not_found, unavailable
from api.idempotency import OptionalKey
from audit import service
from audit.chain import ChainVerdict
from audit.history import CaseNotFound
from audit.replay import BulkReplaySummary, ReplayVerdict
from audit.state_at import StateAt, StateUnavailable
from audit.timeline import Timeline, to_csv
from audit.whatif import WhatIfReport
from models.enums import Role
from policy.loader import PolicyError, parse_policy

router = APIRouter(prefix="/audit", tags=["audit"])

Auditor = Annotated[Principal, Depends(require_roles(Role.AUDITOR))]

MAX_BULK_REPLAY = 5000
MAX_WHAT_IF_CASES = 50  # a few seconds each: larger samples belong to the CLI


def _not_found(err: CaseNotFound) -> ApiError:
    return not_found(str(err))


@router.get("/cases/{complaint_id}/timeline", response_model=Timeline, responses=error_responses(401, 403, 404, 503),
            summary="Every event of a case in plain words (JSON or CSV), checked against the history")
async def case_timeline(complaint_id: ComplaintId, _: Auditor, client: ClientDep, engine: EngineDep,
                        format: Literal["json", "csv"] = "json"):
    try:
        result = await service.timeline(client, engine, complaint_id)
    except CaseNotFound as err:
        raise _not_found(err) from None
    if format == "csv":
        return PlainTextResponse(to_csv(result), media_type="text/csv", headers={
            "Content-Disposition": f'attachment; filename="{complaint_id}-timeline.csv"'})
    return result


@router.get("/cases/{complaint_id}/history", responses=error_responses(401, 403, 404, 503),
            summary="The workflow's raw Temporal history (JSON), or decoded with the project's converter and codec")
async def case_history(complaint_id: ComplaintId, principal: Auditor, client: ClientDep, engine: EngineDep,
                       decoded: bool = False) -> Response:
    """Raw is exactly what Temporal stores (payloads stay encrypted). Decoded shows personal data in the
    clear, so each decoded export is itself written to the audit log first."""
    try:
        if not decoded:
            return Response(await service.history_export(client, complaint_id, decoded=False),
                            media_type="application/json")
        body = await service.history_export(client, complaint_id, decoded=True)
    except CaseNotFound as err:
        raise _not_found(err) from None

    def audit_the_read() -> None:
        with Session(engine) as session:
            record(session, principal, event_key=f"history-decoded:{uuid.uuid4().hex}", action="history_decoded",
                   complaint_id=complaint_id, details={"events": len(body["events"])})
            session.commit()

    await run_in_threadpool(audit_the_read)
    return JSONResponse(body)


@router.get("/cases/{complaint_id}/replay", response_model=ReplayVerdict,
            responses=error_responses(401, 403, 404, 503),
            summary="Replay the case through the current workflow code: clean, or the first diverging event")
async def case_replay(complaint_id: ComplaintId, _: Auditor, client: ClientDep) -> ReplayVerdict:
    try:
        return await service.replay_case(client, complaint_id)
    except CaseNotFound as err:
        raise _not_found(err) from None


@router.get("/cases/{complaint_id}/state", response_model=StateAt,
            responses=error_responses(401, 403, 404, 409, 422, 503),
            summary="The full case state after history event N, or at time T")
async def case_state_at(complaint_id: ComplaintId, _: Auditor, client: ClientDep,
                        event_id: Annotated[int | None, Query(ge=1)] = None,
                        at: Annotated[datetime | None, Query(description="ISO 8601 with a zone")] = None) -> StateAt:
    if (event_id is None) == (at is None):
        raise invalid_field("event_id", "give exactly one of event_id or at")
    if at is not None and at.tzinfo is None:
        raise invalid_field("at", "needs a time zone, e.g. 2026-03-01T09:30:00Z")
    try:
        return await service.state_at(client, complaint_id, event_id=event_id, at=at)
    except CaseNotFound as err:
        raise _not_found(err) from None
    except StateUnavailable as err:
        raise ApiError(409, "conflict", str(err)) from None
    except ValueError as err:
        raise invalid_field("event_id" if event_id is not None else "at", str(err)) from None


@router.get("/chain", response_model=ChainVerdict, responses=error_responses(401, 403, 503),
            summary="Verify the tamper-evident audit log: the first broken link, if any")
async def chain_verify(_: Auditor, engine: EngineDep) -> ChainVerdict:
    return await service.verify(engine)


class BulkReplayRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"closed_from": "2026-03-01T00:00:00Z", "closed_to": "2026-04-01T00:00:00Z", "limit": 1000}]})

    closed_from: datetime = Field(description="closed at or after (ISO 8601 with a zone)")
    closed_to: datetime = Field(description="closed before")
    limit: int = Field(MAX_BULK_REPLAY, ge=1, le=MAX_BULK_REPLAY)

    @model_validator(mode="after")
    def _aware_and_ordered(self) -> "BulkReplayRequest":
        if self.closed_from.tzinfo is None or self.closed_to.tzinfo is None:
            raise ValueError("closed_from and closed_to need a time zone")
        if self.closed_from >= self.closed_to:
            raise ValueError("closed_from must be before closed_to")
        return self


@router.post("/replays", response_model=BulkReplaySummary, responses=error_responses(401, 403, 422, 503),
             summary="Replay every case closed in a date range; how many replayed, how many diverged, which")
async def bulk_replay(body: BulkReplayRequest, _: Auditor, client: ClientDep, engine: EngineDep,
                      key: OptionalKey = None) -> BulkReplaySummary:
    """Read-only: a repeated request (with or without the same Idempotency-Key) simply replays again."""
    return await service.replay_closed(client, engine, body.closed_from, body.closed_to, limit=body.limit)


class WhatIfRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"policy": {"version": "2026.12-trial", "negotiation": {"lapse_action": "close", "gift": {"percent": 8}}},
         "complaint_ids": ["CMP-O1001-L1-1"]}]})

    policy: dict[str, Any] = Field(description="the proposed policy, as the policy file's content in JSON")
    complaint_ids: list[str] = Field(min_length=1, max_length=MAX_WHAT_IF_CASES)


@router.post("/what-if", response_model=WhatIfReport, responses=error_responses(401, 403, 404, 422, 503),
             summary="Re-run past cases under a proposed policy (simulated, no production data touched)")
async def what_if(body: WhatIfRequest, _: Auditor, client: ClientDep, key: OptionalKey = None) -> WhatIfReport:
    """Simulated on a private server and database: repeating the request has no effect beyond its answer."""
    try:
        proposed = parse_policy(body.policy, source="policy")
    except PolicyError as err:
        raise ApiError(422, "validation_error", str(err), [{"field": "policy", "message": p} for p in err.problems]) \
            from None
    try:
        return await service.what_if_cases(client, body.complaint_ids, proposed)
    except CaseNotFound as err:
        raise _not_found(err) from None
    except FileNotFoundError as err:  # the simulation's test server binary is not installed here
        raise unavailable(f"what-if is not available on this install: {err}") from None
