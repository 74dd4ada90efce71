"""The runtime of one case inside the workflow: state, audit trail, notifications, clocks, waiting.

Workflow-safe: time comes from workflow.now(), ids from counters, effects only through activities.
"""

import asyncio
import functools
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey, SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.notifications import NotificationActivities
    from activities.records import RecordActivities
    from core import search_attributes as sa
    from models.activity_io import BreachRecord, NotificationRequest
    from models.case import (
        Actor,
        CaseInput,
        CaseState,
        ClassificationResult,
        OfferState,
        OrderFacts,
        SurveyState,
        TransitionRecord,
    )
    from models.enums import ActorKind, ClockName, Outcome, Role, Stage, Tier
    from policy import review as review_policy
    from policy import sla
    from policy.recipients import staff_recipient
    from workflows import clocks, pending
    from workflows.facts import CaseFacts
    from workflows.ids import workflow_id

# Clocks that fall due together make one escalation; a clock escalates once per level and stage.
ONE_ESCALATION_PER_DEADLINE = "one-escalation-per-deadline"
# The step's own writes (audit record, read model, evidence/offer/survey/breach rows, notifications) run as
# local activities in the step's workflow task; before it, each was a regular activity (a server round trip).
LOCAL_STEP_WRITES = "local-step-writes"
# One background task keeps the SLA clocks (Case.keep_clocks); before it, every stage's wait fired them.
CLOCK_KEEPER = "clock-keeper"

RECORD_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))
RECORD_TIMEOUT = timedelta(seconds=30)

SYSTEM = (ActorKind.SYSTEM, "system")
A = TypeVar("A")
R = TypeVar("R")
CONSUMER_MONEY_STEPS = ("merchant_refund", "platform_advance")


