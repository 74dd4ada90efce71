from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.enums import DisputeClass, Severity, Stage
from models.enums import Stage as _Stage
from models.policy import BusinessHours, Policy, SlaPolicy
from policy.sla import (
    Breach,
    add_business_time,
    business_time_between,
    case_clocks,
    deadline,
    escalation_keys,
    plan_escalation,
    resume,
    stage_clock,
)
from tests.policy.builders import classification

SHANGHAI = ZoneInfo("Asia/Shanghai")
OFFICE = BusinessHours(enabled=True, timezone="Asia/Shanghai", start=time(9), end=time(18))
ALWAYS = BusinessHours(enabled=False)
POLICY = Policy()
OFFICE_POLICY = Policy(sla=SlaPolicy(business_hours=OFFICE))


def sh(day: int, hour: int, minute: int = 0) -> datetime:
    """A Shanghai wall-clock instant in November 2026 (2 Nov is a Monday), converted to UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


H = timedelta(hours=1)
M = timedelta(minutes=1)


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        (sh(2, 10), 3 * H, sh(2, 13)),  # inside one working day
        (sh(2, 17), H, sh(2, 18)),  # ends exactly at closing, not the next morning
        (sh(3, 17, 30), H, sh(4, 9, 30)),  # overnight
        (sh(6, 17), 2 * H, sh(9, 10)),  # Friday evening across the weekend to Monday
        (sh(7, 12), 30 * M, sh(9, 9, 30)),  # filed on Saturday: the clock starts Monday morning
        (sh(2, 8), H, sh(2, 10)),  # filed before opening
        (sh(2, 20), H, sh(3, 10)),  # filed after closing
        (sh(2, 9), 9 * H, sh(2, 18)),  # one full working day
        (sh(2, 9), 9 * H + M, sh(3, 9, 1)),
        (sh(2, 9), 45 * H, sh(6, 18)),  # a working week
        (sh(2, 9), 46 * H, sh(9, 10)),
        (sh(2, 10), timedelta(0), sh(2, 10)),
        (sh(7, 12), timedelta(0), sh(7, 12)),  # nothing to add: stays put even outside hours
    ],
)
def test_add_business_time_in_shanghai_office_hours(start, duration, expected):
    assert add_business_time(start, duration, OFFICE) == expected


def test_add_business_time_returns_utc_instants_for_a_utc_start():
    assert add_business_time(sh(6, 17), 2 * H, OFFICE) == datetime(2026, 11, 9, 2, 0, tzinfo=UTC)


def test_disabled_business_hours_is_plain_arithmetic():
    start = sh(7, 12)  # a Saturday
    assert add_business_time(start, 30 * H, ALWAYS) == start + 30 * H
    assert business_time_between(start, start + 30 * H, ALWAYS) == 30 * H


def test_weekdays_come_from_the_policy():
    six_days = BusinessHours(enabled=True, timezone="Asia/Shanghai", weekdays=[0, 1, 2, 3, 4, 5])
    assert add_business_time(sh(6, 17), 2 * H, six_days) == sh(7, 10)


def test_working_day_shortened_by_a_daylight_saving_change_counts_real_time():
    berlin = ZoneInfo("Europe/Berlin")
    night = BusinessHours(enabled=True, timezone="Europe/Berlin", start=time(1), end=time(4), weekdays=list(range(7)))
    sunday = datetime(2026, 3, 29, 1, tzinfo=berlin)  # clocks jump from 02:00 to 03:00: a 2-hour window
    assert business_time_between(sunday, datetime(2026, 3, 29, 4, tzinfo=berlin), night) == 2 * H
    assert add_business_time(sunday, 3 * H, night) == datetime(2026, 3, 30, 2, tzinfo=berlin)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (sh(6, 17), sh(9, 10), 2 * H),  # across a weekend
        (sh(3, 17, 30), sh(4, 9, 30), H),  # overnight
        (sh(7, 0), sh(8, 23), timedelta(0)),  # a whole weekend
        (sh(2, 7), sh(2, 20), 9 * H),
        (sh(2, 9), sh(9, 9), 45 * H),
        (sh(2, 12), sh(2, 12), timedelta(0)),
        (sh(2, 12), sh(2, 11), timedelta(0)),  # end before start
    ],
)
def test_business_time_between(start, end, expected):
    assert business_time_between(start, end, OFFICE) == expected


def test_no_working_day_is_refused_instead_of_looping_forever():
    idle = BusinessHours(enabled=True, weekdays=[])
    with pytest.raises(ValueError, match="no working day"):
        add_business_time(sh(2, 10), H, idle)


@pytest.mark.parametrize(
    ("stage", "severity", "dispute_class", "expected"),
    [
        (Stage.INTAKE, None, None, ("intake_completion", timedelta(minutes=15))),
        (Stage.CLASSIFICATION, None, None, ("plan", timedelta(hours=24))),  # unknown severity counts as B
        (Stage.CLASSIFICATION, Severity.A, DisputeClass.QUALITY, ("plan", timedelta(minutes=30))),
        (Stage.CLASSIFICATION, Severity.B, DisputeClass.QUALITY, ("plan", timedelta(hours=24))),
        (Stage.CLASSIFICATION, Severity.C, DisputeClass.SERVICE, ("plan", timedelta(hours=48))),
        (Stage.CLASSIFICATION, Severity.B, DisputeClass.IMMEDIATE, ("plan", timedelta(hours=2))),
        (Stage.CLASSIFICATION, Severity.A, DisputeClass.IMMEDIATE, ("plan", timedelta(minutes=30))),  # the shorter
        (Stage.EVIDENCE, Severity.A, DisputeClass.QUALITY, ("evidence", timedelta(days=3))),
        (Stage.NEGOTIATION, None, None, ("negotiation", timedelta(days=3))),
        (Stage.EXECUTION, None, None, ("execution", timedelta(days=5))),
        (Stage.REOPENED, None, None, ("reopened", timedelta(days=2))),
        (Stage.REVIEW, None, None, None),
        (Stage.CLOSED, None, None, None),
        (Stage.WITHDRAWN, None, None, None),
        (Stage.REJECTED, None, None, None),
    ],
)
def test_stage_clock(stage, severity, dispute_class, expected):
    result = classification(severity=severity, dispute_class=dispute_class) if severity else None
    assert stage_clock(stage, result, POLICY) == expected


def test_stage_clock_reads_the_policy():
    custom = Policy(sla=SlaPolicy(stage={"evidence": H, "negotiation": H, "execution": H, "reopened": 7 * H}))
    assert stage_clock(Stage.REOPENED, None, custom) == ("reopened", 7 * H)


@pytest.mark.parametrize(
    ("severity", "dispute_class", "first_contact"),
    [
        (None, None, timedelta(hours=24)),
        (Severity.A, DisputeClass.QUALITY, timedelta(hours=1)),
        (Severity.B, DisputeClass.SERVICE, timedelta(hours=24)),
        (Severity.C, DisputeClass.SERVICE, timedelta(hours=48)),
        (Severity.C, DisputeClass.IMMEDIATE, timedelta(hours=2)),
    ],
)
def test_case_clocks(severity, dispute_class, first_contact):
    result = classification(severity=severity, dispute_class=dispute_class) if severity else None
    assert case_clocks(POLICY, result) == [
        ("first_contact", first_contact),
        ("solution", timedelta(days=7)),
        ("dispute_limit", timedelta(days=30)),
    ]


def test_deadline_warns_at_eighty_percent():
    start = datetime(2026, 11, 2, 10, tzinfo=UTC)
    assert deadline(start, 10 * H, POLICY) == (start + 10 * H, start + 8 * H)


def test_deadline_warning_ratio_comes_from_the_policy():
    start = datetime(2026, 11, 2, 10, tzinfo=UTC)
    half = Policy(sla=SlaPolicy(warning_ratio=0.5))
    assert deadline(start, 10 * H, half)[1] == start + 5 * H


def test_deadline_in_business_hours_warns_at_eighty_percent_of_working_time():
    due_at, warn_at = deadline(sh(2, 9), 10 * H, OFFICE_POLICY)
    assert (due_at, warn_at) == (sh(3, 10), sh(2, 17))


def test_resume_shifts_by_the_pause_and_keeps_the_remaining_time():
    start = datetime(2026, 11, 2, 10, tzinfo=UTC)
    due_at, warn_at = start + 10 * H, start + 8 * H
    paused_at, resumed_at = start + H, start + 5 * H
    new_due, new_warn = resume(due_at, warn_at, paused_at, resumed_at, POLICY)
    assert (new_due, new_warn) == (due_at + 4 * H, warn_at + 4 * H)
    assert new_due - resumed_at == due_at - paused_at


def test_resume_in_business_hours_counts_only_working_time():
    # Paused Friday 17:00 with 4 working hours left (1 on Friday, 3 on Monday); resumed Monday 11:00.
    new_due, new_warn = resume(sh(9, 12), sh(6, 16), sh(6, 17), sh(9, 11), OFFICE_POLICY)
    assert new_due == sh(9, 15)
    assert new_warn == sh(6, 16)  # already passed when paused: the warning stays where it was


def test_resume_leaves_an_already_breached_clock_alone():
    start = datetime(2026, 11, 2, 10, tzinfo=UTC)
    assert resume(start, start, start + H, start + 2 * H, POLICY) == (start, start)


def test_resume_without_elapsed_pause_changes_nothing():
    start = datetime(2026, 11, 2, 10, tzinfo=UTC)
    assert resume(start + 5 * H, start + 4 * H, start + H, start + H, POLICY) == (start + 5 * H, start + 4 * H)


ZONES = ["Asia/Shanghai", "Europe/Berlin", "America/New_York", "UTC"]


@st.composite
def business_hours(draw):
    opens = draw(st.integers(0, 22))
    closes = draw(st.integers(opens + 1, 23))
    days = draw(st.lists(st.integers(0, 6), min_size=1, max_size=7, unique=True))
    return BusinessHours(
        enabled=True,
        timezone=draw(st.sampled_from(ZONES)),
        start=time(opens),
        end=time(closes, draw(st.sampled_from([0, 30, 59]))),
        weekdays=days,
    )


instants = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC))
durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20))


@settings(max_examples=300, deadline=None)
@given(hours=business_hours(), start=instants, duration=durations)
def test_add_then_measure_round_trips(hours, start, duration):
    end = add_business_time(start, duration, hours)
    assert end >= start
    assert business_time_between(start, end, hours) == duration


@settings(max_examples=200, deadline=None)
@given(hours=business_hours(), start=instants, duration=durations, pause_after=durations, pause=durations)
def test_resume_preserves_the_remaining_working_time(hours, start, duration, pause_after, pause):
    policy = Policy(sla=SlaPolicy(business_hours=hours))
    due_at, warn_at = deadline(start, duration, policy)
    assert warn_at <= due_at
    paused_at = start + pause_after
    resumed_at = paused_at + pause
    new_due, _ = resume(due_at, warn_at, paused_at, resumed_at, policy)
    if due_at > paused_at:
        assert business_time_between(resumed_at, new_due, hours) == business_time_between(paused_at, due_at, hours)
    else:
        assert new_due == due_at


# ---- one missed deadline, one escalation -----------------------------------------------------------


_DUE = datetime(2026, 11, 2, 10, tzinfo=UTC)


def test_clocks_falling_due_together_make_one_escalation_listing_every_clock():
    plan = plan_escalation(
        breaches=[Breach("plan", _DUE), Breach("first_contact", _DUE)],
        stage=_Stage.CLASSIFICATION,
        level=0,
        max_level=3,
        escalated=frozenset(),
    )
    assert plan is not None
    assert plan.level == 1 and plan.clocks == ("first_contact", "plan")
    assert "2 clocks breached in classification" in plan.reason and "→ level 1" in plan.reason


def test_a_clock_escalates_at_most_once_per_level_and_stage():
    stage = _Stage.EVIDENCE
    first = plan_escalation(
        breaches=[Breach("evidence", _DUE)], stage=stage, level=0, max_level=3, escalated=frozenset()
    )
    assert first is not None
    done = escalation_keys(first, stage)
    # the same breach seen again (re-delivered timer, a second check at the same instant) owes nothing
    assert (
        plan_escalation(breaches=[Breach("evidence", _DUE)], stage=stage, level=0, max_level=3, escalated=done) is None
    )
    # at the top level a clock escalates once, then never again in that stage
    top = plan_escalation(breaches=[Breach("evidence", _DUE)], stage=stage, level=3, max_level=3, escalated=frozenset())
    assert top is not None and top.level == 3
    assert (
        plan_escalation(
            breaches=[Breach("evidence", _DUE)],
            stage=stage,
            level=3,
            max_level=3,
            escalated=escalation_keys(top, stage),
        )
        is None
    )
    # a new stage is a new deadline
    assert (
        plan_escalation(
            breaches=[Breach("evidence", _DUE)],
            stage=_Stage.NEGOTIATION,
            level=3,
            max_level=3,
            escalated=escalation_keys(top, stage),
        )
        is not None
    )


def test_only_the_clocks_not_yet_escalated_at_that_level_are_listed():
    stage = _Stage.CLASSIFICATION
    done = frozenset({("plan", 1, stage.value)})
    plan = plan_escalation(
        breaches=[Breach("plan", _DUE), Breach("first_contact", _DUE + timedelta(seconds=1))],
        stage=stage,
        level=0,
        max_level=3,
        escalated=done,
    )
    assert plan is not None and plan.clocks == ("first_contact",)
