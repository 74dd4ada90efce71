"""Suggesting a complaint's type, dispute class and severity from its text and its order: keyword rules.

`classify` is the first version, run inside the workflow; cases recorded with it replay with it,
so its behaviour must not change. New cases are classified by policy/classifier.py in an activity.

The result is a suggestion the agent confirms or overrides; `rules_fired` says in plain words why
each part was chosen, so the agent (and later the auditor) can check the reasoning.
"""

import re
from collections.abc import Iterable
from functools import lru_cache

from models.case import ClassificationResult, OrderFacts
from models.enums import Category, ComplaintType, DisputeClass, Severity, TrackingStatus
from models.policy import ClassificationPolicy

LOGISTICS_TRACKING_TROUBLE = frozenset({TrackingStatus.LOST, TrackingStatus.OVERDUE, TrackingStatus.ABNORMAL})
QUALITY_TYPES = frozenset(
    {ComplaintType.QUALITY_DEFECT, ComplaintType.COUNTERFEIT, ComplaintType.NOT_AS_DESCRIBED, ComplaintType.FOOD_SAFETY}
)
SERVICE_TYPES = frozenset({ComplaintType.AFTER_SALES, ComplaintType.PLATFORM_SERVICE})
# Categories where a food-safety complaint is a health matter, hence urgent on its own.
HEALTH_CATEGORIES = frozenset({Category.FRESH, Category.FOOD, Category.COSMETICS})
_RAISED = {Severity.C: Severity.B, Severity.B: Severity.A, Severity.A: Severity.A}
# How each type reads to people. The enum values stay as recorded in histories; food_safety covers
# anything that harms the body (a cosmetic allergy too), so it reads "food safety / health".
TYPE_LABELS: dict[ComplaintType, str] = {
    ComplaintType.QUALITY_DEFECT: "quality defect",
    ComplaintType.NOT_AS_DESCRIBED: "not as described / false advertising",
    ComplaintType.COUNTERFEIT: "counterfeit",
    ComplaintType.LOGISTICS: "logistics (delay, loss, damage, wrong item)",
    ComplaintType.AFTER_SALES: "after-sales service",
    ComplaintType.PLATFORM_SERVICE: "platform service",
    ComplaintType.FOOD_SAFETY: "food safety / health",
}


def keyword_hits(text: str, keywords: Iterable[str]) -> list[str]:
    """The keywords found in `text`, case-insensitively, in the order given.

    Chinese keywords match anywhere. A keyword starting with a Latin letter or digit must start a
    word, so 'late' finds "arrived late" and "later" but not "chocolate" or "escalated"; a suffix is
    still allowed so that 'fake' finds "fakes".
    """
    folded = text.casefold()
    return [
        keyword
        for keyword in keywords
        if keyword.strip() and keyword.strip().casefold() in folded and _pattern(keyword).search(folded)
    ]


@lru_cache(maxsize=4096)  # a policy's keywords are tried against every complaint
def _pattern(keyword: str) -> re.Pattern[str]:
    folded = keyword.strip().casefold()
    guard = r"(?<![0-9a-z])" if folded[0].isascii() and folded[0].isalnum() else ""
    return re.compile(guard + re.escape(folded))


def detect_type(description: str, policy: ClassificationPolicy) -> tuple[ComplaintType | None, list[str]]:
    """The complaint type whose keywords the description contains; ties go to policy.precedence."""
    matches = {
        ctype: hits
        for ctype in _ranked_types(policy)
        if (hits := keyword_hits(description, policy.keywords.get(ctype, [])))
    }
    if not matches:
        return None, []
    winner, *others = matches
    rules = [f"keyword '{hit}' → {winner.value}" for hit in matches[winner]]
    for other in others:
        rules.append(f"keyword '{matches[other][0]}' also suggests {other.value}, but {winner.value} takes precedence")
    return winner, rules


def _ranked_types(policy: ClassificationPolicy) -> list[ComplaintType]:
    # Types missing from the precedence list still count, after the listed ones.
    ranked = list(dict.fromkeys(policy.precedence))
    return ranked + [ctype for ctype in policy.keywords if ctype not in ranked]


def classify(
    *, description: str, order: OrderFacts, open_on_merchant: int, open_on_sku: int, policy: ClassificationPolicy
) -> ClassificationResult:
    ctype, rules = _complaint_type(description, order, policy)
    dispute_class, class_rule = dispute_class_of(ctype, order)
    rules.append(class_rule)
    severity, severity_rule = _severity(description, ctype, order, policy)
    rules.append(severity_rule)
    group_impact = max(open_on_merchant, open_on_sku) >= policy.group_threshold
    if group_impact:
        raised = _RAISED[severity]
        rules.append(
            f"{open_on_merchant} open complaints on the merchant, {open_on_sku} on the SKU "
            f"(group threshold {policy.group_threshold}) → group impact, severity "
            + (
                f"raised {severity.value} → {raised.value}"
                if raised != severity
                else f"stays {severity.value} (already the highest)"
            )
        )
        severity = raised
    return ClassificationResult(
        type=ctype,
        dispute_class=dispute_class,
        severity=severity,
        rules_fired=rules,
        group_impact=group_impact,
        confirmed=False,
    )


def _complaint_type(
    description: str, order: OrderFacts, policy: ClassificationPolicy
) -> tuple[ComplaintType, list[str]]:
    ctype, rules = detect_type(description, policy)
    if ctype is not None:
        return ctype, rules
    if order.tracking_status in LOGISTICS_TRACKING_TROUBLE:
        return ComplaintType.LOGISTICS, [
            f"no keyword matched; tracking status '{order.tracking_status}' → {ComplaintType.LOGISTICS.value}"
        ]
    return ComplaintType.QUALITY_DEFECT, [f"no keyword matched → {ComplaintType.QUALITY_DEFECT.value} (default)"]


def dispute_class_of(ctype: ComplaintType, order: OrderFacts) -> tuple[DisputeClass, str]:
    if ctype == ComplaintType.LOGISTICS:
        why = (
            "tracking shows the parcel lost"
            if order.tracking_status == TrackingStatus.LOST
            else "a logistics complaint"
        )
        return DisputeClass.IMMEDIATE, f"{why} → immediate class: respond fast, reship or refund first"
    if ctype in QUALITY_TYPES:
        return DisputeClass.QUALITY, (
            f"{ctype.value} → quality class: judge against warranty rules and platform QC standards"
        )
    return DisputeClass.SERVICE, f"{ctype.value} → service class: trace the service step that failed"


def _severity(
    description: str, ctype: ComplaintType, order: OrderFacts, policy: ClassificationPolicy
) -> tuple[Severity, str]:
    urgent = keyword_hits(description, policy.severity_a_keywords)
    if urgent:
        return Severity.A, f"severity keyword '{urgent[0]}' → A (urgent)"
    if ctype == ComplaintType.FOOD_SAFETY and order.category in HEALTH_CATEGORIES:
        return Severity.A, f"food safety on a {order.category.value} order → A (urgent)"
    suggestion = keyword_hits(description, policy.severity_c_keywords)
    if suggestion:
        return Severity.C, f"suggestion keyword '{suggestion[0]}' → C (suggestion)"
    return Severity.B, "no urgency or suggestion rule matched → B (general)"
