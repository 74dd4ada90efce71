"""The operator-editable policy: every deadline, amount and threshold of the business.

Loaded from a YAML file (see policy/default.yaml), validated here, and handed to each case
workflow as a snapshot when the case starts, so a case finishes under the rules it started with.
Durations accept ISO 8601 ("PT15M", "P7D") or seconds.
"""

from datetime import time, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, PositiveInt, model_validator

from models.enums import Category, ComplaintType, Severity


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BusinessHours(_Strict):
    """When enabled, SLA clocks only run inside these hours (policy timezone)."""

    enabled: bool = False
    timezone: str = "Asia/Shanghai"
    start: time = time(9, 0)
    end: time = time(18, 0)
    weekdays: list[int] = Field(default=[0, 1, 2, 3, 4], description="0 = Monday")

    @model_validator(mode="after")
    def _start_before_end(self) -> "BusinessHours":
        if self.start >= self.end:
            raise ValueError("business_hours.start must be before business_hours.end")
        return self


class IntakePolicy(_Strict):
    completion: timedelta = Field(timedelta(minutes=15), description="agent completes basic information")
    supplement: timedelta = Field(timedelta(hours=24), description="consumer supplements missing information")
    supplement_reminder: timedelta = Field(timedelta(hours=12), description="grace after the one reminder")
    after_sales_window_days: dict[Category, PositiveInt] = Field(
        default={Category.FRESH: 7, Category.FOOD: 7, Category.CLOTHING: 15, Category.COSMETICS: 15,
                 Category.ELECTRONICS: 30, Category.HOME: 15, Category.OTHER: 15})
    evidence_required_for: list[ComplaintType] = Field(
        default=[ComplaintType.QUALITY_DEFECT, ComplaintType.COUNTERFEIT, ComplaintType.FOOD_SAFETY,
                 ComplaintType.NOT_AS_DESCRIBED])


class ClassificationPolicy(_Strict):
    """Keyword rules (Chinese and English) mapping description text to a complaint type."""

    keywords: dict[ComplaintType, list[str]] = Field(default={
        ComplaintType.FOOD_SAFETY: ["变质", "spoiled", "过敏", "allergy", "allergic", "食物中毒", "food poisoning",
                                    "发霉", "mould", "mold", "rotten", "腐烂", "异物", "foreign object"],
        ComplaintType.COUNTERFEIT: ["假货", "counterfeit", "fake", "仿冒", "replica", "防伪"],
        ComplaintType.QUALITY_DEFECT: ["破损", "damaged", "broken", "坏了", "defect", "defective", "质量",
                                       "故障", "not working", "cracked"],
        ComplaintType.LOGISTICS: ["丢件", "lost", "延误", "late", "delayed", "错发", "wrong item", "未收到",
                                  "not received", "快递", "courier"],
        ComplaintType.NOT_AS_DESCRIBED: ["色差", "colour difference", "color difference", "与描述不符",
                                         "not as described", "虚假宣传", "false advertising", "尺码不符"],
        ComplaintType.AFTER_SALES: ["不退款", "refuses refund", "拒绝售后", "不理", "ignored", "stalling",
                                    "拖延", "no reply"],
        ComplaintType.PLATFORM_SERVICE: ["支付失败", "payment failed", "无法取消", "cannot cancel", "扣款",
                                         "charged twice"],
    })
    # Order matters: the first type in this list whose keywords match wins ties.
    precedence: list[ComplaintType] = Field(default=[
        ComplaintType.FOOD_SAFETY, ComplaintType.COUNTERFEIT, ComplaintType.LOGISTICS,
        ComplaintType.QUALITY_DEFECT, ComplaintType.NOT_AS_DESCRIBED, ComplaintType.AFTER_SALES,
        ComplaintType.PLATFORM_SERVICE])
    severity_a_keywords: list[str] = Field(default=["过敏", "allergy", "allergic", "变质", "spoiled",
                                                     "食物中毒", "food poisoning", "安全", "safety", "burn",
                                                     "烧伤", "injury", "受伤"])
    severity_c_keywords: list[str] = Field(default=["建议", "suggest", "suggestion", "希望", "would be nice"])
    group_threshold: PositiveInt = Field(5, description="open complaints on one merchant or SKU that make a group")
    group_window: timedelta = timedelta(days=7)


class SeveritySla(_Strict):
    first_contact: timedelta
    plan: timedelta


