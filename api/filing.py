"""Filing a complaint through api.case_start: who may file for whom, and what the caller gets back.

Ownership is checked here, before anything is written: the order must exist and belong to the consumer,
and a named line must belong to the order. Otherwise the answer is 404 naming the field, and no
workflow, read-model row or audit record exists. To a consumer, another consumer's order answers
exactly like one that does not exist.
"""

from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Engine

from adapters.db_platform import DbOrderLookup
from api.case_start import Channel, NewComplaint, file_complaint
from api.cases import owns, query_state
from api.deps import Principal
from api.errors import excerpt, forbidden, invalid_field, not_found
from api.idempotency import update_id
from api.policy_store import current_policy
from api.temporal_link import TemporalLink
from core.settings import Settings
from models import limits
from models.case import CaseState, Contact, EvidenceRef, Id, LongText
from models.enums import Role, Stage
from models.platform import OrderRecord


class FilingRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    consumer_id: Id | None = Field(
        None, description="required when an agent files; a consumer's own id otherwise", examples=["C001"]
    )
    order_id: Id = Field(examples=["O1001"])
    order_line_id: Id | None = Field(None, examples=["O1001-L1"])
    channel: Channel = "app"
    description: LongText = Field(examples=["The tea arrived spoiled and mouldy."])
    contact: Contact = Field(default_factory=Contact, description="personal data: encrypted in Temporal")
    evidence: list[EvidenceRef] = Field(default_factory=list, max_length=limits.EVIDENCE_PER_FILING)


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


def check_order(principal: Principal, consumer_id: str, order: OrderRecord | None, body: FilingRequest) -> None:
    """The order is the consumer's and the line is the order's; refused before Temporal sees the filing.

    Filing on another consumer's line would join *their* open case and hand back its state.
    """
    if order is None or (order.consumer_id != consumer_id and principal.role == Role.CONSUMER):
        raise not_found(
            f"no order {excerpt(body.order_id)} of yours"
            if principal.role == Role.CONSUMER
            else f"no order {excerpt(body.order_id)}",
            field="body.order_id",
        )
    if order.consumer_id != consumer_id:
        raise invalid_field("body.consumer_id", f"order {excerpt(body.order_id)} belongs to another consumer")
    if body.order_line_id is not None and body.order_line_id not in {line.id for line in order.lines}:
        raise not_found(
            f"no line {excerpt(body.order_line_id)} on order {excerpt(body.order_id)}", field="body.order_line_id"
        )


async def file(
    settings: Settings, link: TemporalLink, engine: Engine, principal: Principal, body: FilingRequest, key: str
) -> tuple[int, FilingResponse]:
    consumer_id = _consumer_for(principal, body)
    orders = DbOrderLookup(engine)
    order = await run_in_threadpool(orders.find_order, body.order_id)
    check_order(principal, consumer_id, order, body)
    client = await link.client()  # only now: a refused filing needs no Temporal
    policy = await run_in_threadpool(current_policy, settings)
    request = NewComplaint(
        consumer_id=consumer_id,
        order_id=body.order_id,
        order_line_id=body.order_line_id,
        channel=body.channel,
        description=body.description,
        contact=body.contact,
        evidence=body.evidence,
    )
    result = await file_complaint(
        client,
        engine,
        orders,
        task_queue=settings.temporal_task_queue,
        policy=policy,
        request=request,
        actor=principal.actor,
        update_id=update_id(principal.id, key),
        local_step_writes=settings.workflow_local_writes,
    )
    try:
        state: CaseState | None = await query_state(client, result.complaint_id)
    except Exception:  # the filing stands; the caller can read the case with GET
        state = None
    if state is not None and not owns(principal, state.consumer_id, state.merchant_id):
        state = None  # a joined case is the consumer's own by the checks above; never hand back anyone else's
    response = FilingResponse(complaint_id=result.complaint_id, joined=result.joined, stage=result.stage, state=state)
    return (200 if result.joined else 201), response
