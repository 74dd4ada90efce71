"""Suggesting who is liable, from the evidence gathered. The agent decides; this only proposes."""

from models.case import ClassificationResult, EvidenceItemState, EvidenceRequestState, OrderFacts
from models.enums import ComplaintType, Party, TrackingStatus

_TRACKING_TROUBLE = frozenset({TrackingStatus.LOST, TrackingStatus.ABNORMAL, TrackingStatus.OVERDUE})
# Complaints about the goods or the seller's own conduct: the merchant answers for them unless it rebuts.
_MERCHANT_ANSWERS = frozenset(
    {
        ComplaintType.QUALITY_DEFECT,
        ComplaintType.COUNTERFEIT,
        ComplaintType.NOT_AS_DESCRIBED,
        ComplaintType.FOOD_SAFETY,
        ComplaintType.AFTER_SALES,
    }
)


def suggest_liability(
    *,
    classification: ClassificationResult,
    order: OrderFacts,
    evidence: list[EvidenceItemState],
    requests: list[EvidenceRequestState],
) -> tuple[Party | None, list[str]]:
    """The party the evidence points at, with the reasons; (None, reasons) when it points nowhere.

    Silence past an evidence deadline weighs first: a party asked and silent has given up its
    defence. Then the facts of the order, then the presumption that goes with the complaint type.
    """
    lapsed = {request.party for request in requests if request.lapsed}
    submitted_by = {item.party for item in evidence}

    if Party.MERCHANT in lapsed:
        return Party.MERCHANT, ["merchant silent past its evidence deadline"]
    if Party.CARRIER in lapsed:
        return Party.CARRIER, ["carrier silent past its evidence deadline"]
    if classification.type == ComplaintType.LOGISTICS and order.tracking_status in _TRACKING_TROUBLE:
        return Party.CARRIER, [
            f"tracking status '{order.tracking_status}' on a logistics complaint: "
            "the parcel failed in the carrier's hands"
        ]
    if Party.CONSUMER in lapsed and Party.CONSUMER not in submitted_by:
        return Party.CONSUMER, ["consumer supplied no evidence before its deadline: the complaint is unsupported"]
    if classification.type == ComplaintType.PLATFORM_SERVICE:
        return Party.PLATFORM, ["platform service complaint: the platform's own process failed"]
    if classification.type in _MERCHANT_ANSWERS:
        if Party.MERCHANT not in submitted_by:
            return Party.MERCHANT, [
                f"{classification.type.value} complaint and the merchant has supplied no evidence to rebut it"
            ]
        return None, ["the merchant has supplied evidence: an agent must weigh it against the consumer's"]
    return None, ["the evidence points at no party: an agent decides"]
