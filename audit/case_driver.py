"""Drives cases through the real workflow the way the API does: update-with-start to file, an update for
every human step, time skipped on the test server.

The one case driver: audit/scenarios.py (the representative paths, recorded into tests/histories/) and the
workflow tests (tests/workflows/) both act through it. Never used against production: the orders it seeds
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
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from adapters.db_platform import DbOrderLookup
from api.case_start import FilingResult, NewComplaint, file_complaint
from api.updates import update_name
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


def evidence(name: str = "photo-1") -> EvidenceRef:
    return EvidenceRef(
        kind="photo",
        description="close-up of the problem",
        attachment_ref=f"s3://ev/{name}.jpg",
        sha256=hashlib.sha256(name.encode()).hexdigest(),
    )


@dataclass(frozen=True)
class Parties:
    """Who is on one order: its consumer and merchant as actors, and the order's lines."""

    consumer: Actor
    merchant: Actor
    order_id: str
    line_ids: tuple[str, ...]


def seed_order(
    engine: Engine,
    now: datetime,
    *,
    category: str = "electronics",
    paid_minor: int = 19900,
    lines: int = 1,
    delivered_days_ago: float | None = 2,
    tracking: str = "delivered",
    late: bool = False,
    deposit_minor: int = 500_000,
) -> Parties:
    """A consumer, a merchant with a deposit and an order of `lines` lines of `paid_minor` each, all fresh and
    dated relative to `now`. The one seeder: the scenarios here and the tests' factories both use it.

    `late` moves the promised date to a day after placing; `delivered_days_ago=None` leaves it undelivered."""
    tag = uuid.uuid4().hex[:8]
    who = Parties(
        consumer=Actor(id=f"C-{tag}", role=Role.CONSUMER),
        merchant=Actor(id=f"M-{tag}", role=Role.MERCHANT),
        order_id=f"O-{tag}",
        line_ids=tuple(f"O-{tag}-L{i + 1}" for i in range(lines)),
    )
    placed = now - timedelta(days=(delivered_days_ago or 0) + 3)
    with session_scope(engine) as s:
        s.add(
            Consumer(
                id=who.consumer.id,
                name="Li Lei",
                phone="13800138000",
                address="1 Nanjing Rd, Shanghai",
                created_at=placed,
            )
        )
        s.add(
            Merchant(
                id=who.merchant.id,
                name="Shop " + tag,
                deposit_minor=deposit_minor,
                deposit_required_minor=deposit_minor,
                created_at=placed,
            )
        )
        s.flush()
        s.add(
            Order(
                id=who.order_id,
                consumer_id=who.consumer.id,
                merchant_id=who.merchant.id,
                paid_minor=paid_minor * lines,
                placed_at=placed,
                shipped_at=placed + timedelta(hours=12),
                promised_by=placed + timedelta(days=1 if late else 5),
                delivered_at=None if delivered_days_ago is None else now - timedelta(days=delivered_days_ago),
                carrier="SF",
                tracking_number="SF" + tag,
                tracking_status=tracking,
            )
        )
        s.flush()
        for i, line_id in enumerate(who.line_ids):
            s.add(
                OrderLine(
                    id=line_id,
                    order_id=who.order_id,
                    sku=f"SKU-{tag}-{i}",
                    title="Item",
                    category=category,
                    quantity=1,
                    paid_minor=paid_minor,
                )
            )
    return who


