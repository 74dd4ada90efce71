"""SLA clocks inside a case: start, stop, pause, resume, and which one fires next.

Pure functions over CaseState.clocks; the arithmetic (business hours, warning point) is policy code.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from models.case import CaseState, ClockState
from models.enums import ClockName
from models.policy import Policy
from policy import sla

# The dispute hard limit keeps running whoever the case is waiting on.
UNPAUSABLE = frozenset({ClockName.DISPUTE_LIMIT})


@dataclass(frozen=True)
class ClockEvent:
    at: datetime
    clock: ClockState
    kind: str  # "warning" or "breach"


def find(state: CaseState, name: str) -> ClockState | None:
    return next((c for c in state.clocks if c.name == name), None)


def start(
    state: CaseState,
    name: str,
    now: datetime,
    duration: timedelta,
    policy: Policy,
    *,
    started_at: datetime | None = None,
) -> ClockState:
    """(Re)start a clock; `started_at` lets a clock be re-timed from its original start."""
    stop(state, name)
    begin = started_at or now
    due, warn = sla.deadline(begin, duration, policy)
    clock = ClockState(
        name=ClockName(name), started_at=begin, due_at=due, warn_at=warn, warned=warn <= now and due > now
    )
    state.clocks.append(clock)
    return clock


def stop(state: CaseState, name: str) -> None:
    state.clocks = [c for c in state.clocks if c.name != name]


def pause(state: CaseState, now: datetime) -> list[ClockName]:
    paused = []
    for c in state.clocks:
        if not c.paused and c.name not in UNPAUSABLE:
            c.paused, c.paused_at = True, now
            paused.append(c.name)
    return paused


def resume(state: CaseState, now: datetime, policy: Policy) -> list[ClockName]:
    resumed = []
    for c in state.clocks:
        if c.paused and c.paused_at is not None:
            c.due_at, c.warn_at = sla.resume(c.due_at, c.warn_at, c.paused_at, now, policy)
            c.paused, c.paused_at = False, None
            resumed.append(c.name)
    return resumed


def next_event(state: CaseState) -> ClockEvent | None:
    events = []
    for c in state.clocks:
        if c.paused or c.exhausted:
            continue
        events.append(ClockEvent(c.due_at, c, "breach") if c.warned else ClockEvent(c.warn_at, c, "warning"))
    return min(events, key=lambda e: (e.at, e.kind != "breach", e.clock.name), default=None)


def schedule_key(event: ClockEvent | None) -> tuple[datetime, str, str] | None:
    """What the clock keeper sleeps towards: when, which clock, warning or breach."""
    return (event.at, event.clock.name, event.kind) if event else None


def rearm(clock: ClockState, now: datetime, duration: timedelta, policy: Policy) -> None:
    """After a breach the clock runs again, so a case left stalled breaches (and escalates) again."""
    clock.started_at = now
    clock.due_at, clock.warn_at = sla.deadline(now, duration, policy)
    clock.warned, clock.breached = False, True


def exhaust(clock: ClockState) -> None:
    clock.warned, clock.breached, clock.exhausted = True, True, True


def earliest_due(state: CaseState) -> ClockState | None:
    running = [c for c in state.clocks if not c.paused and not c.exhausted]
    return min(running, key=lambda c: c.due_at, default=None)