class SlaPolicy(_Strict):
    by_severity: dict[Severity, SeveritySla] = Field(default={
        Severity.A: SeveritySla(plan=timedelta(minutes=30), first_contact=timedelta(hours=1)),
        Severity.B: SeveritySla(plan=timedelta(hours=24), first_contact=timedelta(hours=24)),
        Severity.C: SeveritySla(plan=timedelta(hours=48), first_contact=timedelta(hours=48)),
    })
    immediate_response: timedelta = Field(timedelta(hours=2), description="dispute class 'immediate'")
    first_response: timedelta = timedelta(hours=48)
    stage: dict[str, timedelta] = Field(
        default={"evidence": timedelta(days=3), "negotiation": timedelta(days=3),
                 "execution": timedelta(days=5), "reopened": timedelta(days=2)},
        description="per-stage SLA for stages without a severity-based clock")
    solution: timedelta = timedelta(days=7)
    dispute_limit: timedelta = timedelta(days=30)
    warning_ratio: float = Field(0.8, gt=0, lt=1)
    business_hours: BusinessHours = BusinessHours()


class EvidencePolicy(_Strict):
    deadlines: dict[str, timedelta] = Field(default={
        "consumer": timedelta(hours=72), "merchant": timedelta(hours=48), "carrier": timedelta(hours=48)})
    consumer_reminder_grace: timedelta = Field(timedelta(hours=24), description="after the one reminder")


class GiftPolicy(_Strict):
    mode: Literal["percent", "fixed"] = "percent"
    percent: float = Field(5.0, ge=0, le=100)
    fixed_minor: NonNegativeInt = 1000
    minimum_minor: NonNegativeInt = 500
    points: NonNegativeInt = 100


class NegotiationPolicy(_Strict):
    offer_response: timedelta = timedelta(hours=48)
    offer_reminder_grace: timedelta = timedelta(hours=24)
    lapse_action: Literal["escalate_tier", "close"] = "escalate_tier"
    gift: GiftPolicy = GiftPolicy()
    tier3_requires_supervisor: bool = True
    supervisor_approval: timedelta = timedelta(hours=24)


class ExecutionPolicy(_Strict):
    merchant_refund: timedelta = timedelta(hours=24)
    reship: timedelta = timedelta(days=3)
    retry_initial: timedelta = timedelta(seconds=1)
    retry_maximum: timedelta = timedelta(minutes=1)
    retry_attempts: PositiveInt = 8


class PenaltyPolicy(_Strict):
    deposit_deduction_percent: float = Field(10.0, ge=0, le=100, description="of the order's paid amount")
    deposit_deduction_minimum_minor: NonNegativeInt = 10000
    listing_block: timedelta = timedelta(days=30)
    repeat_offender_threshold: PositiveInt = Field(3, description="penalties in the window that make a repeat offender")
    repeat_offender_window: timedelta = timedelta(days=180)
    repeat_deposit_multiplier: PositiveInt = 2


class ReviewPolicy(_Strict):
    survey_delay: timedelta = timedelta(hours=48)
    survey_window: timedelta = timedelta(days=7)
    satisfaction_threshold: int = Field(80, ge=0, le=100)
    max_reopen: NonNegativeInt = Field(2, description="reopen rounds before a case closes regardless")


class EscalationPolicy(_Strict):
    supervisor_queue: str = "supervisors"
    max_level: PositiveInt = 3


class LimitsPolicy(_Strict):
    """How often a step may repeat in one case. Each repeat adds to the case's Temporal history, so these
    bound its longest legal life far below Temporal's limits (see docs/RELIABILITY.md, history budget)."""

    joined_filings: PositiveInt = 20
    evidence_per_party: PositiveInt = 20
    evidence_requests_per_party: PositiveInt = 5
    clock_pauses: PositiveInt = Field(200, description="manual pauses of the SLA clock per case")
    assignments: PositiveInt = 100


class Policy(_Strict):
    version: str = "default"
    currency: str = "CNY"
    intake: IntakePolicy = IntakePolicy()
    classification: ClassificationPolicy = ClassificationPolicy()
    sla: SlaPolicy = SlaPolicy()
    evidence: EvidencePolicy = EvidencePolicy()
    negotiation: NegotiationPolicy = NegotiationPolicy()
    execution: ExecutionPolicy = ExecutionPolicy()
    penalties: PenaltyPolicy = PenaltyPolicy()
    review: ReviewPolicy = ReviewPolicy()
    escalation: EscalationPolicy = EscalationPolicy()
    limits: LimitsPolicy = LimitsPolicy()
