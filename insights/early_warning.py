"""Early warning as events: evaluate every merchant and SKU, raise and clear flags with their evidence.

A raised or cleared flag is one transaction: the flag row and its audit record (audit.chain's
helper) commit together. The supervisors' notification follows through the Notifier port, keyed by
the flag and the event, so a repeated scan re-sends nothing and a lost send is re-sent next time.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from adapters.ports import Notifier
from audit.chain import append_record
from core.db import session_scope
from insights.counts import PeriodCounts, main_category, period_counts
from insights.warning import Counts, Verdict, describe, evaluate
from models.insight_tables import InsightFlag
from models.policy import Policy

ACTOR = ("system", "insights")


@dataclass
class WarningReport:
    evaluated: int = 0
    raised: list[str] = field(default_factory=list)
    cleared: list[str] = field(default_factory=list)
    active: int = 0


@dataclass
class Subject:
    kind: str
    id: str
    merchant_id: str | None
    category: str | None
    verdict: Verdict


def windows(now: datetime, policy: Policy) -> tuple[tuple[Any, Any], tuple[Any, Any]]:
    """(current days, baseline days), inclusive, whole UTC days ending with today."""
    ew = policy.insights.early_warning
    today = now.date()
    cur_days, base_days = max(1, ew.current_window.days), max(1, ew.baseline_window.days)
    first = today - timedelta(days=cur_days - 1)
    return (first, today), (first - timedelta(days=base_days), first - timedelta(days=1))


def _merchant_subjects(
    cur: PeriodCounts, base: PeriodCounts, flagged: set[tuple[str, str]], policy: Policy
) -> list[Subject]:
    ew = policy.insights.early_warning
    out = []
    candidates = {m for m, n in cur.merchant_complaints.items() if n >= ew.min_complaints}
    candidates |= {s for k, s in flagged if k == "merchant"}
    for merchant in sorted(candidates):
        category = main_category([cur, base], merchant)
        own = Counts(cur.merchant_complaints[merchant], cur.merchant_lines[merchant])
        past = Counts(base.merchant_complaints[merchant], base.merchant_lines[merchant])
        rest = Counts(0, 0)
        if category:
            rest = Counts(
                max(0, cur.category_complaints[category] - own.complaints),
                max(0, cur.category_lines[category] - cur.merchant_category_lines[(merchant, category)]),
            )
        out.append(Subject("merchant", merchant, merchant, category, evaluate(own, past, rest, ew)))
    return out


def _sku_subjects(
    cur: PeriodCounts, base: PeriodCounts, flagged: set[tuple[str, str]], policy: Policy
) -> list[Subject]:
    ew = policy.insights.early_warning
    ranked = [s for s, n in Counter(cur.sku_complaints).most_common(ew.max_subjects) if n >= ew.min_complaints]
    out = []
    for sku in sorted(set(ranked) | {s for k, s in flagged if k == "sku"}):
        merchant, category = cur.sku_owner.get(sku) or base.sku_owner.get(sku) or (None, None)
        own = Counts(cur.sku_complaints[sku], cur.sku_lines[sku])
        past = Counts(base.sku_complaints[sku], base.sku_lines[sku])
        rest = Counts(0, 0)
        if category:
            rest = Counts(
                max(0, cur.category_complaints[category] - own.complaints),
                max(0, cur.category_lines[category] - own.lines),
            )
        out.append(Subject("sku", sku, merchant, category, evaluate(own, past, rest, ew)))
    return out


def evidence_of(
    s: Subject, now: datetime, policy: Policy, current: tuple[Any, Any], baseline: tuple[Any, Any]
) -> dict[str, Any]:
    return {
        "subject_kind": s.kind,
        "subject_id": s.id,
        "merchant_id": s.merchant_id,
        "category": s.category,
        "evaluated_at": now.isoformat(),
        "current_days": [d.isoformat() for d in current],
        "baseline_days": [d.isoformat() for d in baseline],
        "policy_version": policy.version,
        "thresholds": policy.insights.early_warning.model_dump(mode="json"),
        **s.verdict.model_dump(mode="json"),
    }


def scan_warnings(engine: Engine, notifier: Notifier, policy: Policy, now: datetime) -> WarningReport:
    current, baseline = windows(now, policy)
    report = WarningReport()
    with Session(engine) as session:
        cur, base = period_counts(session, *current), period_counts(session, *baseline)
        active = {
            (f.subject_kind, f.subject_id): f
            for f in session.exec(select(InsightFlag).where(col(InsightFlag.cleared_at).is_(None))).all()
        }
    flagged = set(active)
    subjects = _merchant_subjects(cur, base, flagged, policy) + _sku_subjects(cur, base, flagged, policy)
    report.evaluated = len(subjects)
    for s in subjects:
        evidence = evidence_of(s, now, policy, current, baseline)
        flag = active.get((s.kind, s.id))
        if flag is None and s.verdict.significant:
            _raise(engine, s, evidence, now, policy)
            report.raised.append(f"{s.kind}:{s.id}")
        elif flag is not None and not s.verdict.still_significant:
            _clear(engine, flag.id or 0, s, evidence, now)
            report.cleared.append(f"{s.kind}:{s.id}")
    _deliver(engine, notifier, policy, since=now - 2 * policy.insights.scan_interval - timedelta(days=1))
    with Session(engine) as session:
        report.active = len(session.exec(select(InsightFlag.id).where(col(InsightFlag.cleared_at).is_(None))).all())
    return report


def _raise(engine: Engine, s: Subject, evidence: dict[str, Any], now: datetime, policy: Policy) -> None:
    with session_scope(engine) as session:
        flag = InsightFlag(
            subject_kind=s.kind,
            subject_id=s.id,
            merchant_id=s.merchant_id,
            category=s.category,
            raised_at=now,
            evidence=evidence,
            last_evaluated_at=now,
        )
        session.add(flag)
        session.flush()
        append_record(
            session,
            event_key=f"insights:flag:{flag.id}:raised",
            complaint_id=None,
            at=now,
            actor_kind=ACTOR[0],
            actor_id=ACTOR[1],
            action="early_warning_raised",
            reason=describe(s.kind, s.id, s.verdict),
            details={"flag_id": flag.id, **evidence},
        )


def _clear(engine: Engine, flag_id: int, s: Subject, evidence: dict[str, Any], now: datetime) -> None:
    with session_scope(engine) as session:
        flag = session.get(InsightFlag, flag_id)
        if flag is None or flag.cleared_at is not None:
            return
        flag.cleared_at, flag.clear_evidence, flag.last_evaluated_at = now, evidence, now
        session.add(flag)
        append_record(
            session,
            event_key=f"insights:flag:{flag_id}:cleared",
            complaint_id=None,
            at=now,
            actor_kind=ACTOR[0],
            actor_id=ACTOR[1],
            action="early_warning_cleared",
            reason="rate returned: " + describe(s.kind, s.id, s.verdict),
            details={"flag_id": flag_id, **evidence},
        )


def _deliver(engine: Engine, notifier: Notifier, policy: Policy, since: datetime) -> None:
    """Send (or re-send: the key makes it a no-op) the notifications of recent flag events."""
    queue = f"queue:{policy.escalation.supervisor_queue}"
    with Session(engine) as session:
        recent = session.exec(
            select(InsightFlag).where((col(InsightFlag.raised_at) >= since) | (col(InsightFlag.cleared_at) >= since))
        ).all()
    for flag in recent:
        events = [("raised", flag.evidence)]
        if flag.cleared_at is not None and flag.clear_evidence is not None:
            events.append(("cleared", flag.clear_evidence))
        for event, evidence in events:
            notifier.send(
                f"insights:flag:{flag.id}:{event}",
                queue,
                f"early_warning_{event}",
                None,
                {
                    "flag_id": flag.id,
                    "subject_kind": flag.subject_kind,
                    "subject_id": flag.subject_id,
                    "merchant_id": flag.merchant_id,
                    "rate_per_1000": evidence.get("rate_per_1000"),
                    "tests": evidence.get("tests", []),
                },
            )
