"""The whole policy: one section per concern, each defined in its own module of this package."""

from pydantic import Field

from models.policy._base import _Strict
from models.policy.classification import ClassificationPolicy
from models.policy.clocks import EscalationPolicy, SlaPolicy
from models.policy.intake import EvidencePolicy, IntakePolicy
from models.policy.limits import LimitsPolicy
from models.policy.penalties import PenaltyPolicy
from models.policy.review import ReviewPolicy
from models.policy.settlement import ExecutionPolicy, NegotiationPolicy
from models.policy_insights import InsightsPolicy


class Policy(_Strict):
    version: str = Field("default", description="name of this policy; each case records the version it started under")
    currency: str = Field("CNY", description="currency of every amount in minor units")
    intake: IntakePolicy = Field(IntakePolicy(), description="intake: completing the filing and the after-sales window")
    classification: ClassificationPolicy = Field(
        ClassificationPolicy(), description="classification and triage: keywords, confidence, group impact"
    )
    sla: SlaPolicy = Field(SlaPolicy(), description="service-level clocks and escalation deadlines")
    evidence: EvidencePolicy = Field(EvidencePolicy(), description="evidence requests and their deadlines")
    negotiation: NegotiationPolicy = Field(NegotiationPolicy(), description="the tiered negotiation ladder")
    execution: ExecutionPolicy = Field(ExecutionPolicy(), description="refunds, reshipments and payment retries")
    penalties: PenaltyPolicy = Field(PenaltyPolicy(), description="merchant penalties")
    review: ReviewPolicy = Field(
        ReviewPolicy(), description="closed-loop review: the satisfaction survey and re-opening"
    )
    escalation: EscalationPolicy = Field(EscalationPolicy(), description="escalation of breached clocks")
    limits: LimitsPolicy = Field(
        LimitsPolicy(), description="how often a step may repeat in one case (bounds the history)"
    )
    insights: InsightsPolicy = Field(
        InsightsPolicy(), description="insights: early warning, merchant standing and the fast lane"
    )
