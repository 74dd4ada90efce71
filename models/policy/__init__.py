"""The operator-editable policy: every deadline, amount and threshold of the business.

Loaded from a YAML file (see policy/default.yaml), validated here, and handed to each case
workflow as a snapshot when the case starts, so a case finishes under the rules it started with.
Durations accept ISO 8601 ("PT15M", "P7D") or seconds.

The models live by concern in this package; import them from here (`from models.policy import Policy`):

- root: Policy, the whole policy with one field per section
- intake: IntakePolicy, EvidencePolicy
- classification: ClassificationPolicy (default vocabulary in type_keywords and severity_keywords)
- clocks: SlaPolicy, SeveritySla, BusinessHours, EscalationPolicy
- settlement: NegotiationPolicy, GiftPolicy, ExecutionPolicy
- penalties: PenaltyPolicy
- review: ReviewPolicy
- limits: LimitsPolicy
- models/policy_insights.py: InsightsPolicy (the section `insights`)
"""

from models.policy.classification import ClassificationPolicy
from models.policy.clocks import BusinessHours, EscalationPolicy, SeveritySla, SlaPolicy
from models.policy.intake import EvidencePolicy, IntakePolicy
from models.policy.limits import LimitsPolicy
from models.policy.penalties import PenaltyPolicy
from models.policy.review import ReviewPolicy
from models.policy.root import Policy
from models.policy.settlement import ExecutionPolicy, GiftPolicy, NegotiationPolicy
from models.policy_insights import InsightsPolicy

__all__ = [
    "BusinessHours",
    "ClassificationPolicy",
    "EscalationPolicy",
    "EvidencePolicy",
    "ExecutionPolicy",
    "GiftPolicy",
    "InsightsPolicy",
    "IntakePolicy",
    "LimitsPolicy",
    "NegotiationPolicy",
    "PenaltyPolicy",
    "Policy",
    "ReviewPolicy",
    "SeveritySla",
    "SlaPolicy",
]
