"""A case's timeline in plain words, built from the audit log and checked against the Temporal history.

Every transition the workflow makes is scheduled as a `record_transition` activity (its input, with the
full case snapshot, is in the history) and written by that activity to the audit log. The timeline walks
the audit rows and pairs each with its history event, so an entry is only "consistent" when both sources
say the same thing; anything only one side has, or any field they disagree on, is reported as a problem.
"""

import csv
import io
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import select
from sqlmodel import Session

from audit.chain import row_hash
from audit.history import ScheduledRecord
from audit.timeline_why import TOTAL_LINES, Change, MoneyMove, explain, money_of, totals_of, trigger_words
from audit.timeline_words import action_words, actor_words, money_words
from models.tables import AuditLog

COMPARED_FIELDS = ("at", "actor_kind", "actor_id", "action", "reason", "stage_before", "stage_after")


class SlaClock(BaseModel):
    name: str
    due_at: datetime
    paused: bool
    breached: bool


class MoneyLine(BaseModel):
    kind: str
    label: str
    amount_minor: int
    words: str


class TimelineEntry(BaseModel):
    seq: int | None
    audit_id: int | None
    history_event_id: int | None
    source: Literal["audit+history", "audit", "history"]
    at: datetime
    actor_kind: str
    actor_id: str
    action: str
    summary: str
    reason: str
    stage_before: str | None
    stage_after: str | None
    sla: list[SlaClock]
    money: MoneyMove | None = None
    rules: list[str] = []
    policy_version: str | None = None
    amounts: dict[str, int] = {}
    changes: list[Change] = []
    by_policy: bool = False
    triggered_by: str | None = None


class Timeline(BaseModel):
    complaint_id: str
    entries: list[TimelineEntry]
    consistent: bool
    problems: list[str]
    money_totals_minor: dict[str, int]
    money_lines: list[MoneyLine] = []
    currency: str
    legacy: bool = False
    note: str | None = None


def _sla(snapshot: dict[str, Any]) -> list[SlaClock]:
    return [
        SlaClock(name=c["name"], due_at=c["due_at"], paused=c.get("paused", False), breached=c.get("breached", False))
        for c in snapshot.get("clocks", [])
    ]


def _entry(row: AuditLog, event_id: int | None, source: str) -> tuple[TimelineEntry, dict[str, Any]]:
    details = row.details or {}
    snapshot = details.get("snapshot", {})
    entry = TimelineEntry(
        seq=details.get("seq"),
        audit_id=row.id,
        history_event_id=event_id,
        source=source,
        at=row.at,
        actor_kind=row.actor_kind,
        actor_id=row.actor_id,
        action=row.action,
        summary="",
        reason=row.reason,
        stage_before=row.stage_before,
        stage_after=row.stage_after,
        sla=_sla(snapshot),
        money=money_of(row.action, details, snapshot),
    )
    return entry, details


def _explain(raw: list[tuple[TimelineEntry, dict[str, Any]]]) -> None:
    """Second pass, in story order: before/after against the previous snapshot, and who caused what."""
    previous: dict[str, Any] | None = None
    last_act: str | None = None
    for entry, details in raw:
        snapshot = details.get("snapshot") or {}
        why = explain(
            action=entry.action,
            actor_kind=entry.actor_kind,
            details=details,
            reason=entry.reason,
            snapshot=snapshot,
            previous_snapshot=previous,
            last_person_act=last_act,
        )
        entry.rules, entry.policy_version, entry.amounts = why.rules, why.policy_version, why.amounts
        entry.changes, entry.by_policy, entry.triggered_by = why.changes, why.by_policy, why.triggered_by
        words = action_words(entry.action, details, entry.reason)
        if entry.actor_kind == "deadline":
            entry.summary = f"By policy, at the {entry.actor_id.removeprefix('deadline:')} deadline: {words}"
        elif why.by_policy:
            entry.summary = f"By policy, after {last_act}: {words}" if last_act else f"By policy: {words}"
        else:
            entry.summary = f"{actor_words(entry.actor_kind, entry.actor_id)} {words}"
            if entry.seq is not None:
                last_act = trigger_words(entry.actor_kind, entry.actor_id, entry.action, details, entry.reason)
        if snapshot:
            previous = snapshot


def _disagreements(row: AuditLog, scheduled: ScheduledRecord) -> list[str]:
    rec = scheduled.record
    expected = {
        "at": rec.at,
        "actor_kind": rec.actor_kind.value,
        "actor_id": rec.actor_id,
        "action": rec.action,
        "reason": rec.reason,
        "stage_before": rec.stage_before.value if rec.stage_before else None,
        "stage_after": rec.stage_after.value,
    }
    wrong = [f for f in COMPARED_FIELDS if getattr(row, f) != expected[f]]
    details = dict(row.details or {})
    if details.pop("snapshot", None) != rec.snapshot.model_dump(mode="json"):
        wrong.append("snapshot")
    details.pop("seq", None)
    if details != rec.details:
        wrong.append("details")
    return wrong


