"""Drives cases through the real workflow the way the API does, on a time-skipping server.

Used by audit/scenarios.py (the representative paths), never against production: the orders it seeds
and the time it skips belong to a throwaway database and a private test server.
"""

import asyncio
import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from adapters.db_platform import DbOrderLookup
from core.cases import NewComplaint, file_complaint
from core.db import session_scope
from models.case import (
    Actor,
    CaseState,
    ClassificationReview,
    EvidenceRef,
    LiabilityDecision,
    MerchantRefundConfirmation,
    OfferProposal,
    OfferResponse,
    ShipmentConfirmation,
    SurveyAnswer,
    Tier3Approval,
)
from models.enums import Party, Role, Stage
from models.policy import Policy
from models.tables import Consumer, Merchant, Order, OrderLine
from workflows.complaint import ComplaintWorkflow as W
from workflows.ids import workflow_id

AGENT = Actor(id="agent1", role=Role.AGENT)
SUPERVISOR = Actor(id="super1", role=Role.SUPERVISOR)


def evidence(name: str) -> EvidenceRef:
    return EvidenceRef(
        kind="photo",
        description="close-up of the problem",
        attachment_ref=f"s3://ev/{name}.jpg",
        sha256=hashlib.sha256(name.encode()).hexdigest(),
    )


@dataclass
class Parties:
    consumer: Actor
    merchant: Actor
    order_id: str
    line_id: str


def seed_order(
    engine: Engine,
    now: datetime,
    *,
    category: str = "electronics",
    paid_minor: int = 19900,
    perishable_late: bool = False,
) -> Parties:
    """A consumer, a merchant with a deposit and a one-line order, all fresh, dated relative to `now`."""
    tag = uuid.uuid4().hex[:8]
    placed = now - timedelta(days=5)
    with session_scope(engine) as s:
        s.add(Consumer(id=f"C-{tag}", name="Li Lei", phone="13800138000", created_at=placed))
        s.add(
            Merchant(
                id=f"M-{tag}",
                name=f"Shop {tag}",
                deposit_minor=500_000,
                deposit_required_minor=500_000,
                created_at=placed,
            )
        )
        s.flush()
        s.add(
            Order(
                id=f"O-{tag}",
                consumer_id=f"C-{tag}",
                merchant_id=f"M-{tag}",
                paid_minor=paid_minor,
                placed_at=placed,
                shipped_at=placed + timedelta(hours=12),
                promised_by=placed + timedelta(days=1 if perishable_late else 5),
                delivered_at=None if perishable_late else now - timedelta(days=2),
                carrier="SF",
                tracking_number=f"SF{tag}",
                tracking_status="overdue" if perishable_late else "delivered",
            )
        )
        s.flush()
        s.add(
            OrderLine(
                id=f"O-{tag}-L1",
                order_id=f"O-{tag}",
                sku=f"SKU-{tag}",
                title="Item",
                category=category,
                quantity=1,
                paid_minor=paid_minor,
            )
        )
    return Parties(
        consumer=Actor(id=f"C-{tag}", role=Role.CONSUMER),
        merchant=Actor(id=f"M-{tag}", role=Role.MERCHANT),
        order_id=f"O-{tag}",
        line_id=f"O-{tag}-L1",
    )


