"""What the attacker model sends: plausible bodies for each step, and the same with one value made hostile."""

import hashlib
import random
import uuid
from typing import Any

HOSTILE: list[Any] = [
    "\x00",
    "a\x00b",
    "\x1b[2J",
    "\x7f",
    "\u202egnp.exe",
    "\u200fمرحبا 中文",
    "x" * 5000,
    "y" * 300_000,
    123,
    -1,
    None,
    ["list"],
    {"o": 1},
    True,
    "100",
    1e300,
]


def evidence_ref(tag: str) -> dict[str, str]:
    return {
        "kind": "photo",
        "description": "裂缝 close-up",
        "attachment_ref": f"s3://ev/{tag}.jpg",
        "sha256": hashlib.sha256(tag.encode()).hexdigest(),
    }


def valid_body(path: str, role: str, live: dict[str, Any] | None, rnd: random.Random) -> dict[str, Any]:
    """A plausible body for the step, from the case's live state where one is needed (the pending offer).

    Choices come from a Random seeded by Hypothesis, not from Hypothesis draws: they depend on the live
    state, and Hypothesis requires the same draws for the same choices whatever the system did.
    """
    offers = (live or {}).get("offers") or []
    offer_id = offers[-1]["offer_id"] if offers else "OFFER-NONE"
    party = {"consumer": "consumer", "merchant": "merchant"}.get(role) or rnd.choice(
        ["consumer", "merchant", "carrier"]
    )
    bodies: dict[str, dict[str, Any]] = {
        "intake": {"description": "屏幕破损 the screen is cracked"},
        "classification-review": rnd.choice(
            [{"confirm": True}, {"confirm": False, "severity": "A", "reason": "safety"}]
        ),
        "evidence-requests": {"party": rnd.choice(["consumer", "merchant"]), "note": "please"},
        "evidence": {"party": party, "item": evidence_ref(uuid.uuid4().hex)},
        "liability": {
            "party": rnd.choice(["merchant", "consumer", "carrier", "platform"]),
            "reason": "the photos show a defect",
        },
        "offers": rnd.choice(
            [{}, {"refund_minor": 100}, {"refund_minor": 10**9}, {"refund_mode": "return_and_refund"}]
        ),
        "offer-response": {"offer_id": offer_id, "accept": rnd.random() < 0.5},
        "tier3-approval": {"approve": rnd.random() < 0.5, "reason": "checked"},
        "withdrawal": {"reason": "changed my mind"},
        "survey": {"resolved_score": rnd.randint(0, 100), "communication_score": 80},
        "assignment": rnd.choice([{}, {"takeover": True}, {"assignee": "U-am-agent2"}]),
        "clock": {"pause": rnd.random() < 0.5, "reason": "waiting for the courier"},
        "supervisor-review": {
            "decision": rnd.choice(["renegotiate", "close", "retry_execution"]),
            "reason": "reviewed",
        },
        "merchant-refund": {"reference": f"REF-{uuid.uuid4().hex[:6]}"},
        "shipment": {"carrier": "SF", "tracking_number": "SF1234567"},
    }
    return bodies[path]


def hostile(body: dict[str, Any], rnd: random.Random) -> dict[str, Any]:
    """The body with one value (or a new key) replaced by something no client should send."""
    value = rnd.choice(HOSTILE)
    keys = list(body) + ["unexpected\x00key" if isinstance(value, str) else "unexpected"]
    key = rnd.choice(keys)
    if isinstance(body.get(key), dict):
        return {**body, key: {**body[key], rnd.choice(sorted(body[key])): value}}
    return {**body, key: value}
