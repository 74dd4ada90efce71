"""Why each timeline entry happened: the rules behind it, the policy version, the amounts, what changed
(before and after), who or what caused it, and the money in separate lines.

Everything is read from the audit record itself: its details (ladder reasons, classification rules fired,
penalty reasons) and its snapshot, compared with the previous record's snapshot for before/after.
"""

from typing import Any, Literal

from pydantic import BaseModel

from audit.timeline_words import action_words

MoneyKind = Literal["paid", "recovered", "coupon", "points", "penalty", "hold", "release", "reversal"]
# Execution steps by what they are for the consumer and the platform.
STEP_KIND: dict[str, MoneyKind] = {
    "merchant_refund": "paid",
    "platform_advance": "paid",
    "recovery": "recovered",
    "coupon": "coupon",
    "points": "points",
    "penalty": "penalty",
}
TOTAL_LINES: dict[MoneyKind, str] = {
    "paid": "paid to the consumer",
    "recovered": "recovered from the liable party",
    "penalty": "penalties",
    "coupon": "coupons",
    "points": "points",
    "reversal": "reversed",
}
# Steps the workflow takes on its own as the policy's consequence of a person's action or a deadline.
CONSEQUENCES = frozenset(
    {
        "tier_raised",
        "execution_started",
        "clock_paused",
        "clock_resumed",
        "platform_arbitration",
        "reopened",
        "money_moved",
        "penalty",
        "deposit_frozen",
        "deposit_unfrozen",
        "execution_completed",
        "execution_failed",
        "negotiation_opened",
        "classification_suggested",
        "evidence_requested",
        "evidence_opened",
        "survey_sent",
        "escalated",
        "sla_warning",
        "fast_path",
        "offer_lapsed",
        "offer_reminder",
        "evidence_deadline_missed",
        "merchant_refund_requested",
        "merchant_refund_missed",
    }
)
PEOPLE = ("consumer", "merchant", "carrier", "agent", "supervisor", "admin", "auditor")
AMOUNT_KEYS = ("refund_minor", "gift_coupon_minor", "gift_points", "amount_minor", "deduction_minor")


class MoneyMove(BaseModel):
    kind: MoneyKind
    step: str
    amount_minor: int
    parties: str = ""


class Change(BaseModel):
    field: str
    before: Any
    after: Any


class Why(BaseModel):
    rules: list[str]
    policy_version: str | None
    amounts: dict[str, int]
    changes: list[Change]
    by_policy: bool
    triggered_by: str | None


def money_of(action: str, details: dict[str, Any], snapshot: dict[str, Any]) -> MoneyMove | None:
    amount = details.get("amount_minor")
    if action in ("money_moved", "penalty"):
        step = details.get("step", action)
        return MoneyMove(
            kind=STEP_KIND.get(step, "paid"),
            step=step,
            amount_minor=amount or 0,
            parties=details.get("detail", "") if action != "penalty" else "merchant → platform",
        )
    simple: dict[str, MoneyKind] = {"deposit_frozen": "hold", "deposit_unfrozen": "release"}
    if action in simple and amount is not None:
        return MoneyMove(kind=simple[action], step=action, amount_minor=amount, parties=details.get("detail", ""))
    if action == "execution_failed" and details.get("compensated"):
        undone = [
            s
            for s in snapshot.get("execution", [])
            if s.get("status") == "compensated"
            and s.get("name") in details["compensated"]
            and s.get("name") not in ("deposit_frozen", "points")
        ]
        return MoneyMove(
            kind="reversal",
            step=", ".join(details["compensated"]),
            amount_minor=sum(s.get("amount_minor", 0) for s in undone),
        )
    return None


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, str) and value:
        return [part.strip() for part in value.split(";") if part.strip()]
    return []


def rules_of(action: str, details: dict[str, Any], reason: str, snapshot: dict[str, Any]) -> list[str]:
    rules = _as_list(details.get("reasons"))
    suggested = details.get("suggested") or details.get("after")
    if isinstance(suggested, dict):
        rules += _as_list(suggested.get("rules_fired"))
    if action == "penalty":
        rules += _as_list(details.get("detail"))
    if action == "liability_set":
        rules += [f"suggested by policy: {r}" for r in snapshot.get("liability_suggestion_reasons", [])]
    if action in ("escalated", "sla_warning", "offer_lapsed", "offer_reminder", "evidence_deadline_missed"):
        rules.append(reason or action.replace("_", " "))
    return list(dict.fromkeys(rules))


def amounts_of(details: dict[str, Any]) -> dict[str, int]:
    return {k: v for k in AMOUNT_KEYS if isinstance(v := details.get(k), int) and not isinstance(v, bool)}


def _facts(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The facts an auditor follows from record to record, flattened to one level."""
    c = snapshot.get("classification") or {}
    liability = snapshot.get("liability") or {}
    facts: dict[str, Any] = {
        "classification.type": c.get("type"),
        "classification.dispute_class": c.get("dispute_class"),
        "classification.severity": c.get("severity"),
        "assignee": snapshot.get("assignee"),
        "liability": liability.get("party"),
        "tier": snapshot.get("tier"),
        "escalation_level": snapshot.get("escalation_level"),
        "outcome": snapshot.get("outcome"),
    }
    for offer in snapshot.get("offers", []):
        facts[f"offer.{offer.get('offer_id')}.status"] = offer.get("status")
        facts[f"offer.{offer.get('offer_id')}.due_at"] = offer.get("due_at")
    for clock in snapshot.get("clocks", []):
        facts[f"deadline.{clock.get('name')}"] = clock.get("due_at")
    return facts


def changes_between(previous: dict[str, Any] | None, snapshot: dict[str, Any]) -> list[Change]:
    if not snapshot or previous is None:
        return []  # the first record starts the story: nothing before it to change
    before, after = _facts(previous), _facts(snapshot)
    out = []
    for key in list(after) + [k for k in before if k not in after]:
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if key.startswith("deadline.") and (old is None or new is None):
            continue  # a clock started or stopped with its stage: only a moved deadline is a change
        out.append(Change(field=key, before=old, after=new))
    return out


def person(actor_kind: str) -> bool:
    return actor_kind in PEOPLE


def trigger_words(actor_kind: str, actor_id: str, action: str, details: dict[str, Any], reason: str) -> str:
    who = "the deadline" if actor_kind == "deadline" else f"the {actor_kind} {actor_id}"
    return f"{who} {action_words(action, details, reason)}"


def explain(
    *,
    action: str,
    actor_kind: str,
    details: dict[str, Any],
    reason: str,
    snapshot: dict[str, Any],
    previous_snapshot: dict[str, Any] | None,
    last_person_act: str | None,
) -> Why:
    by_policy = not person(actor_kind) or action in CONSEQUENCES
    return Why(
        rules=rules_of(action, details, reason, snapshot),
        policy_version=snapshot.get("policy_version"),
        amounts=amounts_of(details),
        changes=changes_between(previous_snapshot, snapshot),
        by_policy=by_policy,
        triggered_by=last_person_act if by_policy else None,
    )


def totals_of(moves: list[MoneyMove]) -> dict[str, int]:
    totals = {kind: 0 for kind in TOTAL_LINES}
    for move in moves:
        if move.kind in totals:
            totals[move.kind] += move.amount_minor
    return totals
