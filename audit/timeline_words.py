"""Plain words for audit records: who did what, with the figures that matter to an auditor."""

from typing import Any

ACTOR_WORDS = {
    "consumer": "Consumer",
    "merchant": "Merchant",
    "carrier": "Carrier",
    "agent": "Agent",
    "supervisor": "Supervisor",
    "admin": "Admin",
    "auditor": "Auditor",
}

# action -> phrase; {placeholders} are filled from the record's details (and reason) when present.
PHRASES = {
    "filed": "filed the complaint via {channel}",
    "supplement_requested": "asked the consumer to supply: {reason}",
    "supplement_reminder": "reminded the consumer to supply the missing information",
    "intake_completed": "completed intake",
    "intake_supplemented": "added information; still missing: {missing}",
    "duplicate_joined": "filed again on the same order line; joined to this case",
    "classification_suggested": "classified the case",
    "classification_confirmed": "confirmed the suggested classification",
    "classification_overridden": "overrode the classification",
    "evidence_opened": "opened evidence gathering",
    "evidence_requested": "requested evidence from the {party}, due {due_at}",
    "evidence_submitted": "submitted {kind} evidence for the {party}",
    "evidence_reminder": "reminded the {party} to send evidence, now due {due_at}",
    "evidence_deadline_missed": "recorded that the {party} missed the evidence deadline",
    "liability_set": "held the {party} liable",
    "negotiation_opened": "opened negotiation at tier '{tier}'",
    "fast_path": "sent the case down the fast path (tier '{tier}', liable: {liability})",
    "offer_made": "made offer {offer_id} at tier '{tier}'",
    "offer_accepted": "accepted offer {offer_id}",
    "offer_declined": "declined offer {offer_id}",
    "offer_reminder": "reminded the consumer of offer {offer_id}, now due {due_at}",
    "offer_lapsed": "let offer {offer_id} lapse unanswered",
    "tier_raised": "raised the tier from '{from}' to '{to}'",
    "tier3_approved": "approved the tier-3 offer {offer_id}",
    "tier3_rejected": "rejected the tier-3 offer {offer_id}",
    "platform_arbitration": "arbitrated on offer {offer_id}: the platform's decision is final",
    "execution_started": "started execution of the agreed outcome",
    "merchant_refund_requested": "asked the merchant to refund, due {due_at}",
    "merchant_refund_confirmed": "confirmed the refund (reference {reference})",
    "merchant_refund_missed": "recorded that the merchant missed the refund deadline",
    "money_moved": "moved money: {step}",
    "deposit_frozen": "froze part of the merchant's deposit",
    "deposit_unfrozen": "released the frozen deposit",
    "penalty": "penalised the merchant",
    "reshipped": "recorded the reshipment ({carrier} {tracking_number})",
    "shipment_confirmed": "confirmed the reshipment",
    "execution_failed": "recorded a failed execution; undid: {compensated}",
    "execution_retried": "retried execution (round {round})",
    "execution_completed": "completed execution",
    "survey_sent": "sent satisfaction survey round {round}, due {due_at}",
    "survey_answered": "answered the survey: resolved {resolved}, communication {communication}",
    "reopened": "reopened the case (reopen {reopen_count})",
    "supervisor_review": "reviewed the case: {decision}",
    "assigned": "assigned the case to {to}",
    "clock_paused": "paused the SLA clocks {clocks}",
    "clock_resumed": "resumed the SLA clocks {clocks}",
    "sla_warning": "warned that {clock} is due at {due_at}",
    "escalated": "escalated to level {level} ({clock} breached, was due {due_at})",
    "closed": "closed the case: {outcome}",
    "withdrawn": "closed the case as withdrawn",
    "rejected": "rejected the complaint: {outcome}",
}


class _Lenient(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def actor_words(kind: str, actor_id: str) -> str:
    if kind == "deadline":
        return f"Deadline ({actor_id.removeprefix('deadline:')})"
    if kind == "system":
        return "System"
    return f"{ACTOR_WORDS.get(kind, kind.capitalize())} {actor_id}"


def _show(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "nothing"
    return str(value)


def action_words(action: str, details: dict[str, Any], reason: str) -> str:
    phrase = PHRASES.get(action)
    if phrase is None:
        return action.replace("_", " ")
    values = _Lenient({k: _show(v) for k, v in details.items() if k != "snapshot"})
    values.setdefault("reason", reason or "?")
    return phrase.format_map(values)


def money_words(amount_minor: int, currency: str) -> str:
    sign = "-" if amount_minor < 0 else ""
    whole, cents = divmod(abs(amount_minor), 100)
    return f"{sign}{whole}.{cents:02d} {currency}"