class Case:
    """One case inside its workflow: what it shows (`state`), what else it knows (`facts`), and its effects."""

    def __init__(self, inp: CaseInput) -> None:
        now = workflow.now()
        self.input = inp
        self.policy = inp.policy
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
        self.facts = CaseFacts.at_filing(inp.description, inp.contact, inp.channel, inp.evidence)
        self.lock = asyncio.Lock()
        self.version = 0  # bumped on every audited change: the waits of cases before CLOCK_KEEPER recompute
        self._pushed_attributes: dict[str, Any] = {}

    # ---- basics -------------------------------------------------------------------------------

    @staticmethod
    def now() -> datetime:
        return workflow.now()

    @property
    def stage(self) -> Stage:
        return self.state.stage

    # What a stage can count on: the accessors raise BrokenInvariant (a bug, never a user's mistake) when
    # the stage's precondition does not hold, instead of every caller checking for None.

    @property
    def order(self) -> OrderFacts:
        """The verified order: set by intake before the case leaves it."""
        return present(self.state.order, "the verified order", self.stage)

    @property
    def merchant_id(self) -> str:
        return present(self.state.merchant_id, "the order's merchant", self.stage)

    @property
    def classification(self) -> ClassificationResult:
        """Set when the case enters classification."""
        return present(self.state.classification, "a classification", self.stage)

    @property
    def tier(self) -> Tier:
        """Set when the case enters negotiation."""
        return present(self.state.tier, "a ladder tier", self.stage)

    @property
    def current_offer(self) -> OfferState:
        """The latest offer: there is one from the first offer made in negotiation onwards."""
        return present(self.state.offers[-1] if self.state.offers else None, "an offer", self.stage)

    @property
    def survey(self) -> SurveyState:
        """The survey of this review round: sent when the review's delay has passed."""
        return present(self.state.survey, "a survey", self.stage)

    def next_id(self, prefix: str) -> str:
        self.facts.counters[prefix] = self.facts.counters.get(prefix, 0) + 1
        return f"{prefix}{self.facts.counters[prefix]}"

    def changed(self) -> None:
        """Wakes the waits of cases started before CLOCK_KEEPER, which recompute their timers on every change:
        replaying their histories needs these bumps exactly where they always were. Newer cases wait on the
        deadlines themselves (keep_clocks, keep_deadline) and need no call."""
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

    async def write(self, method: Callable[[Any, A], R], arg: A) -> R:
        """A write of this step to the project's own database (idempotent by its key): a local activity,
        run inside the step's workflow task, on cases started with LOCAL_STEP_WRITES; a regular one before.

        Money, deposits and calls to other parties never come here: they stay regular activities.
        """
        if not self.facts.local_writes:
            return await self.activity(method, arg)
        try:
            result: R = await workflow.execute_local_activity_method(
                method, arg, retry_policy=RECORD_RETRY, start_to_close_timeout=RECORD_TIMEOUT
            )
        except ApplicationError as err:
            # A local activity's failure arrives bare; wrapped like a regular one's, one handler serves both.
            raise ActivityError(
                err.message,
                scheduled_event_id=0,
                started_event_id=0,
                identity="",
                activity_type=getattr(method, "__name__", "local activity"),
                activity_id="",
                retry_state=None,
            ) from err
        return result

    async def record(
        self,
        action: str,
        *,
        actor: Actor | None = None,
        by: tuple[ActorKind, str] = SYSTEM,
        reason: str = "",
        details: dict[str, Any] | None = None,
        stage_before: Stage | None = None,
    ) -> None:
        """Write one audit record and refresh the read model (idempotent on complaint id + seq)."""
        self.facts.seq += 1
        kind, actor_id = (actor.kind, actor.id) if actor else by
        self.push_search_attributes()
        await self.write(
            RecordActivities.record_transition,
            TransitionRecord(
                complaint_id=self.state.complaint_id,
                seq=self.facts.seq,
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
        await self.write(
            NotificationActivities.send_notification,
            NotificationRequest(
                key=key, recipient=recipient, template=template, complaint_id=self.state.complaint_id, body=body
            ),
        )

    def push_search_attributes(self) -> None:
        s = self.state
        wanted: dict[SearchAttributeKey[Any], Any] = {
            sa.STAGE: s.stage.value,
            sa.ESCALATION: s.escalation_level,
            sa.SEVERITY: s.classification.severity.value if s.classification else None,
            sa.TIER: s.tier.value if s.tier else None,
            sa.MERCHANT: s.merchant_id,
            sa.ASSIGNEE: s.assignee,
        }
        updates: list[SearchAttributeUpdate[Any]] = []
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
        if actor.role in (Role.AGENT, Role.SUPERVISOR) and not self.facts.first_contact_made:
            self.facts.first_contact_made = True
            clocks.stop(self.state, ClockName.FIRST_CONTACT)
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
        details: dict[str, Any] | None = None,
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
            if self.facts.manual_pause or self.facts.consumer_wait:
                clocks.pause(self.state, now)
        await self.record(action, actor=actor, by=by, reason=reason, details=details, stage_before=before)

    async def finish(
        self,
        stage: Stage,
        outcome: Outcome,
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
        self.facts.consumer_wait = self.facts.manual_pause = False
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
        if waiting == self.facts.consumer_wait:
            return
        self.facts.consumer_wait = waiting
        await self._apply_pause(reason, None, SYSTEM)

    async def set_manual_pause(self, paused: bool, reason: str, actor: Actor) -> None:
        self.facts.manual_pause = paused
        await self._apply_pause(reason, actor, SYSTEM)

    async def _apply_pause(self, reason: str, actor: Actor | None, by: tuple[ActorKind, str]) -> None:
        now = self.now()
        if self.facts.consumer_wait or self.facts.manual_pause:
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
            await self.write(
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
        missed: dict[str, datetime] = {c.name: c.due_at for c in due}  # before re-arming moves them
        plan = sla.plan_escalation(
            breaches=[sla.Breach(c.name, c.due_at) for c in due],
            stage=s.stage,
            level=s.escalation_level,
            max_level=self.policy.escalation.max_level,
            escalated=frozenset(self.facts.escalated),
        )
        for c in due:
            if plan is None or plan.level >= self.policy.escalation.max_level:
                clocks.exhaust(c)  # nothing left to escalate this deadline to
            else:
                clocks.rearm(c, now, self._duration_of(c.name), self.policy)
        if plan is None:
            self.changed()
            return
        self.facts.escalated |= sla.escalation_keys(plan, s.stage)
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
        extra: dict[str, timedelta] = {ClockName.TIER3_APPROVAL: self.policy.negotiation.supervisor_approval}
        return extra.get(name, self.policy.sla.first_response)

    async def keep_clocks(self) -> None:
        """The case's one clock keeper (CLOCK_KEEPER): sleeps until the next warning or breach, or until the
        deadlines change, and then fires every clock due, under the lock, in one workflow task.

        It watches the schedule itself (which clock fires next, when, and how), so any step that starts,
        stops, pauses, resumes or re-times a clock wakes it with no call to make.
        """
        await workflow.wait_condition(lambda: self.facts.filed_recorded)  # "filed" is always audit record 1
        while not self.stage.is_terminal:
            event = clocks.next_event(self.state)
            now = self.now()
            if event is None or event.at > now:
                planned = clocks.schedule_key(event)
                try:
                    await workflow.wait_condition(
                        functools.partial(_schedule_moved, self, planned),
                        timeout=(event.at - now) if event else None,
                    )
                    continue
                except TimeoutError:
                    pass
            async with self.lock:
                if not self.stage.is_terminal:
                    await self.fire_due_clocks()

    async def keep_deadline(
        self, stage: Stage, due_of: Callable[[], datetime | None], meet: Callable[[], Awaitable[None]]
    ) -> None:
        """Run `stage` until it ends: wait for the stage's own deadline (it may move), meet it under the lock."""
        while self.stage == stage:
            due = due_of()
            if self.facts.clock_keeper:
                moved = functools.partial(_moved, due_of, due)
            else:
                moved = functools.partial(_bumped, self, self.version)
            if await self.wait_for(moved, due):
                continue
            async with self.lock:
                if self.stage == stage:
                    await meet()

    async def until_stage_changes(self) -> None:
        """Nothing to do in this stage but keep its clocks: a handler or a timer moves the case on."""
        await self.wait_for(lambda: False)

    async def wait_for(self, pred: Callable[[], bool], until: datetime | None = None) -> bool:
        """Wait until `pred` holds or the stage changes (True), or `until` passes (False)."""
        stage = self.state.stage

        def done() -> bool:
            return pred() or self.state.stage != stage

        if not self.facts.clock_keeper:
            return await self._wait_firing_clocks(done, until)
        if done():
            return True
        if until is None:
            await workflow.wait_condition(done)
            return True
        remaining = until - self.now()
        if remaining <= timedelta(0):
            return False
        try:
            await workflow.wait_condition(done, timeout=remaining)
        except TimeoutError:
            return done()
        return True

    async def _wait_firing_clocks(self, done: Callable[[], bool], until: datetime | None) -> bool:
        """The wait of cases started before CLOCK_KEEPER: it also fires the SLA clocks exactly when due."""
        while True:
            if done():
                return True
            now = self.now()
            if until is not None and now >= until:
                return False
            event = clocks.next_event(self.state)
            targets = [t for t in (until, event.at if event else None) if t is not None]
            if not targets or min(targets) > now:
                timeout = (min(targets) - now) if targets else None
                try:
                    await workflow.wait_condition(
                        functools.partial(_done_or_bumped, done, self, self.version), timeout=timeout
                    )
                    continue
                except TimeoutError:
                    pass
            async with self.lock:
                if not done():
                    await self.fire_due_clocks()


class BrokenInvariant(RuntimeError):
    """A stage found the case without what the stage guarantees: a bug in the workflow. It fails the workflow
    task (retried, visible in the worker's log) rather than the case."""


T = TypeVar("T")


def present(value: T | None, what: str, stage: Stage) -> T:
    """`value`, which the stage guarantees; BrokenInvariant if it is missing."""
    if value is None:
        raise BrokenInvariant(f"stage {stage.value} expects {what}, and the case has none")
    return value


def _schedule_moved(case: Case, planned: tuple[datetime, str, str] | None) -> bool:
    return case.stage.is_terminal or clocks.schedule_key(clocks.next_event(case.state)) != planned


def _moved(due_of: Callable[[], datetime | None], due: datetime | None) -> bool:
    return due_of() != due


def _bumped(case: Case, version: int) -> bool:
    return case.version != version


def _done_or_bumped(done: Callable[[], bool], case: Case, version: int) -> bool:
    return done() or case.version != version
