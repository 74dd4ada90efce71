from datetime import timedelta

import pytest

from models.case import EvidenceItemState, EvidenceRequestState
from models.enums import ComplaintType, DisputeClass, Party
from policy.liability import suggest_liability
from tests.policy.builders import T0, classification, evidence_ref, order_facts


def request(party: Party, *, lapsed: bool = False, fulfilled: bool = False) -> EvidenceRequestState:
    return EvidenceRequestState(
        party=party,
        note="please",
        requested_at=T0,
        due_at=T0 + timedelta(days=2),
        lapsed=lapsed,
        fulfilled_at=T0 + timedelta(days=1) if fulfilled else None,
    )


def item(party: Party) -> EvidenceItemState:
    return EvidenceItemState(
        evidence_id=f"e-{party.value}",
        party=party,
        item=evidence_ref(party.value),
        submitted_at=T0,
        submitted_by=f"{party.value}-1",
    )


QUALITY = classification(ComplaintType.QUALITY_DEFECT)
LOGISTICS = classification(ComplaintType.LOGISTICS, dispute_class=DisputeClass.IMMEDIATE)
PLATFORM = classification(ComplaintType.PLATFORM_SERVICE, dispute_class=DisputeClass.SERVICE)
AFTER_SALES = classification(ComplaintType.AFTER_SALES, dispute_class=DisputeClass.SERVICE)


@pytest.mark.parametrize(
    ("result", "tracking", "evidence", "requests", "party", "reason"),
    [
        (
            QUALITY,
            "delivered",
            [item(Party.MERCHANT)],
            [request(Party.MERCHANT, lapsed=True)],
            Party.MERCHANT,
            "merchant silent past its evidence deadline",
        ),
        (
            LOGISTICS,
            "delivered",
            [],
            [request(Party.CARRIER, lapsed=True)],
            Party.CARRIER,
            "carrier silent past its evidence deadline",
        ),
        (LOGISTICS, "lost", [], [], Party.CARRIER, "tracking status 'lost'"),
        (LOGISTICS, "abnormal", [item(Party.MERCHANT)], [], Party.CARRIER, "tracking status 'abnormal'"),
        (LOGISTICS, "overdue", [], [], Party.CARRIER, "tracking status 'overdue'"),
        (LOGISTICS, "delivered", [], [], None, "the evidence points at no party"),
        (
            QUALITY,
            "lost",
            [item(Party.MERCHANT)],
            [],
            None,
            "the merchant has supplied evidence",
        ),  # not a logistics type
        (PLATFORM, "delivered", [], [], Party.PLATFORM, "platform service complaint"),
        (QUALITY, "delivered", [item(Party.CONSUMER)], [], Party.MERCHANT, "no evidence to rebut"),
        (AFTER_SALES, "delivered", [], [request(Party.MERCHANT)], Party.MERCHANT, "no evidence to rebut"),
        (classification(ComplaintType.FOOD_SAFETY), "delivered", [], [], Party.MERCHANT, "food_safety complaint"),
        (classification(ComplaintType.COUNTERFEIT), "delivered", [], [], Party.MERCHANT, "counterfeit complaint"),
        (classification(ComplaintType.NOT_AS_DESCRIBED), "delivered", [], [], Party.MERCHANT, "not_as_described"),
        (
            QUALITY,
            "delivered",
            [item(Party.MERCHANT)],
            [request(Party.MERCHANT, fulfilled=True)],
            None,
            "an agent must weigh it",
        ),
        (
            QUALITY,
            "delivered",
            [],
            [request(Party.CONSUMER, lapsed=True)],
            Party.CONSUMER,
            "consumer supplied no evidence before its deadline",
        ),
        (
            QUALITY,
            "delivered",
            [item(Party.CONSUMER)],
            [request(Party.CONSUMER, lapsed=True)],
            Party.MERCHANT,
            "no evidence to rebut",
        ),  # evidence that came in earlier still counts
    ],
)
def test_suggest_liability(result, tracking, evidence, requests, party, reason):
    suggested, reasons = suggest_liability(
        classification=result, order=order_facts(tracking_status=tracking), evidence=evidence, requests=requests
    )
    assert suggested == party
    assert any(reason in text for text in reasons), reasons


def test_a_silent_merchant_outweighs_a_silent_consumer():
    suggested, _ = suggest_liability(
        classification=QUALITY,
        order=order_facts(),
        evidence=[],
        requests=[request(Party.CONSUMER, lapsed=True), request(Party.MERCHANT, lapsed=True)],
    )
    assert suggested == Party.MERCHANT


def test_a_silent_consumer_outweighs_the_platform_presumption():
    suggested, _ = suggest_liability(
        classification=PLATFORM, order=order_facts(), evidence=[], requests=[request(Party.CONSUMER, lapsed=True)]
    )
    assert suggested == Party.CONSUMER
