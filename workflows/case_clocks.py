"""The stages of a case and their SLA clocks: transitions, closing, pauses, warnings and escalations."""

from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    import workflows.clocks as clocks
    from activities.records import RecordActivities
    from models.activity_io import BreachRecord
    from models.case import Actor
    from models.enums import ActorKind, ClockName, Outcome, Stage
    from policy import review as review_policy
    from policy import sla
    from workflows.case_core import SYSTEM
    from workflows.case_effects import CaseEffects
    from workflows.case_people import CasePeople

# Clocks that fall due together make one escalation; a clock escalates once per level and stage.
ONE_ESCALATION_PER_DEADLINE = "one-escalation-per-deadline"


class CaseClocks(CaseEffects, CasePeople):
    """Moving a case between stages, with the clocks each stage starts, stops, pauses and escalates on."""

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
            if self.patched(ONE_ESCALATION_PER_DEADLINE):
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