def build_timeline(
    session: Session,
    complaint_id: str,
    scheduled: list[ScheduledRecord] | None,
    completed_event_ids: set[int] | None = None,
) -> Timeline:
    """`scheduled` is None when the history is unavailable (then the timeline says so and is inconsistent).

    `completed_event_ids` are the scheduled events whose record activity finished; a record missing from the
    audit log is a problem only once its activity completed (before that it is simply still in flight).
    """
    rows = (
        session.execute(select(AuditLog).where(AuditLog.complaint_id == complaint_id).order_by(AuditLog.id))
        .scalars()
        .all()
    )
    problems: list[str] = [] if scheduled is not None else ["Temporal history unavailable: audit log only"]
    by_seq = {s.record.seq: s for s in scheduled or []}
    entries: list[tuple[TimelineEntry, dict[str, Any]]] = []
    seen: set[int] = set()
    for row in rows:
        if row_hash(row) != row.hash:
            problems.append(f"audit row {row.id} ({row.action}) no longer matches its hash: altered")
        seq = (row.details or {}).get("seq")
        match = by_seq.get(seq) if seq is not None else None
        if seq is None:
            entries.append(_entry(row, None, "audit"))  # written by the API (e.g. a personal-data read)
            continue
        seen.add(seq)
        if match is None:
            if scheduled is not None:
                problems.append(f"audit row {row.id} (seq {seq}, {row.action}) has no record in the history")
            entries.append(_entry(row, None, "audit"))
            continue
        wrong = _disagreements(row, match)
        if wrong:
            problems.append(
                f"audit row {row.id} (seq {seq}) disagrees with history event {match.event_id} on: {', '.join(wrong)}"
            )
        entries.append(_entry(row, match.event_id, "audit+history"))
    for seq, sched in sorted(by_seq.items()):
        if seq in seen:
            continue
        done = completed_event_ids is None or sched.event_id in completed_event_ids
        if done:
            problems.append(
                f"history event {sched.event_id} (seq {seq}, {sched.record.action}) is missing from the audit log"
            )
        entries.append(_history_only(sched))
    entries.sort(key=lambda e: (e[0].at, e[0].seq if e[0].seq is not None else -1))
    _explain(entries)
    currency = _currency(rows)
    return with_totals(
        Timeline(
            complaint_id=complaint_id,
            entries=[e for e, _ in entries],
            consistent=not problems,
            problems=problems,
            money_totals_minor={},
            currency=currency,
        )
    )


def with_totals(timeline: Timeline) -> Timeline:
    """Money in separate lines: paid to the consumer, recovered, penalties, coupons, points, reversed."""
    totals = totals_of([e.money for e in timeline.entries if e.money])
    timeline.money_totals_minor = totals
    timeline.money_lines = [
        MoneyLine(
            kind=kind,
            label=label,
            amount_minor=totals[kind],
            words=str(totals[kind]) if kind == "points" else money_words(totals[kind], timeline.currency),
        )
        for kind, label in TOTAL_LINES.items()
    ]
    return timeline


def _history_only(sched: ScheduledRecord) -> tuple[TimelineEntry, dict[str, Any]]:
    rec = sched.record
    snapshot = rec.snapshot.model_dump(mode="json")
    details = {**rec.details, "seq": rec.seq, "snapshot": snapshot}
    entry = TimelineEntry(
        seq=rec.seq,
        audit_id=None,
        history_event_id=sched.event_id,
        source="history",
        at=rec.at,
        actor_kind=rec.actor_kind.value,
        actor_id=rec.actor_id,
        action=rec.action,
        summary="",
        reason=rec.reason,
        stage_before=rec.stage_before.value if rec.stage_before else None,
        stage_after=rec.stage_after.value,
        sla=_sla(snapshot),
        money=money_of(rec.action, details, snapshot),
    )
    return entry, details


def _currency(rows: list[AuditLog]) -> str:
    for row in rows:
        order = ((row.details or {}).get("snapshot") or {}).get("order") or {}
        if order.get("currency"):
            return order["currency"]
    return "CNY"


# ---- exports ---------------------------------------------------------------------------------------------

CSV_COLUMNS = [
    "at",
    "seq",
    "history_event_id",
    "audit_id",
    "source",
    "actor_kind",
    "actor_id",
    "action",
    "summary",
    "reason",
    "by_policy",
    "triggered_by",
    "rules",
    "policy_version",
    "amounts",
    "changes",
    "stage_before",
    "stage_after",
    "sla",
    "money_kind",
    "money_step",
    "money_amount_minor",
    "money",
    "money_parties",
]


def sla_words(clocks: list[SlaClock]) -> str:
    parts = []
    for c in clocks:
        state = "BREACHED" if c.breached else ("paused" if c.paused else "running")
        parts.append(f"{c.name} due {c.due_at.isoformat()} ({state})")
    return "; ".join(parts)


def to_csv(timeline: Timeline) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for e in timeline.entries:
        m = e.money
        writer.writerow(
            {
                "at": e.at.isoformat(),
                "seq": e.seq,
                "history_event_id": e.history_event_id,
                "audit_id": e.audit_id,
                "source": e.source,
                "actor_kind": e.actor_kind,
                "actor_id": e.actor_id,
                "action": e.action,
                "summary": e.summary,
                "reason": e.reason,
                "by_policy": "yes" if e.by_policy else "",
                "triggered_by": e.triggered_by or "",
                "rules": "; ".join(e.rules),
                "policy_version": e.policy_version or "",
                "amounts": "; ".join(f"{k}={v}" for k, v in e.amounts.items()),
                "changes": "; ".join(f"{c.field}: {c.before} -> {c.after}" for c in e.changes),
                "stage_before": e.stage_before or "",
                "stage_after": e.stage_after or "",
                "sla": sla_words(e.sla),
                "money_kind": m.kind if m else "",
                "money_step": m.step if m else "",
                "money_amount_minor": m.amount_minor if m else "",
                "money": money_words(m.amount_minor, timeline.currency) if m and m.kind != "points" else "",
                "money_parties": m.parties if m else "",
            }
        )
    for line in timeline.money_lines:
        writer.writerow(
            {
                "action": "total",
                "summary": f"{line.label}: {line.words}",
                "money_kind": line.kind,
                "money_amount_minor": line.amount_minor,
            }
        )
    return out.getvalue()
