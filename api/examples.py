"""OpenAPI request examples, one set per endpoint (values from the demo data set)."""

from typing import Any

from api.updates import Update
from workflows.complaint import ComplaintWorkflow

SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def _ex(summary: str, value: dict[str, Any]) -> dict[str, Any]:
    return {"summary": summary, "value": value}


FILING_EXAMPLES = {
    "consumer": _ex(
        "A consumer files for themselves",
        {
            "order_id": "O1001",
            "order_line_id": "O1001-L1",
            "channel": "app",
            "description": "The tea arrived spoiled and mouldy.",
            "contact": {"phone": "+86 138 0000 0000"},
            "evidence": [
                {
                    "kind": "photo",
                    "description": "mould on the leaves",
                    "attachment_ref": "s3://evidence/O1001/photo-1.jpg",
                    "sha256": SHA,
                }
            ],
        },
    ),
    "agent": _ex(
        "An agent files from a hotline call",
        {
            "consumer_id": "C001",
            "order_id": "O1001",
            "order_line_id": "O1001-L1",
            "channel": "hotline",
            "description": "Caller reports the parcel never arrived.",
        },
    ),
}

# Keyed by the update method each step runs (api.routes.actions.Step.update).
ACTION_EXAMPLES: dict[Update[Any], dict[str, dict[str, Any]]] = {
    ComplaintWorkflow.complete_intake: {
        "supplement": _ex(
            "Add the missing order line and a photo",
            {
                "order_line_id": "O1001-L1",
                "evidence": [{"kind": "photo", "attachment_ref": "s3://evidence/O1001/photo-2.jpg", "sha256": SHA}],
            },
        )
    },
    ComplaintWorkflow.review_classification: {
        "confirm": _ex("Accept the suggested classification", {"confirm": True}),
        "override": _ex(
            "Override type and severity",
            {"confirm": False, "type": "food_safety", "severity": "A", "reason": "customer reports an allergy"},
        ),
    },
    ComplaintWorkflow.request_evidence: {
        "merchant": _ex(
            "Ask the merchant for the outbound QC record",
            {"party": "merchant", "note": "outbound record and QC report for order O1001"},
        )
    },
    ComplaintWorkflow.submit_evidence: {
        "merchant": _ex(
            "A merchant uploads its QC report",
            {
                "party": "merchant",
                "item": {
                    "kind": "qc_report",
                    "description": "batch 42 passed QC",
                    "attachment_ref": "s3://evidence/O1001/qc.pdf",
                    "sha256": SHA,
                },
            },
        )
    },
    ComplaintWorkflow.set_liability: {
        "merchant": _ex(
            "The merchant is liable", {"party": "merchant", "reason": "QC report shows the batch was past its date"}
        )
    },
    ComplaintWorkflow.make_offer: {
        "refund": _ex("Offer a refund of the paid amount", {"refund_mode": "refund_only"}),
        "partial": _ex(
            "A partial refund with reshipment", {"refund_mode": "refund_only", "refund_minor": 1500, "reship": True}
        ),
    },
    ComplaintWorkflow.respond_to_offer: {
        "accept": _ex("Accept the offer", {"offer_id": "O1", "accept": True}),
        "decline": _ex(
            "Decline it", {"offer_id": "O1", "accept": False, "reason": "the refund does not cover shipping"}
        ),
    },
    ComplaintWorkflow.approve_tier3: {
        "approve": _ex("Approve the platform advance", {"approve": True, "reason": "merchant unresponsive for 5 days"})
    },
    ComplaintWorkflow.withdraw: {
        "withdraw": _ex("Withdraw the complaint", {"reason": "the merchant resolved it directly"})
    },
    ComplaintWorkflow.answer_survey: {
        "happy": _ex("Satisfied", {"resolved_score": 95, "communication_score": 90}),
        "unhappy": _ex(
            "Not satisfied: the case is reviewed again",
            {"resolved_score": 40, "communication_score": 70, "comment": "still broken"},
        ),
    },
    ComplaintWorkflow.assign: {
        "claim": _ex("Claim the case for yourself", {}),
        "assign": _ex("Assign to a colleague", {"assignee": "user-agent2"}),
    },
    ComplaintWorkflow.control_clock: {
        "pause": _ex("Pause the SLA clock", {"pause": True, "reason": "waiting for the lab report"})
    },
    ComplaintWorkflow.supervisor_review: {
        "renegotiate": _ex(
            "Send back to negotiation", {"decision": "renegotiate", "reason": "survey score 40: offer a gift"}
        )
    },
    ComplaintWorkflow.confirm_merchant_refund: {
        "paid": _ex("The merchant paid the refund", {"reference": "REF-2026-0001"})
    },
    ComplaintWorkflow.confirm_shipment: {
        "shipped": _ex("The replacement shipped", {"carrier": "SF Express", "tracking_number": "SF1234567890"})
    },
}
