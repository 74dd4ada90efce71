"""Timeline building against a recorded history: consistent when log and history agree, and every kind of
disagreement named (SQLite and PostgreSQL)."""

from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session

from activities.records import append_transition, event_key
from audit.history import completed_activity_event_ids, history_from_json, scheduled_records
from audit.timeline import build_timeline, to_csv
from core.db import session_scope
from core.temporal import data_converter

HISTORY = Path(__file__).resolve().parent.parent / "histories" / "tier3_reopened_then_closed_by_supervisor.json"


async def _recorded():
    history = history_from_json(HISTORY.read_text(encoding="utf-8"))
    return history, await scheduled_records(history, data_converter())


def _write_log(engine, scheduled, skip_seq: int | None = None) -> None:
    """What the record activities write to the audit chain, one row per scheduled record."""
    with session_scope(engine) as session:
        for s in scheduled:
            if s.record.seq != skip_seq:
                append_transition(session, s.record)


def _timeline(engine, history, scheduled):
    cid = scheduled[0].record.complaint_id
    with Session(engine) as session:
        return build_timeline(session, cid, scheduled, completed_activity_event_ids(history))


async def test_log_and_history_agree_and_the_story_reads_in_order(chain_engine):
    history, scheduled = await _recorded()
    _write_log(chain_engine, scheduled)
    timeline = _timeline(chain_engine, history, scheduled)
    assert timeline.consistent, timeline.problems
    actions = [e.action for e in timeline.entries]
    assert actions[0] == "filed" and actions[-1] == "closed"
    assert actions.count("offer_declined") == 2 and "tier3_approved" in actions and "reopened" in actions
    assert [e.seq for e in timeline.entries] == sorted(e.seq for e in timeline.entries)
    approved = next(e for e in timeline.entries if e.action == "tier3_approved")
    assert approved.summary.startswith("Supervisor super1 approved the tier-3 offer")
    assert to_csv(timeline).count("\n") == len(timeline.entries) + 1 + len(timeline.money_lines)


async def test_a_tier3_timeline_says_why_and_keeps_the_money_apart(chain_engine):
    history, scheduled = await _recorded()
    _write_log(chain_engine, scheduled)
    timeline = _timeline(chain_engine, history, scheduled)
    by_seq = {e.seq: e for e in timeline.entries}
    tier3 = next(
        e
        for e in timeline.entries
        if e.action == "offer_made" and e.amounts.get("refund_minor") and "tier 3 (platform_advance)" in e.rules
    )
    assert tier3.policy_version == scheduled[0].record.snapshot.policy_version
    assert "platform pays the consumer at once; recovered from the merchant, who is liable" in tier3.rules
    assert tier3.amounts == {"refund_minor": 19900, "gift_coupon_minor": 995, "gift_points": 100}
    assert [(c.field, c.before, c.after) for c in tier3.changes] == [("offer.O3.status", None, "awaiting_approval")]
    raised = next(e for e in timeline.entries if e.action == "tier_raised" and e.changes[0].after == "platform_advance")
    assert (
        raised.by_policy
        and raised.triggered_by == "the consumer " + by_seq[raised.seq - 2].actor_id + " declined offer O2"
    )
    assert raised.summary.startswith("By policy, after the consumer") and "declined offer O2" in raised.summary
    assert [(c.field, c.before, c.after) for c in raised.changes] == [("tier", "refund_plus_gift", "platform_advance")]
    suggested = next(e for e in timeline.entries if e.action == "classification_suggested")
    assert any(r.startswith("keyword 'defect'") for r in suggested.rules)
    assert {c.field for c in suggested.changes} >= {"classification.type", "classification.severity"}
    resumed = next(e for e in timeline.entries if e.action == "clock_resumed")
    assert resumed.by_policy and any(c.field.startswith("deadline.") and c.before and c.after for c in resumed.changes)
    penalty = next(e for e in timeline.entries if e.action == "penalty")
    assert penalty.by_policy and any("deposit deduction 10000" in r for r in penalty.rules)
    assert timeline.money_totals_minor == {
        "paid": 19900,
        "recovered": 19900,
        "penalty": 10000,
        "coupon": 995,
        "points": 100,
        "reversal": 0,
    }
    lines = {line.label: line.words for line in timeline.money_lines}
    assert lines["paid to the consumer"] == "199.00 CNY" and lines["recovered from the liable party"] == "199.00 CNY"


async def test_a_record_missing_from_the_log_and_an_altered_field_are_both_named(chain_engine):
    history, scheduled = await _recorded()
    dropped = next(s for s in scheduled if s.record.action == "offer_declined")
    _write_log(chain_engine, scheduled, skip_seq=dropped.record.seq)
    reviewed_seq = next(s for s in scheduled if s.record.action == "supervisor_review").record.seq
    with chain_engine.begin() as conn:
        conn.execute(
            text("UPDATE audit_log SET actor_id = 'someone-else' WHERE event_key = :k"),
            {"k": event_key(dropped.record.complaint_id, reviewed_seq)},
        )
    timeline = _timeline(chain_engine, history, scheduled)
    assert not timeline.consistent
    assert any(
        f"history event {dropped.event_id}" in p and "missing from the audit log" in p for p in timeline.problems
    )
    assert any("no longer matches its hash" in p for p in timeline.problems)
    assert any(f"seq {reviewed_seq}) disagrees" in p and "actor_id" in p for p in timeline.problems)
    gap = next(e for e in timeline.entries if e.seq == dropped.record.seq)
    assert gap.source == "history" and gap.audit_id is None


async def test_without_a_history_the_timeline_is_the_log_alone_and_says_so(chain_engine):
    history, scheduled = await _recorded()
    _write_log(chain_engine, scheduled)
    with Session(chain_engine) as session:
        timeline = build_timeline(session, scheduled[0].record.complaint_id, None)
    assert not timeline.consistent and timeline.problems == ["Temporal history unavailable: audit log only"]
    assert len(timeline.entries) == len(scheduled) and {e.source for e in timeline.entries} == {"audit"}
