"""What-if beyond the outcome: the proposed policy itself (whole, or merged onto each case's own, never
silently defaulted), its diff from the case's policy, and the path each run took, step by step."""

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter

from audit.history import scheduled_records
from audit.policy_archive import PolicyDifference, diff
from audit.timeline_words import action_words
from models.policy import Policy
from policy.loader import PolicyError, parse_policy

MAX_PATH_DIFFERENCES = 12
# The simulation sends each human step at its recorded offset, but a step can land a few seconds late: the
# time-skipping server's clock runs on while the runner waits for the case to settle, more so on a loaded
# machine. Deadlines that differ by less than this are the same deadline, not a policy's doing.
DEADLINE_TOLERANCE = timedelta(minutes=1)
_SINCE = re.compile(r"^(?:(-?\d+) days?, )?(\d+):(\d\d):(\d\d)$")


class PathStep(BaseModel):
    seq: int
    action: str
    summary: str
    after: str  # time since filing, e.g. "2 days, 3:00:00"
    tier: str | None
    offer: dict[str, Any] | None = None
    deadlines: dict[str, str] = {}  # clock -> due, as time since filing
    escalation_level: int


def _since(at: datetime, start: datetime) -> str:
    return str(timedelta(seconds=round((at - start).total_seconds())))


async def path_of(history: WorkflowHistory, converter: DataConverter) -> list[PathStep]:
    records = await scheduled_records(history, converter)
    if not records:
        return []
    start = records[0].record.snapshot.created_at
    steps = []
    for item in records:
        rec, snap = item.record, item.record.snapshot
        offer = None
        if rec.action == "offer_made" and snap.offers:
            o = snap.offers[-1]
            offer = {
                "offer_id": o.offer_id,
                "tier": o.tier.value,
                "refund_minor": o.refund_minor,
                "gift_coupon_minor": o.gift_coupon_minor,
                "gift_points": o.gift_points,
                "platform_advance": o.platform_advance,
                "due": _since(o.due_at, start) if o.due_at else None,
            }
        steps.append(
            PathStep(
                seq=rec.seq,
                action=rec.action,
                summary=action_words(rec.action, rec.details, rec.reason),
                after=_since(rec.at, start),
                tier=snap.tier.value if snap.tier else None,
                offer=offer,
                deadlines={c.name: _since(c.due_at, start) for c in snap.clocks},
                escalation_level=snap.escalation_level,
            )
        )
    return steps


def _same_time(a: Any, b: Any) -> bool:
    """Two "time since filing" texts within DEADLINE_TOLERANCE of each other (other values: equal)."""
    if a == b:
        return True
    parsed = [_SINCE.match(x) if isinstance(x, str) else None for x in (a, b)]
    if parsed[0] is None or parsed[1] is None:
        return False
    d = [
        timedelta(days=int(m[1] or 0), hours=int(m[2]), minutes=int(m[3]), seconds=int(m[4]))
        for m in (parsed[0], parsed[1])
    ]
    return abs(d[0] - d[1]) < DEADLINE_TOLERANCE


def path_differences(control: list[PathStep], proposed: list[PathStep], refused: list[str]) -> list[str]:
    """Plain words: where the paths part, the step counts, escalations and refused steps first (they are what
    a reviewer reads for), then the offers and deadlines that differ along the shared part."""
    headline: list[str] = []
    details: list[str] = []
    # The paths may differ in length: compared up to the shorter one, the step counts after the loop.
    for a, b in zip(control, proposed, strict=False):
        if a.action != b.action:
            headline.append(
                f"step {a.seq}: the paths part: under the case's policy '{a.summary}', "
                f"under the proposed one '{b.summary}'"
            )
            break
        if a.offer and b.offer:
            changed = {k: (a.offer[k], b.offer.get(k)) for k in a.offer if not _same_time(a.offer[k], b.offer.get(k))}
            if changed:
                details.append(
                    f"step {a.seq}: offer {a.offer['offer_id']} differs: "
                    + ", ".join(f"{k} {x} -> {y}" for k, (x, y) in changed.items())
                )
        for clock in sorted(set(a.deadlines) & set(b.deadlines)):
            if not _same_time(a.deadlines[clock], b.deadlines[clock]):
                details.append(
                    f"step {a.seq} ({a.action}): {clock} due {a.deadlines[clock]} after filing -> {b.deadlines[clock]}"
                )
    else:
        if len(control) != len(proposed):
            headline.append(f"the case's policy takes {len(control)} steps, the proposed one {len(proposed)}")
    escalations = (
        sum(1 for s in control if s.action == "escalated"),
        sum(1 for s in proposed if s.action == "escalated"),
    )
    if escalations[0] != escalations[1]:
        headline.append(f"escalations: {escalations[0]} -> {escalations[1]}")
    headline += [f"refused under the proposed policy: {r}" for r in refused]
    return list(dict.fromkeys(headline + details))[:MAX_PATH_DIFFERENCES]


# ---- the proposed policy ----------------------------------------------------------------------------------


def _merge(base: Any, patch: Any) -> Any:
    if isinstance(base, dict) and isinstance(patch, Mapping):
        return {**base, **{k: _merge(base.get(k), v) for k, v in patch.items()}}
    return patch


def proposed_policies(raw: Mapping[str, Any], *, merge: bool, bases: Mapping[str, Policy]) -> dict[str, Policy]:
    """The policy each case runs under in the proposed variant. A partial policy is refused unless `merge`
    says to lay it over each case's own policy; the proposal must carry a version name of its own."""
    problems = []
    version = raw.get("version")
    if not isinstance(version, str) or not version.strip():
        problems.append("policy.version: required: name the proposal (a name no case's policy already uses)")
    elif version == Policy.model_fields["version"].default:
        problems.append(
            f"policy.version: {version!r} is the name a policy gets when it has none (seeded cases use "
            "it): give the proposal its own name"
        )
    missing = sorted(set(Policy.model_fields) - set(raw) - {"version"})
    if missing and not merge:
        problems += [
            f"policy.{name}: missing: send the whole policy, or set merge=true to apply the sections you "
            "give onto each case's own policy"
            for name in missing
        ]
    if problems:
        raise PolicyError(problems)
    out = {}
    for cid, base in bases.items():
        data = _merge(base.model_dump(mode="json"), raw) if merge else dict(raw)
        policy = parse_policy(data, source="policy")
        if policy.version == base.version and policy != base:
            raise PolicyError(
                [
                    (
                        f"policy.version: {version!r} is already the version of the policy case {cid} "
                        "ran under; give the proposal its own name"
                    )
                ]
            )
        out[cid] = policy
    return out


def policy_diff(base: Policy, proposed: Policy) -> list[PolicyDifference]:
    return diff(
        base.model_dump(mode="json"), proposed.model_dump(mode="json"), base.version, proposed.version
    ).differences