class CaseDriver:
    """Acts on cases the way the API does; waits (in real time, without skipping) for activities to land."""

    def __init__(self, env: WorkflowEnvironment, engine: Engine, task_queue: str, policy: Policy) -> None:
        self.env, self.engine, self.task_queue, self.policy = env, engine, task_queue, policy

    async def file(
        self,
        who: Parties,
        description: str,
        *,
        with_evidence: bool = True,
        order_id: str | None = None,
        line: bool = True,
    ) -> str:
        request = NewComplaint(
            consumer_id=who.consumer.id,
            order_id=order_id or who.order_id,
            order_line_id=who.line_id if line else None,
            description=description,
            evidence=[evidence(who.order_id)] if with_evidence else [],
        )
        result = await file_complaint(
            self.env.client,
            self.engine,
            DbOrderLookup(self.engine),
            task_queue=self.task_queue,
            policy=self.policy,
            request=request,
            actor=who.consumer,
        )
        return result.complaint_id

    async def parties(self, **order) -> Parties:
        # The time-skipping server's clock runs ahead of the wall clock: date the order by the server's.
        return seed_order(self.engine, await self.env.get_current_time(), **order)

    def handle(self, cid: str) -> WorkflowHandle:
        return self.env.client.get_workflow_handle_for(W.run, workflow_id(cid))

    async def act(self, cid: str, update, payload) -> CaseState:
        return await self.handle(cid).execute_update(update, payload)

    async def until(self, cid: str, predicate: Callable[[CaseState], bool], attempts: int = 400) -> CaseState:
        state = None
        for _ in range(attempts):
            state = await self.handle(cid).query(W.state)
            if predicate(state):
                return state
            await asyncio.sleep(0.025)
        raise AssertionError(f"case {cid} never settled: stage={state.stage if state else None}")

    async def stage(self, cid: str, stage: Stage) -> CaseState:
        return await self.until(cid, lambda s: s.stage == stage)

    async def pending(self, cid: str, action: str) -> CaseState:
        return await self.until(cid, lambda s: any(p.action == action for p in s.pending_actions))

    async def skip(self, duration: timedelta) -> None:
        await self.env.sleep(duration)

    async def finish(self, cid: str, attempts: int = 400) -> CaseState:
        """Wait (real time) until the case is terminal and its workflow has completed."""
        state = await self.until(cid, lambda st: st.stage.is_terminal, attempts)
        for _ in range(attempts):
            if (await self.handle(cid).describe()).status != WorkflowExecutionStatus.RUNNING:
                return state
            await asyncio.sleep(0.025)
        raise AssertionError(f"case {cid} is {state.stage} but its workflow never completed")

    # ---- common stretches of a case ---------------------------------------------------------------

    async def to_negotiation(self, cid: str) -> None:
        await self.stage(cid, Stage.CLASSIFICATION)
        await self.act(cid, W.review_classification, ClassificationReview(actor=AGENT, confirm=True))
        await self.act(
            cid, W.set_liability, LiabilityDecision(actor=AGENT, party=Party.MERCHANT, reason="photo shows the defect")
        )

    async def offer(self, cid: str, who: Parties, *, accept: bool) -> None:
        state = await self.act(cid, W.make_offer, OfferProposal(actor=AGENT))
        offer = state.offers[-1]
        if offer.status.value == "awaiting_approval":
            await self.act(cid, W.approve_tier3, Tier3Approval(actor=SUPERVISOR, approve=True, reason="justified"))
        await self.respond(cid, who, offer.offer_id, accept=accept)

    async def respond(self, cid: str, who: Parties, offer_id: str, *, accept: bool) -> None:
        await self.act(
            cid,
            W.respond_to_offer,
            OfferResponse(
                actor=who.consumer, offer_id=offer_id, accept=accept, reason=None if accept else "not enough"
            ),
        )

    async def execute(self, cid: str, who: Parties) -> None:
        """Answer whatever the merchant is asked during execution until the case reaches review."""
        while True:
            state = await self.until(cid, lambda s: s.stage != Stage.EXECUTION or bool(s.pending_actions))
            if state.stage != Stage.EXECUTION:
                return
            actions = {p.action for p in state.pending_actions}
            if "confirm_merchant_refund" in actions:
                await self.act(
                    cid, W.confirm_merchant_refund, MerchantRefundConfirmation(actor=who.merchant, reference="RF-1")
                )
            elif "confirm_shipment" in actions:
                await self.act(
                    cid,
                    W.confirm_shipment,
                    ShipmentConfirmation(actor=who.merchant, carrier="SF", tracking_number="SF-R1"),
                )
            await self.until(
                cid,
                lambda s, before=actions: s.stage != Stage.EXECUTION or {p.action for p in s.pending_actions} != before,
            )

    async def survey(self, cid: str, who: Parties, score: int) -> None:
        await self.stage(cid, Stage.REVIEW)
        await self.skip(self.policy.review.survey_delay + timedelta(minutes=1))
        await self.pending(cid, "answer_survey")
        await self.act(
            cid, W.answer_survey, SurveyAnswer(actor=who.consumer, resolved_score=score, communication_score=score)
        )
