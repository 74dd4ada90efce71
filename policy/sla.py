"""SLA clocks: which clock a stage runs, when it falls due and warns, and how a pause moves it.

With business hours enabled, clocks run only inside the working hours of the policy's time zone;
all arithmetic is done on absolute (UTC) instants so a daylight-saving change never stretches or
shrinks a working day. Every datetime in and out is timezone-aware.

Workflows import this package passed through the sandbox: it is pure and deterministic, and
the sandbox's proxied ZoneInfo cannot serve as a datetime's tzinfo.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from models.case import ClassificationResult
from models.enums import DisputeClass, Severity, Stage
from models.policy import BusinessHours, Policy

_STAGE_TABLE_STAGES = frozenset({Stage.EVIDENCE, Stage.NEGOTIATION, Stage.EXECUTION, Stage.REOPENED})
_ZERO = timedelta(0)


def add_business_time(start: datetime, duration: timedelta, hours: BusinessHours) -> datetime:
    """The instant at which `duration` of working time has elapsed after `start`."""
    if not hours.enabled or duration <= _ZERO:
        return start + max(duration, _ZERO)
    zone = _zone_of(hours)
    remaining = duration
    cursor = start.astimezone(UTC)
    day = start.astimezone(zone).date()
    while True:
        opens, closes = _working_window(day, hours, zone)
        if opens is not None and cursor < closes:
            cursor = max(cursor, opens)
            available = max(closes - cursor, _ZERO)
            if remaining <= available:
                return cursor + remaining
            remaining -= available
        day += timedelta(days=1)


def business_time_between(start: datetime, end: datetime, hours: BusinessHours) -> timedelta:
    """Working time elapsed from `start` to `end` (zero when end is not after start)."""
    if end <= start:
        return _ZERO
    if not hours.enabled:
        return end - start
    zone = _zone_of(hours)
    total = _ZERO
    day, last_day = start.astimezone(zone).date(), end.astimezone(zone).date()
    while day <= last_day:
        opens, closes = _working_window(day, hours, zone)
        if opens is not None:
            overlap = min(closes, end) - max(opens, start)
            total += max(overlap, _ZERO)
        day += timedelta(days=1)
    return total


def _zone_of(hours: BusinessHours) -> ZoneInfo:
    if not any(day in range(7) for day in hours.weekdays):
        # Refused by the policy loader too; without a working day no clock could ever finish.
        raise ValueError("sla.business_hours.weekdays has no working day (0 = Monday … 6 = Sunday)")
    zone = ZoneInfo(hours.timezone)
    if not issubclass(type(zone), tzinfo):
        # Imported inside the Temporal sandbox, ZoneInfo hands out restricted proxies that datetime
        # rejects; the module is deterministic, so workflows import it passed through instead.
        raise RuntimeError(
            "policy.sla must be imported with workflow.unsafe.imports_passed_through() "
            "(or listed as a sandbox passthrough module) for business hours to work"
        )
    return zone


def _working_window(day: date, hours: BusinessHours, zone: ZoneInfo) -> tuple[datetime | None, datetime]:
    """The day's opening and closing instants in UTC; opening None on a non-working day."""
    closes = _instant(day, hours.end, zone)
    if day.weekday() not in hours.weekdays:
        return None, closes
    return _instant(day, hours.start, zone), closes


def _instant(day: date, wall_time: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, wall_time, tzinfo=zone).astimezone(UTC)


def _severity(classification: ClassificationResult | None) -> Severity:
    # Before classification the case is treated as general (B): neither rushed nor neglected.
    return classification.severity if classification is not None else Severity.B


def _immediate(classification: ClassificationResult | None) -> bool:
    return classification is not None and classification.dispute_class == DisputeClass.IMMEDIATE


def stage_clock(
    stage: Stage, classification: ClassificationResult | None, policy: Policy
) -> tuple[str, timedelta] | None:
    """The (name, duration) of the clock that runs while the case sits in `stage`, if any."""
    if stage == Stage.INTAKE:
        return "intake_completion", policy.intake.completion
    if stage == Stage.CLASSIFICATION:
        plan = policy.sla.by_severity[_severity(classification)].plan
        if _immediate(classification):
            plan = min(plan, policy.sla.immediate_response)
        return "plan", plan
    if stage in _STAGE_TABLE_STAGES:
        return stage.value, policy.sla.stage[stage.value]
    return None


def case_clocks(policy: Policy, classification: ClassificationResult | None) -> list[tuple[str, timedelta]]:
    """Clocks that run for the whole case from filing."""
    if _immediate(classification):
        first_contact = policy.sla.immediate_response
    else:
        first_contact = policy.sla.by_severity[_severity(classification)].first_contact
    return [
        ("first_contact", first_contact),
        ("solution", policy.sla.solution),
        ("dispute_limit", policy.sla.dispute_limit),
    ]


def deadline(start: datetime, duration: timedelta, policy: Policy) -> tuple[datetime, datetime]:
    """(due_at, warn_at): warn_at lies warning_ratio of the working time towards due_at."""
    hours = policy.sla.business_hours
    due_at = add_business_time(start, duration, hours)
    warn_at = add_business_time(start, duration * policy.sla.warning_ratio, hours)
    return due_at, warn_at


def resume(
    due_at: datetime, warn_at: datetime, paused_at: datetime, resumed_at: datetime, policy: Policy
) -> tuple[datetime, datetime]:
    """Move a paused clock's instants so the working time left at the pause is left again at resume.

    An instant already passed when the clock was paused (a warning given, a breach) stays where it is.
    """
    hours = policy.sla.business_hours

    def shifted(instant: datetime) -> datetime:
        if instant <= paused_at or resumed_at <= paused_at:
            return instant
        return add_business_time(resumed_at, business_time_between(paused_at, instant, hours), hours)

    return shifted(due_at), shifted(warn_at)


# ---- escalation: one missed deadline, one escalation ----------------------------------------------


@dataclass(frozen=True)
class Breach:
    clock: str
    due_at: datetime


@dataclass(frozen=True)
class EscalationPlan:
    """One escalation for every clock that fell due together: the level it raises the case to, and why."""

    level: int
    clocks: tuple[str, ...]
    due_at: datetime  # the earliest of the breached deadlines
    reason: str


def plan_escalation(
    *, breaches: list[Breach], stage: Stage, level: int, max_level: int, escalated: frozenset[tuple[str, int, str]]
) -> EscalationPlan | None:
    """The single escalation owed for `breaches` (every clock due at this instant), or None.

    Clocks that fall due together raise the case one level, not one level each. A clock escalates
    at most once per level and stage: `escalated` holds the (clock, level, stage) already done,
    so re-arming a clock never turns one missed deadline into two levels.
    """
    target = min(level + 1, max_level)
    fresh = sorted(
        {b.clock: b for b in breaches if (b.clock, target, stage.value) not in escalated}.values(),
        key=lambda b: (b.due_at, b.clock),
    )
    if not fresh:
        return None
    names = tuple(b.clock for b in fresh)
    listed = ", ".join(f"{b.clock} (due {b.due_at.isoformat()})" for b in fresh)
    return EscalationPlan(
        level=target,
        clocks=names,
        due_at=fresh[0].due_at,
        reason=f"{len(names)} clock{'s' if len(names) > 1 else ''} breached in {stage.value}: "
        f"{listed} → level {target}",
    )


def escalation_keys(plan: EscalationPlan, stage: Stage) -> frozenset[tuple[str, int, str]]:
    """What to add to `escalated` once the plan has been carried out."""
    return frozenset((clock, plan.level, stage.value) for clock in plan.clocks)
