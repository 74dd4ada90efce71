"""The auditor's console API: timeline, history export, replay verdicts, state at a past point, the
tamper-evident log, every audit record, offline bundles and what-if. Auditors only; every other role gets
403, and each such refusal is itself an audit record."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlmodel import Session

from api.audit import AuditedAuditor, record
from api.cases import ComplaintId
from api.deps import ClientDep, EngineDep, LinkDep
from api.errors import ApiError, error_responses, invalid_field, not_found, unavailable
from api.idempotency import OptionalKey
from audit import service
from audit.chain_verify import ChainVerdict
from audit.history import CaseNotFound
from audit.log_query import RecordFilters, RecordPage, list_records
from audit.replay import BulkReplaySummary, ReplayVerdict
from audit.state_at import StateAt, StateUnavailable
from audit.timeline import Timeline, to_csv
from audit.whatif import WhatIfReport
from policy.loader import PolicyError

router = APIRouter(prefix="/audit", tags=["audit"])

Auditor = AuditedAuditor

MAX_BULK_REPLAY = 5000
MAX_WHAT_IF_CASES = 50  # a few seconds each: larger samples belong to the CLI


def _not_found(err: CaseNotFound) -> ApiError:
    return not_found(str(err))


def _legacy(err: service.LegacyCase) -> ApiError:
    return ApiError(409, "conflict", str(err))


@router.get(
    "/cases/{complaint_id}/timeline",
    response_model=Timeline,
    responses=error_responses(401, 403, 404, 503),
    summary="Every event of a case in plain words (JSON or CSV), checked against the history",
)
async def case_timeline(
    complaint_id: ComplaintId, _: Auditor, client: ClientDep, engine: EngineDep, format: Literal["json", "csv"] = "json"
) -> Timeline | PlainTextResponse:
    try:
        result = await service.timeline(client, engine, complaint_id)
    except CaseNotFound as err:
        raise _not_found(err) from None
    if format == "csv":
        return PlainTextResponse(
            to_csv(result),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{complaint_id}-timeline.csv"'},
        )
    return result


@router.get(
    "/cases/{complaint_id}/history",
    responses=error_responses(401, 403, 404, 503),
    summary="The workflow's raw Temporal history (JSON), or decoded with the project's converter and codec",
)
async def case_history(
    complaint_id: ComplaintId, principal: Auditor, client: ClientDep, engine: EngineDep, decoded: bool = False
) -> Response:
    """Raw is exactly what Temporal stores (payloads stay encrypted). Decoded shows personal data in the
    clear, so each decoded export is itself written to the audit log first."""
    try:
        body = await service.history_export(client, complaint_id, decoded=decoded, engine=engine)
    except CaseNotFound as err:
        raise _not_found(err) from None
    except service.LegacyCase as err:
        raise _legacy(err) from None
    encrypted = client.data_converter.payload_codec is not None
    if not decoded and encrypted:
        return Response(body, media_type="application/json")  # ciphertext: nothing personal is read

    def audit_the_read() -> None:
        # A decoded export, or a raw one whose payloads are not encrypted, shows personal data in the clear.
        with Session(engine) as session:
            record(
                session,
                principal,
                event_key=f"history-{'decoded' if decoded else 'raw'}:{uuid.uuid4().hex}",
                action="history_decoded" if decoded else "history_exported",
                complaint_id=complaint_id,
                details={"decoded": decoded, "encrypted": encrypted, "cases": [complaint_id]},
            )
            session.commit()

    await run_in_threadpool(audit_the_read)
    return JSONResponse(body) if decoded else Response(body, media_type="application/json")


@router.get(
    "/cases/{complaint_id}/replay",
    response_model=ReplayVerdict,
    responses=error_responses(401, 403, 404, 503),
    summary="Replay the case through the current workflow code: clean, or the first diverging event",
)
async def case_replay(complaint_id: ComplaintId, _: Auditor, client: ClientDep, engine: EngineDep) -> ReplayVerdict:
    """Clean only when the current code issues the same commands AND computes the same activity inputs
    (offers, amounts, deadlines, audit records and snapshots) as the case recorded."""
    try:
        return await service.replay_case(client, complaint_id, engine)
    except CaseNotFound as err:
        raise _not_found(err) from None
    except service.LegacyCase as err:
        raise _legacy(err) from None


@router.get(
    "/cases/{complaint_id}/state",
    response_model=StateAt,
    responses=error_responses(401, 403, 404, 409, 422, 503),
    summary="The full case state after history event N, or at time T",
)
async def case_state_at(
    complaint_id: ComplaintId,
    _: Auditor,
    client: ClientDep,
    engine: EngineDep,
    event_id: Annotated[int | None, Query(ge=1)] = None,
    at: Annotated[datetime | None, Query(description="ISO 8601 with a zone")] = None,
) -> StateAt:
    if (event_id is None) == (at is None):
        raise invalid_field("event_id", "give exactly one of event_id or at")
    if at is not None and at.tzinfo is None:
        raise invalid_field("at", "needs a time zone, e.g. 2026-03-01T09:30:00Z")
    try:
        return await service.state_at(client, complaint_id, event_id=event_id, at=at, engine=engine)
    except CaseNotFound as err:
        raise _not_found(err) from None
    except service.LegacyCase as err:
        raise _legacy(err) from None
    except StateUnavailable as err:
        raise ApiError(409, "conflict", str(err)) from None
    except ValueError as err:
        raise invalid_field("event_id" if event_id is not None else "at", str(err)) from None


@router.get(
    "/chain",
    response_model=ChainVerdict,
    responses=error_responses(401, 403, 503),
    summary="Verify the keyed audit log against its anchors: the first broken link, deleted tails",
)
async def chain_verify(_: Auditor, engine: EngineDep, link: LinkDep) -> ChainVerdict:
    """Checks every row's keyed hash and link, then every anchor kept in Temporal. With Temporal down the
    rows are still checked and `findings` says the anchors were not."""
    return await service.verify(engine, await link.try_connect())


@router.get(
    "/records",
    response_model=RecordPage,
    responses=error_responses(401, 403, 422),
    summary="Every audit record, newest first, filtered by action, actor and time",
)
async def audit_records(_: Auditor, engine: EngineDep, filters: Annotated[RecordFilters, Query()]) -> RecordPage:
    """Case transitions and what happens outside a case: policy_changed, policy_archived, payloads_decoded,
    user_created, user_deactivated, personal_data_read, history_exported, history_decoded, access_refused."""
    for name in ("since", "until"):
        value = getattr(filters, name)
        if value is not None and value.tzinfo is None:
            raise invalid_field(name, "needs a time zone, e.g. 2026-03-01T09:30:00Z")

    def run() -> RecordPage:
        with Session(engine) as session:
            return list_records(session, filters)

    return await run_in_threadpool(run)


@router.get(
    "/cases/{complaint_id}/bundle",
    responses=error_responses(401, 403, 404, 409, 503),
    summary="An offline review bundle: history, audit rows, chain proof to an anchor, policy",
)
async def case_bundle(
    complaint_id: ComplaintId, principal: Auditor, client: ClientDep, engine: EngineDep
) -> JSONResponse:
    """Check it anywhere with `complaints audit verify-bundle FILE` (no server needed). The history inside may
    hold personal data, so each export is recorded."""
    try:
        bundle = await service.bundle(client, engine, complaint_id)
    except CaseNotFound as err:
        raise _not_found(err) from None
    except service.LegacyCase as err:
        raise _legacy(err) from None

    def audit_the_export() -> None:
        with Session(engine) as session:
            record(
                session,
                principal,
                event_key=f"bundle:{uuid.uuid4().hex}",
                action="history_exported",
                complaint_id=complaint_id,
                details={
                    "bundle": True,
                    "cases": [complaint_id],
                    "encrypted": client.data_converter.payload_codec is not None,
                },
            )
            session.commit()

    await run_in_threadpool(audit_the_export)
    return JSONResponse(bundle)


class BulkReplayRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"closed_from": "2026-03-01T00:00:00Z", "closed_to": "2026-04-01T00:00:00Z", "limit": 1000}]
        }
    )

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


@router.post(
    "/replays",
    response_model=BulkReplaySummary,
    responses=error_responses(401, 403, 422, 503),
    summary="Replay every case closed in a date range; how many replayed, how many diverged, which",
)
async def bulk_replay(
    body: BulkReplayRequest, _: Auditor, client: ClientDep, engine: EngineDep, key: OptionalKey = None
) -> BulkReplaySummary:
    """Read-only: a repeated request (with or without the same Idempotency-Key) simply replays again."""
    return await service.replay_closed(client, engine, body.closed_from, body.closed_to, limit=body.limit)


class WhatIfRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "policy": {
                        "version": "2026.12-trial",
                        "negotiation": {"lapse_action": "close", "gift": {"percent": 8}},
                    },
                    "merge": True,
                    "complaint_ids": ["CMP-O1001-L1-1"],
                }
            ]
        }
    )

    policy: dict[str, Any] = Field(
        description="the proposed policy, as the policy file's content in JSON, with a version name of its own"
    )
    merge: bool = Field(
        False, description="false: `policy` must be whole; true: its sections are laid over each case's own policy"
    )
    complaint_ids: list[str] = Field(min_length=1, max_length=MAX_WHAT_IF_CASES)


@router.post(
    "/what-if",
    response_model=WhatIfReport,
    responses=error_responses(401, 403, 404, 422, 503),
    summary="Re-run past cases under a proposed policy (simulated, no production data touched)",
)
async def what_if(
    body: WhatIfRequest, _: Auditor, client: ClientDep, engine: EngineDep, key: OptionalKey = None
) -> WhatIfReport:
    """Simulated on a private server and database: repeating the request has no effect beyond its answer.
    A partial policy is refused unless `merge` is true; the proposal needs a version name no case uses."""
    try:
        return await service.what_if_cases(client, body.complaint_ids, body.policy, merge=body.merge, engine=engine)
    except PolicyError as err:
        raise ApiError(
            422, "validation_error", str(err), [{"field": p.split(":", 1)[0], "message": p} for p in err.problems]
        ) from None
    except CaseNotFound as err:
        raise _not_found(err) from None
    except service.LegacyCase as err:
        raise _legacy(err) from None
    except FileNotFoundError as err:  # the simulation's test server binary is not installed here
        raise unavailable(f"what-if is not available on this install: {err}") from None
