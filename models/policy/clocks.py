"""Service-level clocks: working hours, the SLA of each severity and stage, and escalation of breaches."""

from datetime import time, timedelta

from pydantic import Field, PositiveInt, model_validator

from models.enums import Severity
from models.policy._base import _Strict


class BusinessHours(_Strict):
    """When enabled, SLA clocks only run inside these hours (policy timezone)."""

    enabled: bool = Field(False, description="when true, SLA clocks run only inside the working hours below")
    timezone: str = Field("Asia/Shanghai", description="IANA time zone of the working hours")
    start: time = Field(time(9, 0), description="opening time of a working day")
    end: time = Field(time(18, 0), description="closing time of a working day")
    weekdays: list[int] = Field(default=[0, 1, 2, 3, 4], description="working days, 0 = Monday … 6 = Sunday")

    @model_validator(mode="after")
    def _start_before_end(self) -> "BusinessHours":
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            # The zone is `timezone`; an aware time beside a naive one cannot even be compared.
            raise ValueError(
                "business_hours.start and end are local times without a zone offset "
                "(the zone is business_hours.timezone)"
            )
        if self.start >= self.end:
            raise ValueError("business_hours.start must be before business_hours.end")
        return self


class SeveritySla(_Strict):
    first_contact: timedelta = Field(description="from filing to the first staff action on the case")
    plan: timedelta = Field(description="time in classification: a plan (confirmed triage) is due")


class SlaPolicy(_Strict):
    by_severity: dict[Severity, SeveritySla] = Field(
        default={
            Severity.A: SeveritySla(plan=timedelta(minutes=30), first_contact=timedelta(hours=1)),
            Severity.B: SeveritySla(plan=timedelta(hours=24), first_contact=timedelta(hours=24)),
            Severity.C: SeveritySla(plan=timedelta(hours=48), first_contact=timedelta(hours=48)),
        },
        description="first-contact and plan clocks per severity (A urgent, B general, C suggestion)",
    )
    immediate_response: timedelta = Field(
        timedelta(hours=2),
        description="first contact and plan clock for the dispute class 'immediate' (lost parcel, wrong item)",
    )
    first_response: timedelta = Field(
        timedelta(hours=48),
        description="general first-response level; also the re-arm length of a clock with no other duration",
    )
    stage: dict[str, timedelta] = Field(
        default={
            "evidence": timedelta(days=3),
            "negotiation": timedelta(days=3),
            "execution": timedelta(days=5),
            "reopened": timedelta(days=2),
        },
        description="per-stage SLA for stages without a severity-based clock",
    )
    solution: timedelta = Field(timedelta(days=7), description="from filing to a solution (case clock)")
    dispute_limit: timedelta = Field(
        timedelta(days=30), description="from filing to the dispute being settled (case clock)"
    )
    warning_ratio: float = Field(
        0.8, gt=0, lt=1, description="share of a clock's time after which the assignee is warned"
    )
    business_hours: BusinessHours = Field(BusinessHours(), description="working hours the clocks count in")


class EscalationPolicy(_Strict):
    supervisor_queue: str = Field("supervisors", description="the queue escalated cases are assigned to")
    max_level: PositiveInt = Field(3, description="highest escalation level; a clock at this level stops re-arming")
    due_together_within: timedelta = Field(
        timedelta(minutes=5),
        description=(
            "clocks falling due within this span of the first breach make one escalation with it (clocks started "
            "moments apart, as first contact at filing and the plan at classification, share one deadline)"
        ),
    )
