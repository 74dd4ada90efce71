"""Vocabulary shared by the workflow, activities, API and read model."""

from enum import StrEnum


class Role(StrEnum):
    CONSUMER = "consumer"
    MERCHANT = "merchant"
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    AUDITOR = "auditor"
    ADMIN = "admin"


class ActorKind(StrEnum):
    """Who caused an audited event: a person in a role, or the machine itself."""

    CONSUMER = "consumer"
    MERCHANT = "merchant"
    CARRIER = "carrier"
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    DEADLINE = "deadline"
    SYSTEM = "system"


class Stage(StrEnum):
    INTAKE = "intake"
    CLASSIFICATION = "classification"
    EVIDENCE = "evidence"
    NEGOTIATION = "negotiation"
    EXECUTION = "execution"
    REVIEW = "review"
    REOPENED = "reopened"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    REJECTED = "rejected"

    @property
    def is_terminal(self) -> bool:
        return self in (Stage.CLOSED, Stage.WITHDRAWN, Stage.REJECTED)


class ComplaintType(StrEnum):
    QUALITY_DEFECT = "quality_defect"
    NOT_AS_DESCRIBED = "not_as_described"
    COUNTERFEIT = "counterfeit"
    LOGISTICS = "logistics"
    AFTER_SALES = "after_sales"
    PLATFORM_SERVICE = "platform_service"
    FOOD_SAFETY = "food_safety"


class DisputeClass(StrEnum):
    IMMEDIATE = "immediate"
    QUALITY = "quality"
    SERVICE = "service"


class Severity(StrEnum):
    A = "A"
    B = "B"
    C = "C"


class Category(StrEnum):
    FRESH = "fresh"
    COSMETICS = "cosmetics"
    ELECTRONICS = "electronics"
    CLOTHING = "clothing"
    HOME = "home"
    FOOD = "food"
    OTHER = "other"


class TrackingStatus(StrEnum):
    PENDING = "pending"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    OVERDUE = "overdue"
    ABNORMAL = "abnormal"
    LOST = "lost"


class Party(StrEnum):
    """A party that can be asked for evidence or held liable."""

    CONSUMER = "consumer"
    MERCHANT = "merchant"
    CARRIER = "carrier"
    PLATFORM = "platform"


class Tier(StrEnum):
    REFUND = "refund"  # tier 1
    REFUND_PLUS_GIFT = "refund_plus_gift"  # tier 2
    PLATFORM_ADVANCE = "platform_advance"  # tier 3

    @property
    def rank(self) -> int:
        return {"refund": 1, "refund_plus_gift": 2, "platform_advance": 3}[self.value]


class RefundMode(StrEnum):
    RETURN_AND_REFUND = "return_and_refund"
    REFUND_ONLY = "refund_only"


class OfferStatus(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    LAPSED = "lapsed"
    REJECTED_BY_SUPERVISOR = "rejected_by_supervisor"
    WITHDRAWN = "withdrawn"  # the consumer withdrew the case while the offer was open


class LedgerKind(StrEnum):
    DEPOSIT_FREEZE = "deposit_freeze"
    DEPOSIT_UNFREEZE = "deposit_unfreeze"
    MERCHANT_REFUND = "merchant_refund"
    PLATFORM_ADVANCE = "platform_advance"
    COUPON = "coupon"
    POINTS = "points"
    PENALTY = "penalty"
    RECOVERY = "recovery"
    REVERSAL = "reversal"


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class RootCause(StrEnum):
    MERCHANT_PRODUCT = "merchant_product"
    MERCHANT_SERVICE = "merchant_service"
    CARRIER = "carrier"
    CONSUMER = "consumer"
    PLATFORM = "platform"
    UNSUBSTANTIATED = "unsubstantiated"
    WITHDRAWN = "withdrawn"


class ClockName(StrEnum):
    """An SLA clock of a case (policy/sla.py names them), or a deadline escalated like one."""

    FIRST_CONTACT = "first_contact"
    SOLUTION = "solution"
    DISPUTE_LIMIT = "dispute_limit"
    INTAKE_COMPLETION = "intake_completion"
    PLAN = "plan"
    EVIDENCE = "evidence"
    NEGOTIATION = "negotiation"
    EXECUTION = "execution"
    REOPENED = "reopened"
    TIER3_APPROVAL = "tier3_approval"
    RESHIP = "reship"


class Outcome(StrEnum):
    """How a case ended (or that its execution failed, while a supervisor decides)."""

    RESOLVED = "resolved"
    RESOLVED_NO_SURVEY = "resolved_no_survey"
    CLOSED_AFTER_REOPEN_LIMIT = "closed_after_reopen_limit"
    CLOSED_BY_SUPERVISOR = "closed_by_supervisor"
    UNSUBSTANTIATED = "unsubstantiated"
    WITHDRAWN = "withdrawn"
    INVALID = "invalid"
    INCOMPLETE = "incomplete"
    EXECUTION_FAILED = "execution_failed"


class SupervisorDecision(StrEnum):
    RENEGOTIATE = "renegotiate"
    CLOSE = "close"
    RETRY_EXECUTION = "retry_execution"
