"""Filing a complaint: one workflow per complaint, one open complaint per order line.

The complaint id is derived from the order line and a sequence number, and the workflow id from the
complaint id. Two filings racing on one line compute the same id, so update-with-start (USE_EXISTING)
makes the second join the first instead of opening a second case.
"""

import asyncio
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from adapters.ports import OrderLookup
from models.case import Actor, CaseInput, Contact, EvidenceRef, Filing, FilingResult
from models.policy import Policy
from models.tables import Complaint
from workflows.complaint import ComplaintWorkflow
from workflows.ids import complaint_id, workflow_id

# The channels the workflow's Filing and CaseInput accept.
Channel = Literal["app", "web", "hotline", "chat", "email", "social"]


class NewComplaint(BaseModel):
    consumer_id: str = Field(examples=["C001"])
    order_id: str = Field(examples=["O1002"])
    order_line_id: str | None = Field(None, examples=["O1002-L1"])
    channel: Channel = "app"
    description: str = Field("", max_length=4000, examples=["屏幕破损 the screen arrived broken"])
    contact: Contact = Contact()
    evidence: list[EvidenceRef] = []


def _line_key(orders: OrderLookup, request: NewComplaint) -> str:
    if request.order_line_id:
        return request.order_line_id
    order = orders.find_order(request.order_id)
    if order is not None and len(order.lines) == 1:
        return order.lines[0].id  # the same line however the consumer named it
    return request.order_id


def _next_seq(engine: Engine, line_key: str) -> int:
    """The open complaint's number on this line, or one past the last closed one."""
    prefix = complaint_id(line_key, 0)[:-1]
    with Session(engine) as session:
        rows = session.exec(select(Complaint.id, Complaint.is_open).where(Complaint.id.startswith(prefix))).all()
    seqs = {int(cid.removeprefix(prefix)): is_open for cid, is_open in rows if cid.removeprefix(prefix).isdigit()}
    open_seqs = [n for n, is_open in seqs.items() if is_open]
    if open_seqs:
        return max(open_seqs)
    return max(seqs, default=0) + 1


async def file_complaint(
    client: Client,
    engine: Engine,
    orders: OrderLookup,
    *,
    task_queue: str,
    policy: Policy,
    request: NewComplaint,
    actor: Actor,
    update_id: str | None = None,
    local_step_writes: bool = False,
) -> FilingResult:
    # Blocking database reads: off the event loop, which the API shares with every other request.
    line_key = await asyncio.to_thread(_line_key, orders, request)
    seq = await asyncio.to_thread(_next_seq, engine, line_key)
    filing = Filing(actor=actor, description=request.description, evidence=request.evidence, channel=request.channel)
    for attempt in range(3):
        cid = complaint_id(line_key, seq + attempt)
        start = WithStartWorkflowOperation(
            ComplaintWorkflow.run,
            CaseInput(
                complaint_id=cid,
                consumer_id=request.consumer_id,
                order_id=request.order_id,
                order_line_id=request.order_line_id,
                channel=request.channel,
                description=request.description,
                contact=request.contact,
                evidence=request.evidence,
                filed_by=actor,
                policy=policy,
                local_step_writes=local_step_writes,
            ),
            id=workflow_id(cid),
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            # A closed complaint's id is never reused: the next filing on the line gets the next number.
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
        try:
            return await client.execute_update_with_start_workflow(
                ComplaintWorkflow.file, filing, start_workflow_operation=start, id=update_id
            )
        except WorkflowAlreadyStartedError:
            continue
    raise RuntimeError(f"could not allocate a complaint id on line {line_key}")