class CaseDriver:
    """Acts on cases the way the API does; waits (in real time, without skipping) for activities to land."""

    def __init__(
        self,
        env: WorkflowEnvironment,
        engine: Engine,
        task_queue: str,
        policy: Policy,
        *,
        local_step_writes: bool = True,
    ) -> None:
        self.env, self.engine, self.task_queue, self.policy = env, engine, task_queue, policy
        self.local_step_writes = local_step_writes  # as the API files with WORKFLOW_LOCAL_WRITES
        self.started: set[str] = set()

    async def file(
        self,
        who: Parties,
        description: str,
        *,
        line: int | None = 0,
        with_evidence: bool = True,
        order_id: str | None = None,
        actor: Actor | None = None,
    ) -> FilingResult:
        """File on the order's line number `line` (None: name the order only), as its consumer unless `actor`."""
        request = NewComplaint(
            consumer_id=who.consumer.id,
            order_id=order_id or who.order_id,
            order_line_id=who.line_ids[line] if line is not None else None,
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
            actor=actor or who.consumer,
            local_step_writes=self.local_step_writes,
        )
        self.started.add(result.complaint_id)
        return result

    async def parties(self, **order) -> Parties:
        # The time-skipping server's clock runs ahead of the wall clock: date the order by the server's.
        return seed_order(self.engine, await self.env.get_current_time(), **order)

    def handle(self, cid: str) -> WorkflowHandle:
        return self.env.client.get_workflow_handle_for(W.run, workflow_id(cid))

    async def state(self, cid: str) -> CaseState:
        return await self.handle(cid).query(W.state)

    async def update(self, cid: str, update, payload) -> CaseState:
        return await self.handle(cid).execute_update(update, payload)

    async def settle(self, cid: str, predicate: Callable[[CaseState], bool], attempts: int = 400) -> CaseState:
        """Wait (real time, no skipping) until activities have moved the case to where `predicate` holds."""
        state = None
        for _ in range(attempts):
            state = await self.state(cid)
            if predicate(state):
                return state
            await asyncio.sleep(0.025)
        last = f"stage={state.stage} outcome={state.outcome}" if state else "none"
        raise AssertionError(f"case {cid} never settled; last state: {last}")

    async def stage(self, cid: str, stage: Stage) -> CaseState:
        return await self.settle(cid, lambda s: s.stage == stage)

    async def pending(self, cid: str, action: str) -> CaseState:
        return await self.settle(cid, lambda s: any(p.action == action for p in s.pending_actions))

    async def skip(self, duration: timedelta, step: timedelta = timedelta(hours=1)) -> None:
        """Skip time on the test server in steps: one long sleep across many timers with activities between
        them can stall the time-skipping test server; steps reach the same instants with every timer firing
        on time."""
        while duration > timedelta(0):
            chunk = min(step, duration)
            await self.env.sleep(chunk)
            await asyncio.sleep(0.02)  # let activities started at this instant finish before time moves on
            duration -= chunk

    async def finish(self, cid: str, attempts: int = 400) -> CaseState:
        """Wait (real time) until the case is terminal and its workflow has completed."""
        state = await self.settle(cid, lambda st: st.stage.is_terminal, attempts)
        for _ in range(attempts):
            if (await self.handle(cid).describe()).status != WorkflowExecutionStatus.RUNNING:
                return state
            await asyncio.sleep(0.025)
        raise AssertionError(f"case {cid} is {state.stage} but its workflow never completed")

    async def cleanup(self) -> None:
        """Terminate the cases this driver filed that still run: the time-skipping clock is shared, and a case
        left running without its worker would stall it."""
        for cid in self.started:
            handle = self.handle(cid)
            if (await handle.describe()).status != WorkflowExecutionStatus.RUNNING:
                continue
            try:
                await handle.terminate("test finished")
            except RPCError as err:  # it completed between the two calls
                if err.status != RPCStatusCode.NOT_FOUND:
                    raise

    # ---- common stretches of a case ---------------------------------------------------------------

    async def to_negotiation(self, cid: str) -> None:
        await self.stage(cid, Stage.CLASSIFICATION)
        await self.update(cid, W.review_classification, ClassificationReview(actor=AGENT, confirm=True))
        await self.update(
            cid, W.set_liability, LiabilityDecision(actor=AGENT, party=Party.MERCHANT, reason="photo shows the defect")
        )

    async def offer(self, cid: str, who: Parties, *, accept: bool) -> None:
        state = await self.update(cid, W.make_offer, OfferProposal(actor=AGENT))
        offer = state.offers[-1]
        if offer.status.value == "awaiting_approval":
            await self.update(cid, W.approve_tier3, Tier3Approval(actor=SUPERVISOR, approve=True, reason="justified"))
        await self.respond(cid, who, offer.offer_id, accept=accept)

    async def respond(self, cid: str, who: Parties, offer_id: str, *, accept: bool) -> None:
        await self.update(
            cid,
            W.respond_to_offer,
            OfferResponse(
                actor=who.consumer, offer_id=offer_id, accept=accept, reason=None if accept else "not enough"
            ),
        )

    async def execute(self, cid: str, who: Parties) -> None:
        """Answer whatever the merchant is asked during execution until the case reaches review."""
        while True:
            state = await self.settle(cid, lambda s: s.stage != Stage.EXECUTION or bool(s.pending_actions))
            if state.stage != Stage.EXECUTION:
                return
            actions = {p.action for p in state.pending_actions}
            if update_name(W.confirm_merchant_refund) in actions:
                await self.update(
                    cid, W.confirm_merchant_refund, MerchantRefundConfirmation(actor=who.merchant, reference="RF-1")
                )
            elif update_name(W.confirm_shipment) in actions:
                await self.update(
                    cid,
                    W.confirm_shipment,
                    ShipmentConfirmation(actor=who.merchant, carrier="SF", tracking_number="SF-R1"),
                )
            await self.settle(
                cid,
                lambda s, before=actions: s.stage != Stage.EXECUTION or {p.action for p in s.pending_actions} != before,
            )

    async def survey(self, cid: str, who: Parties, score: int) -> None:
        await self.stage(cid, Stage.REVIEW)
        await self.skip(self.policy.review.survey_delay + timedelta(minutes=1))
        await self.pending(cid, update_name(W.answer_survey))
        await self.update(
            cid, W.answer_survey, SurveyAnswer(actor=who.consumer, resolved_score=score, communication_score=score)
        )
