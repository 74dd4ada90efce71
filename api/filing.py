"""Filing a complaint through core.cases: who may file for whom, and what the caller gets back."""

from typing import Literal

from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Engine
from temporalio.client import Client

from adapters.db_platform import DbOrderLookup
from api.cases import query_state
from api.deps import Principal
from api.errors import forbidden, invalid_field
from api.idempotency import update_id
from api.policy_store import current_policy
from core.cases import NewComplaint, file_complaint
from core.settings import Settings
from models.case import CaseState, Contact, EvidenceRef, LongText, ShortText
from models.enums import Role, Stage


class FilingRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    consumer_id: str | None = Field(None, description="required when an agent files; a consumer's own id otherwise",
                                    examples=["C001"])
    order_id: ShortText = Field(examples=["O1001"])
    order_line_id: ShortText | None = Field(None, examples=["O1001-L1"])
    channel: Literal["app", "web", "hotline", "chat", "email", "social"] = "app"
    description: LongText = Field(examples=["The tea arrived spoiled and mouldy."])
    contact: Contact = Field(default_factory=Contact, description="personal data: encrypted in Temporal")
    evidence: list[EvidenceRef] = Field(default_factory=list, max_length=20)


class FilingResponse(BaseModel):
    complaint_id: str = Field(examples=["CMP-O1001-L1-1"])
    joined: bool = Field(description="true when this filing joined the open case on the same order line")
    stage: Stage
    state: CaseState | None = Field(None, description="the case right after filing; null if it could not be read")


def _consumer_for(principal: Principal, body: FilingRequest) -> str:
    if principal.role == Role.CONSUMER:
        if body.consumer_id not in (None, principal.consumer_id):
            raise forbidden("consumers file complaints only for themselves")
        if not principal.consumer_id:
            raise forbidden("this consumer account is not linked to a consumer")
        return principal.consumer_id
    if not body.consumer_id:
        raise invalid_field("body.consumer_id", "required when filing on a consumer's behalf")
    return body.consumer_id


async def file(settings: Settings, client: Client, engine: Engine, principal: Principal, body: FilingRequest,
               key: str) -> tuple[int, FilingResponse]:
    consumer_id = _consumer_for(principal, body)
    orders = DbOrderLookup(engine)
    order = await run_in_threadpool(orders.find_order, body.order_id)
    if order is not None and order.consumer_id != consumer_id:
        # Filing on another consumer's order would join *their* open case: refuse before Temporal sees it.
        if principal.role == Role.CONSUMER:
            raise forbidden("this order belongs to another consumer")
        raise invalid_field("body.consumer_id", f"order {body.order_id!r} belongs to another consumer")
    policy = await run_in_threadpool(current_policy, settings)
    request = NewComplaint(consumer_id=consumer_id, order_id=body.order_id, order_line_id=body.order_line_id,
                           channel=body.channel, description=body.description, contact=body.contact,
                           evidence=body.evidence)
    result = await file_complaint(client, engine, orders, task_queue=settings.temporal_task_queue,
                                  policy=policy, request=request, actor=principal.actor,
                                  update_id=update_id(principal.id, key))
    try:
        state = await query_state(client, result.complaint_id)
    except Exception:  # the filing stands; the caller can read the case with GET
        state = None
    response = FilingResponse(complaint_id=result.complaint_id, joined=result.joined, stage=result.stage,
                              state=state)
    return (200 if result.joined else 201), response
