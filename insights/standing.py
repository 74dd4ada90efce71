"""Merchant standing: trusted, normal, watch or high-risk, by policy rules over the merchant's history.

`decide` is pure (unit-tested without a database). `scan_standing` computes every merchant's inputs,
and for each change of tier writes, in one transaction, the new standing, its audit record with the
reason, and the tier's consequences: required deposit multiplied, listings blocked. A rectification
interview goes to the supervisors' queue as a task. A merchant never assessed stands as `normal`.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from adapters.ledger_book import lock_merchant
from adapters.ports import Notifier
from audit.chain import append_record
from core.db import session_scope
from models.enums import Stage
from models.insight_tables import InsightCase, InsightFlag, InsightOrderDay, MerchantStandingRecord
from models.policy import Policy
from models.policy_insights import StandingPolicy, TierConsequences
from models.tables import Merchant, Penalty


class Tier(StrEnum):
    TRUSTED = "trusted"
    NORMAL = "normal"
    WATCH = "watch"
    HIGH_RISK = "high_risk"


class StandingInputs(BaseModel):
    order_lines: int = 0
    complaints: int = 0
    penalties: int = 0
    surveys: int = 0
    mean_satisfaction: float | None = None
    merchant_flag: bool = False
    sku_flags: int = 0
    operator_risk_level: str = "low"


class StandingDecision(BaseModel):
    tier: Tier
    reasons: list[str]


def decide(i: StandingInputs, p: StandingPolicy) -> StandingDecision:
    rate = i.complaints / i.order_lines if i.order_lines else None
    if i.penalties >= p.high_risk_penalties:
        return StandingDecision(
            tier=Tier.HIGH_RISK,
            reasons=[f"{i.penalties} penalties in the window (high-risk from {p.high_risk_penalties})"],
        )
    if i.merchant_flag and i.penalties >= p.watch_penalties:
        return StandingDecision(tier=Tier.HIGH_RISK, reasons=["early warning active", f"{i.penalties} penalties"])
    watch = []
    if i.penalties >= p.watch_penalties:
        watch.append(f"{i.penalties} penalties in the window (watch from {p.watch_penalties})")
    if i.merchant_flag:
        watch.append("early warning active on the merchant")
    if i.sku_flags:
        watch.append(f"early warning active on {i.sku_flags} SKU(s)")
    if i.operator_risk_level == "high":
        watch.append("operator set risk level high")
    if watch:
        return StandingDecision(tier=Tier.WATCH, reasons=watch)
    missing = []
    if i.order_lines < p.trusted_min_order_lines:
        missing.append(f"{i.order_lines} order lines (trusted from {p.trusted_min_order_lines})")
    if rate is None or rate > p.trusted_max_complaint_rate:
        missing.append(
            f"complaint rate {rate if rate is None else round(rate, 4)} (trusted up to {p.trusted_max_complaint_rate})"
        )
    if i.mean_satisfaction is not None and i.mean_satisfaction < p.trusted_min_satisfaction:
        missing.append(f"satisfaction {i.mean_satisfaction} (trusted from {p.trusted_min_satisfaction})")
    if missing:
        return StandingDecision(tier=Tier.NORMAL, reasons=missing)
    return StandingDecision(
        tier=Tier.TRUSTED,
        reasons=[f"{i.order_lines} order lines, complaint rate {round(rate or 0, 4)}, no penalty, no early warning"],
    )


def consequences(tier: Tier, p: StandingPolicy) -> TierConsequences:
    return {Tier.WATCH: p.watch, Tier.HIGH_RISK: p.high_risk}.get(tier, TierConsequences())


@dataclass
class StandingReport:
    assessed: int = 0
    changed: list[str] = field(default_factory=list)


def gather(session: Session, policy: Policy, now: datetime) -> dict[str, StandingInputs]:
    since = now - policy.insights.standing.window
    merchants = dict(session.exec(select(Merchant.id, Merchant.risk_level)).all())
    inputs = {m: StandingInputs(operator_risk_level=risk) for m, risk in merchants.items()}
    lines = session.exec(
        select(InsightOrderDay.merchant_id, func.sum(InsightOrderDay.lines))
        .where(col(InsightOrderDay.grain) == "merchant", col(InsightOrderDay.day) >= since.date())
        .group_by(InsightOrderDay.merchant_id)
    ).all()
    for m, n in lines:
        if m in inputs:
            inputs[m].order_lines = int(n)
    facts = session.exec(
        select(
            InsightCase.merchant_id,
            func.count(),
            func.count(InsightCase.resolved_score),
            func.avg((InsightCase.resolved_score + InsightCase.communication_score) / 2.0),
        )
        .where(col(InsightCase.created_at) >= since, col(InsightCase.stage) != Stage.REJECTED.value)
        .group_by(InsightCase.merchant_id)
    ).all()
    for m, n, answered, mean in facts:
        if m in inputs:
            inputs[m].complaints, inputs[m].surveys = int(n), int(answered)
            inputs[m].mean_satisfaction = round(float(mean), 2) if mean is not None else None
    for m, n in session.exec(
        select(Penalty.merchant_id, func.count()).where(col(Penalty.created_at) >= since).group_by(Penalty.merchant_id)
    ).all():
        if m in inputs:
            inputs[m].penalties = int(n)
    sku_flags: Counter[str] = Counter()
    for kind, merchant in session.exec(
        select(InsightFlag.subject_kind, InsightFlag.merchant_id).where(col(InsightFlag.cleared_at).is_(None))
    ).all():
        if merchant in inputs:
            if kind == "merchant":
                inputs[merchant].merchant_flag = True
            else:
                sku_flags[merchant] += 1
    for m, n in sku_flags.items():
        inputs[m].sku_flags = n
    return inputs


def scan_standing(engine: Engine, notifier: Notifier, policy: Policy, now: datetime) -> StandingReport:
    report = StandingReport()
    with Session(engine) as session:
        inputs = gather(session, policy, now)
        current = {r.merchant_id: r for r in session.exec(select(MerchantStandingRecord)).all()}
    for merchant, i in sorted(inputs.items()):
        report.assessed += 1
        decision = decide(i, policy.insights.standing)
        record = current.get(merchant)
        before = Tier(record.tier) if record else Tier.NORMAL
        evidence = {
            "inputs": i.model_dump(mode="json"),
            "reasons": decision.reasons,
            "window_days": policy.insights.standing.window.days,
            "evaluated_at": now.isoformat(),
        }
        if decision.tier == before:
            continue
        changes = _change(engine, merchant, before, decision, evidence, policy, now)
        report.changed.append(f"{merchant}:{before.value}->{decision.tier.value}")
        rules = consequences(decision.tier, policy.insights.standing)
        if rules.rectification_interview:
            notifier.send(
                f"insights:standing:{merchant}:{changes}:interview",
                f"queue:{policy.escalation.supervisor_queue}",
                "rectification_interview",
                None,
                {"merchant_id": merchant, "tier": decision.tier.value, "reasons": decision.reasons},
            )
    return report


def _change(
    engine: Engine,
    merchant_id: str,
    before: Tier,
    decision: StandingDecision,
    evidence: dict[str, Any],
    policy: Policy,
    now: datetime,
) -> int:
    """Standing, audit record and consequences in one transaction; the standing's change number."""
    rules = consequences(decision.tier, policy.insights.standing)
    with session_scope(engine) as session:
        merchant = lock_merchant(session, merchant_id)
        record = session.get(MerchantStandingRecord, merchant_id) or MerchantStandingRecord(
            merchant_id=merchant_id, tier=Tier.NORMAL.value, reason="", since=now, computed_at=now
        )
        old_multiplier = record.deposit_multiplier
        record.deposit_multiplier = rules.deposit_multiplier
        # The required deposit follows the tier: divided back by what the old tier multiplied it by.
        merchant.deposit_required_minor = merchant.deposit_required_minor * rules.deposit_multiplier // old_multiplier
        if rules.listing_block.total_seconds() > 0:
            until = now + rules.listing_block
            current = merchant.listing_blocked_until
            merchant.listing_blocked_until = until if current is None else max(current, until)
        record.changes += 1
        record.tier, record.reason, record.since, record.computed_at = (
            decision.tier.value,
            "; ".join(decision.reasons),
            now,
            now,
        )
        record.evidence, record.policy_version = evidence, policy.version
        session.add(merchant)
        session.add(record)
        append_record(
            session,
            event_key=f"insights:standing:{merchant_id}:{record.changes}",
            complaint_id=None,
            at=now,
            actor_kind="system",
            actor_id="insights",
            action="merchant_standing_changed",
            reason=f"{before.value} -> {decision.tier.value}: {record.reason}",
            details={
                "merchant_id": merchant_id,
                "from": before.value,
                "to": decision.tier.value,
                "consequences": rules.model_dump(mode="json"),
                **evidence,
            },
        )
        return record.changes


def standing_of(session: Session, merchant_id: str) -> MerchantStandingRecord | None:
    return session.get(MerchantStandingRecord, merchant_id)
