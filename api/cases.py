"""Reaching one case: read-model row, ownership, the workflow's state and its human-step updates.

Ownership comes from the read model; for a case filed a moment ago whose first record is not yet
written, from the workflow's own state. Consumers reach their own cases, merchants their shop's.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Path
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import Client, WorkflowQueryFailedError
from temporalio.service import RPCError, RPCStatusCode

from api.deps import Principal
from api.errors import forbidden, invalid_stage, not_found
from models.case import CaseInput, CaseState, PersonalDetails
from models.enums import Role, Stage
from models.tables import Complaint
from workflows.ids import workflow_id

ComplaintId = Annotated[str, Path(min_length=1, max_length=200, examples=["CMP-O1001-L1-1"])]

QUERY_TIMEOUT = timedelta(seconds=5)
# An update may run activities (payments, notifications) before it answers; past this the caller gets 503
# and retries with the same Idempotency-Key, which Temporal deduplicates as the same update.
UPDATE_TIMEOUT = timedelta(seconds=30)


@dataclass(frozen=True)
class Owner:
    consumer_id: str
    merchant_id: str | None
    stage: Stage | None


def load_row(engine: Engine, complaint_id: str) -> Complaint | None:
    with Session(engine, expire_on_commit=False) as session:
        return session.get(Complaint, complaint_id)


def check_owner(principal: Principal, owner: Owner) -> None:
    if principal.role == Role.CONSUMER and owner.consumer_id != principal.consumer_id:
        raise forbidden("not your complaint")
    if principal.role == Role.MERCHANT and (owner.merchant_id is None or owner.merchant_id != principal.merchant_id):
        raise forbidden("not a complaint about your shop")


async def query_state(client: Client, complaint_id: str) -> CaseState:
    handle = client.get_workflow_handle(workflow_id(complaint_id))
    return await handle.query("state", result_type=CaseState, rpc_timeout=QUERY_TIMEOUT)


async def authorize(engine: Engine, client: Client | None, principal: Principal,
                    complaint_id: str) -> tuple[Complaint | None, CaseState | None]:
    """The case's row (and its state when the row had to be bypassed), after the ownership check.

    404 when neither the read model nor Temporal knows the case.
    """
    row = await run_in_threadpool(load_row, engine, complaint_id)
    if row is not None:
        check_owner(principal, Owner(row.consumer_id, row.merchant_id, Stage(row.stage)))
        return row, None
    if client is None:
        raise not_found(f"no complaint {complaint_id!r}")
    try:
        state = await query_state(client, complaint_id)
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise not_found(f"no complaint {complaint_id!r}") from None
        raise
    check_owner(principal, Owner(state.consumer_id, state.merchant_id, state.stage))
    return None, state


async def execute(client: Client, row: Complaint | None, complaint_id: str, update: str, payload: BaseModel,
                  update_id: str) -> CaseState:
    """Run one human-step update; a finished workflow answers 409 naming its final stage."""
    handle = client.get_workflow_handle(workflow_id(complaint_id))
    try:
        compact = await handle.execute_update(update, payload, id=update_id, result_type=CaseState,
                                              rpc_timeout=UPDATE_TIMEOUT)
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND and row is not None:
            stage = Stage(row.stage)
            if stage.is_terminal:
                raise invalid_stage(f"case is in stage '{stage.value}'; {update} needs an open case",
                                    {"stage": stage.value, "expected": "an open case"}) from None
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise not_found(f"no complaint {complaint_id!r}") from None
        raise
    # The update answers with the compact state (evidence by reference: the history stays small);
    # the response shows the full state. Should the query fail, the compact one answers.
    try:
        return await query_state(client, complaint_id)
    except (RPCError, WorkflowQueryFailedError):
        return compact


async def filing_input(client: Client, complaint_id: str) -> CaseInput:
    """The workflow's input, as filed: the only place the description and filed contact are kept."""
    handle = client.get_workflow_handle(workflow_id(complaint_id))
    async for event in handle.fetch_history_events(page_size=1, rpc_timeout=QUERY_TIMEOUT):
        payloads = event.workflow_execution_started_event_attributes.input.payloads
        [case_input] = await client.data_converter.decode(payloads, [CaseInput])
        return case_input
    raise not_found(f"no complaint {complaint_id!r}")


async def current_personal(client: Client, complaint_id: str) -> PersonalDetails | None:
    """The description and contact as they stand now; None when no worker can answer the query."""
    handle = client.get_workflow_handle(workflow_id(complaint_id))
    try:
        return await handle.query("personal", result_type=PersonalDetails, rpc_timeout=QUERY_TIMEOUT)
    except (RPCError, WorkflowQueryFailedError):
        return None
