"""The runtime of one case inside the workflow: state, audit trail, notifications, clocks, waiting.

Workflow-safe: time comes from workflow.now(), ids from counters, effects only through activities.
"""

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.notifications import NotificationActivities
    from activities.records import RecordActivities
    from core import search_attributes as sa
    from models.activity_io import BreachRecord, NotificationRequest
    from models.case import Actor, CaseInput, CaseState, EvidenceRef, TransitionRecord
    from models.enums import ActorKind, Role, Stage
    from policy import review as review_policy
    from policy import sla
    from policy.recipients import staff_recipient
    from workflows import clocks, pending
    from workflows.ids import workflow_id

# Clocks that fall due together make one escalation; a clock escalates once per level and stage.
ONE_ESCALATION_PER_DEADLINE = "one-escalation-per-deadline"

RECORD_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))
RECORD_TIMEOUT = timedelta(seconds=30)

SYSTEM = (ActorKind.SYSTEM, "system")
A = TypeVar("A")
R = TypeVar("R")
CONSUMER_MONEY_STEPS = ("merchant_refund", "platform_advance")


class Case:
    def __init__(self, inp: CaseInput) -> None:
        now = workflow.now()
        self.input = inp
        self.policy = inp.policy
        self.description = inp.description
        self.contact = inp.contact
        self.evidence_refs: list[EvidenceRef] = list(inp.evidence)
        self.order_record = None
        self.state = CaseState(
            complaint_id=inp.complaint_id,
            workflow_id=workflow_id(inp.complaint_id),
            policy_version=inp.policy.version,
            stage=Stage.INTAKE,
            stage_entered_at=now,
            created_at=now,
            consumer_id=inp.consumer_id,
            order_id=inp.order_id,
            order_line_id=inp.order_line_id,
        )
        self.lock = asyncio.Lock()
        self.seq = 0
        self.counters: dict[str, int] = {}
        self.version = 0  # bumped on every change that can move a deadline: waits recompute
        self.filed_recorded = False
        self.initial_filing_acknowledged = False
        self.fast_path: list[str] = []
        self.manual_pause = False
        self.manual_pauses = 0  # counted against policy.limits.clock_pauses
        self.assignments = 0  # counted against policy.limits.assignments
        self.consumer_wait = False
        self.first_contact_made = False
        self.execution_decision: str | None = None
        self.merchant_refund_ref: str | None = None
        self.merchant_refund_refs: list[str] = []  # every confirmed reference: one per execution round
        self.shipment: tuple[str, str] | None = None
        self.execution_round = 0
        self.arbitrated_offer_id: str | None = None
        self.supplement_due: datetime | None = None
        self.awaiting_merchant_refund_until: datetime | None = None
        self.awaiting_shipment_until: datetime | None = None
        self.rectification_interview_due: datetime | None = None  # a repeat offender's interview
        self._pushed_attributes: dict[str, Any] = {}
        # (clock, level, stage) escalations done: one missed deadline never escalates twice (patch below)
        self.escalated: set[tuple[str, int, str]] = set()

    # ---- basics -------------------------------------------------------------------------------

    @staticmethod
    def now() -> datetime:
        return workflow.now()

    @property
    def stage(self) -> Stage:
        return self.state.stage

    def next_id(self, prefix: str) -> str:
        self.counters[prefix] = self.counters.get(prefix, 0) + 1
        return f"{prefix}{self.counters[prefix]}"

    def changed(self) -> None:
        self.version += 1

    def consumer_refunded_minor(self) -> int:
        """Refunds and platform advances paid to the consumer in every round so far (compensated ones undone)."""
        return sum(
            step.amount_minor
            for step in self.state.execution
            if step.name in CONSUMER_MONEY_STEPS and step.status == "done"
        )

    def snapshot(self) -> CaseState:
        """The full state, for queries (which never enter the history)."""
        snap = self.state.model_copy(deep=True)
        snap.pending_actions = pending.actions(self)
        return snap

    def compact(self) -> CaseState:
        """The state as it travels through history (audit records, update results): evidence by reference.

        Evidence descriptions are free text of unbounded number; the evidence table keeps them, the
        `state` query returns them. What is left is bounded by policy.limits and the payload bounds.
        """
        snap = self.snapshot()
        for item in snap.evidence:
            item.item.description = ""
        return snap

    # ---- effects ------------------------------------------------------------------------------

    async def activity(
        self,
        method: Callable[[Any, A], R],
        arg: A,
        *,
        retry: RetryPolicy = RECORD_RETRY,
        timeout: timedelta = RECORD_TIMEOUT,
    ) -> R:
        """Run an activity named by its method (the activity name and result type come from it)."""
        result: R = await workflow.execute_activity_method(
            method, arg, retry_policy=retry, start_to_close_timeout=timeout
        )
        return result

    async def record(
        self,
        action: str,
        *,
        actor: Actor | None = None,
        by: tuple[ActorKind, str] = SYSTEM,
        reason: str = "",
        details: dict | None = None,
        stage_before: Stage | None = None,
    ) -> None:
        """Write one audit record and refresh the read model (idempotent on complaint id + seq)."""
        self.seq += 1
        kind, actor_id = (actor.kind, actor.id) if actor else by
        self.push_search_attributes()
        await self.activity(
            RecordActivities.record_transition,
            TransitionRecord(
                complaint_id=self.state.complaint_id,
                seq=self.seq,
                at=self.now(),
                actor_kind=kind,
                actor_id=actor_id,
                action=action,
                reason=reason,
                stage_before=stage_before or self.state.stage,
                stage_after=self.state.stage,
                details=details or {},
                snapshot=self.compact(),
            ),
        )
        self.changed()

    async def notify(self, recipient: str, template: str, **body: Any) -> None:
        key = f"{self.state.complaint_id}:{self.next_id('N')}"
        await self.activity(
            NotificationActivities.send_notification,
            NotificationRequest(
                key=key, recipient=recipient, template=template, complaint_id=self.state.complaint_id, body=body
            ),
        )

    def push_search_attributes(self) -> None:
        s = self.state
        wanted = {
            sa.STAGE: s.stage.value,
            sa.ESCALATION: s.escalation_level,
            sa.SEVERITY: s.classification.severity.value if s.classification else None,
            sa.TIER: s.tier.value if s.tier else None,
            sa.MERCHANT: s.merchant_id,
            sa.ASSIGNEE: s.assignee,
        }
        updates = []
        for key, value in wanted.items():
            if self._pushed_attributes.get(key.name) != value:
                self._pushed_attributes[key.name] = value
                updates.append(key.value_set(value) if value is not None else key.value_unset())
        if updates:
            workflow.upsert_search_attributes(updates)

    # ---- people ---------------------------------------------------------------------------------

    def consumer(self) -> str:
        return f"consumer:{self.state.consumer_id}"

    def merchant(self) -> str:
        return f"merchant:{self.state.merchant_id}"

    def staff(self) -> str:
        """The assignee as a recipient: the supervisors' queue, a person, or the agents' queue."""
        return staff_recipient(self.state.assignee, self.policy.escalation.supervisor_queue)

    def touch(self, actor: Actor) -> None:
        """The first staff action meets the first-contact clock."""
        if actor.role in (Role.AGENT, Role.SUPERVISOR) and not self.first_contact_made:
            self.first_contact_made = True
            clocks.stop(self.state, "first_contact")
            self.changed()

    # ---- stages and clocks ----------------------------------------------------------------------

    async def set_stage(
        self,
        stage: Stage,
        action: str,
        *,
        actor: Actor | None = None,
        by: tuple[ActorKind, str] = SYSTEM,
        reason: str = "",
        details: dict | None = None,
    ) -> None:
        before = self.state.stage
        now = self.now()
        stage_clock = sla.stage_clock(before, self.state.classification, self.policy)
        if stage_clock:
            clocks.stop(self.state, stage_clock[0])
        self.state.stage, self.state.stage_entered_at = stage, now
        new_clock = sla.stage_clock(stage, self.state.classification, self.policy)
        if new_clock and not stage.is_terminal:
            clocks.start(self.state, new_clock[0], now, new_clock[1], self.policy)
            if self.manual_pause or self.consumer_wait:
                clocks.pause(self.state, now)
        await self.record(action, actor=actor, by=by, reason=reason, details=details, stage_before=before)

    async def finish(
        self,
        stage: Stage,
        outcome: str,
        *,
        actor: Actor | None = None,
        by: tuple[ActorKind, str] = SYSTEM,
        reason: str = "",
    ) -> None:
        s = self.state
        s.outcome = outcome
        s.closed_at = self.now()
        s.root_cause = review_policy.root_cause(
            outcome=outcome, classification=s.classification, liability=s.liability.party if s.liability else None
        ).value
        s.clocks = []
        self.consumer_wait = self.manual_pause = False
        await self.set_stage(
            stage,
            stage.value,
            actor=actor,
            by=by,
            reason=reason,
            details={"outcome": outcome, "root_cause": s.root_cause},
        )
        await self.notify(self.consumer(), f"case_{stage.value}", outcome=outcome)

    async def set_consumer_wait(self, waiting: bool, reason: str) -> None:
        """The SLA clock pauses while the case waits on the consumer, and resumes on their answer."""
        if waiting == self.consumer_wait:
            return
        self.consumer_wait = waiting
        await self._apply_pause(reason, None, SYSTEM)

    async def set_manual_pause(self, paused: bool, reason: str, actor: Actor) -> None:
        self.manual_pause = paused
        await self._apply_pause(reason, actor, SYSTEM)

    async def _apply_pause(self, reason: str, actor: Actor | None, by: tuple[ActorKind, str]) -> None:
        now = self.now()
        if self.consumer_wait or self.manual_pause:
            names = clocks.pause(self.state, now)
            if names:
                await self.record("clock_paused", actor=actor, by=by, reason=reason, details={"clocks": names})
        else:
            names = clocks.resume(self.state, now, self.policy)
            if names:
                await self.record(
                    "clock_resumed",
                    actor=actor,
                    by=by,
                    reason=reason,
                    details={"clocks": names, "due": {c.name: c.due_at.isoformat() for c in self.state.clocks}},
                )
        self.changed()

    async def escalate(
        self,
        reason: str,
        *,
        clock: str,
        due_at: datetime,
        by: tuple[ActorKind, str],
        also: tuple[tuple[str, datetime], ...] = (),
    ) -> None:
        """Raise the case one level for `clock` and every clock in `also` that fell due with it."""
        s = self.state
        s.escalation_level = min(s.escalation_level + 1, self.policy.escalation.max_level)
        s.priority = s.escalation_level
        s.assignee = self.policy.escalation.supervisor_queue
        now = self.now()
        breached = ((clock, due_at), *also)
        for name, due in breached:
            await self.activity(
                RecordActivities.record_breach,
                BreachRecord(
                    complaint_id=s.complaint_id,
                    clock=f"{name}#{self.next_id('B')}",
                    level=s.escalation_level,
                    due_at=due,
                    breached_at=now,
                ),
            )
        details: dict[str, Any] = {
            "clock": clock,
            "due_at": due_at.isoformat(),
            "level": s.escalation_level,
            "assignee": s.assignee,
        }
        if also:
            details["clocks"] = [{"clock": name, "due_at": due.isoformat()} for name, due in breached]
        await self.record("escalated", by=by, reason=reason, details=details)
        await self.notify(
            self.staff(),
            "case_escalated",
            level=s.escalation_level,
            clock=clock,
            **({"clocks": [name for name, _ in breached]} if also else {}),
        )

    async def fire_due_clocks(self) -> None:
        now = self.now()
        while (event := clocks.next_event(self.state)) is not None and event.at <= now:
            clock = event.clock
            by = (ActorKind.DEADLINE, f"deadline:{clock.name}")
            if event.kind == "warning":
                clock.warned = True
                await self.record(
                    "sla_warning",
                    by=by,
                    reason=f"{clock.name} due at {clock.due_at.isoformat()}",
                    details={"clock": clock.name, "due_at": clock.due_at.isoformat()},
                )
                await self.notify(self.staff(), "sla_warning", clock=clock.name)
                continue
            if workflow.patched(ONE_ESCALATION_PER_DEADLINE):
                await self._escalate_due_together(now)
                continue
            due = clock.due_at
            if self.state.escalation_level + 1 >= self.policy.escalation.max_level:
                clocks.exhaust(clock)
            else:
                clocks.rearm(clock, now, self._duration_of(clock.name), self.policy)
            await self.escalate(f"{clock.name} breached", clock=clock.name, due_at=due, by=by)

    async def _escalate_due_together(self, now: datetime) -> None:
        """Every clock due by now (or within policy.escalation.due_together_within of now) makes ONE
        escalation; policy.sla.plan_escalation decides its level and which clocks it lists."""
        s = self.state
        horizon = now + self.policy.escalation.due_together_within
        due = [c for c in s.clocks if not c.paused and not c.exhausted and c.due_at <= horizon]
        missed = {c.name: c.due_at for c in due}  # before re-arming moves them
        plan = sla.plan_escalation(
            breaches=[sla.Breach(c.name, c.due_at) for c in due],
            stage=s.stage,
            level=s.escalation_level,
            max_level=self.policy.escalation.max_level,
            escalated=frozenset(self.escalated),
        )
        for c in due:
            if plan is None or plan.level >= self.policy.escalation.max_level:
                clocks.exhaust(c)  # nothing left to escalate this deadline to
            else:
                clocks.rearm(c, now, self._duration_of(c.name), self.policy)
        if plan is None:
            self.changed()
            return
        self.escalated |= sla.escalation_keys(plan, s.stage)
        first, *rest = plan.clocks
        by = (ActorKind.DEADLINE, f"deadline:{first}")
        await self.escalate(
            plan.reason, clock=first, due_at=plan.due_at, by=by, also=tuple((name, missed[name]) for name in rest)
        )

    def _duration_of(self, name: str) -> timedelta:
        stage_clock = sla.stage_clock(self.state.stage, self.state.classification, self.policy)
        if stage_clock and stage_clock[0] == name:
            return stage_clock[1]
        for clock_name, duration in sla.case_clocks(self.policy, self.state.classification):
            if clock_name == name:
                return duration
        extra = {"tier3_approval": self.policy.negotiation.supervisor_approval}
        return extra.get(name, self.policy.sla.first_response)

    async def until_stage_changes(self) -> None:
        """Nothing to do in this stage but keep its clocks: a handler or a timer moves the case on."""
        await self.wait_for(lambda: False)

    async def wait_for(self, pred: Callable[[], bool], until: datetime | None = None) -> bool:
        """Wait until `pred` holds or the stage changes (True), or `until` passes (False).

        Meanwhile SLA clocks fire exactly when due: warnings, breaches and escalations.
        """
        stage = self.state.stage
        done = lambda: pred() or self.state.stage != stage  # noqa: E731
        while True:
            if done():
                return True
            now = self.now()
            if until is not None and now >= until:
                return False
            event = clocks.next_event(self.state)
            targets = [t for t in (until, event.at if event else None) if t is not None]
            version = self.version
            if not targets or min(targets) > now:
                timeout = (min(targets) - now) if targets else None
                try:
                    await workflow.wait_condition(lambda: done() or self.version != version, timeout=timeout)
                    continue
                except asyncio.TimeoutError:
                    pass
            async with self.lock:
                if not done():
                    await self.fire_due_clocks()
