"""Reaching one case: read-model row, ownership, the workflow's state and its human-step updates.

Ownership comes from the read model; for a case filed a moment ago whose first record is not yet
written, from the workflow's own state. Consumers reach their own cases, merchants their shop's; to
them another party's case answers exactly like one that does not exist (404), so ids cannot be probed.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Path
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import Client, WorkflowQueryFailedError
from temporalio.service import RPCError, RPCStatusCode

from api.deps import Principal
from api.errors import ApiError, excerpt, invalid_stage, not_found
from api.updates import CaseUpdate, P, update_name
from models.case import CaseInput, CaseState, PersonalDetails
from models.enums import Role, Stage
from models.tables import Complaint
from workflows.complaint import ComplaintWorkflow
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


def no_complaint(complaint_id: str) -> ApiError:
    return not_found(f"no complaint {excerpt(complaint_id)}")


def owns(principal: Principal, consumer_id: str | None, merchant_id: str | None) -> bool:
    """Whether a consumer or merchant may reach a case of this consumer and shop (staff: always)."""
    if principal.role == Role.CONSUMER:
        return consumer_id is not None and consumer_id == principal.consumer_id
    if principal.role == Role.MERCHANT:
        return merchant_id is not None and merchant_id == principal.merchant_id
    return True


def check_owner(principal: Principal, owner: Owner, complaint_id: str) -> None:
    if not owns(principal, owner.consumer_id, owner.merchant_id):
        raise no_complaint(complaint_id)


async def query_state(client: Client, complaint_id: str) -> CaseState:
    handle = client.get_workflow_handle(workflow_id(complaint_id))
    return await handle.query(ComplaintWorkflow.state, rpc_timeout=QUERY_TIMEOUT)


async def authorize(
    engine: Engine, client: Client | None, principal: Principal, complaint_id: str
) -> tuple[Complaint | None, CaseState | None]:
    """The case's row (and its state when the row had to be bypassed), after the ownership check.

    404 when neither the read model nor Temporal knows the case.
    """
    row = await run_in_threadpool(load_row, engine, complaint_id)
    if row is not None:
        check_owner(principal, Owner(row.consumer_id, row.merchant_id, Stage(row.stage)), complaint_id)
        return row, None
    if client is None:
        raise no_complaint(complaint_id)
    try:
        state = await query_state(client, complaint_id)
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise no_complaint(complaint_id) from None
        raise
    check_owner(principal, Owner(state.consumer_id, state.merchant_id, state.stage), complaint_id)
    return None, state


async def execute(
    client: Client, row: Complaint | None, complaint_id: str, update: CaseUpdate[P], payload: P, update_id: str
) -> CaseState:
    """Run one human-step update; a finished workflow answers 409 naming its final stage."""
    handle = client.get_workflow_handle(workflow_id(complaint_id))
    try:
        compact = await handle.execute_update(update, payload, id=update_id, rpc_timeout=UPDATE_TIMEOUT)
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND and row is not None:
            stage = Stage(row.stage)
            if stage.is_terminal:
                raise invalid_stage(
                    f"case is in stage '{stage.value}'; {update_name(update)} needs an open case",
                    {"stage": stage.value, "expected": "an open case"},
                ) from None
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise no_complaint(complaint_id) from None
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
        decoded: list[CaseInput] = await client.data_converter.decode(payloads, [CaseInput])
        return decoded[0]
    raise no_complaint(complaint_id)


async def current_personal(client: Client, complaint_id: str) -> PersonalDetails | None:
    """The description and contact as they stand now; None when no worker can answer the query."""
    handle = client.get_workflow_handle(workflow_id(complaint_id))
    try:
        return await handle.query(ComplaintWorkflow.personal, rpc_timeout=QUERY_TIMEOUT)
    except (RPCError, WorkflowQueryFailedError):
        return None
