"""Timeline building against a recorded history: consistent when log and history agree, and every kind of
disagreement named (SQLite and PostgreSQL)."""

from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session

from activities.records import event_key
from audit.chain import append_record
from audit.history import completed_activity_event_ids, history_from_json, scheduled_records
from audit.timeline import build_timeline, to_csv
from core.db import session_scope
from core.temporal import data_converter

HISTORY = Path(__file__).resolve().parent.parent / "histories" / "tier3_reopened_then_closed_by_supervisor.json"


async def _recorded():
    history = history_from_json(HISTORY.read_text(encoding="utf-8"))
    return history, await scheduled_records(history, data_converter())


def _write_log(engine, scheduled, skip_seq: int | None = None) -> None:
    """What the record_transition activity writes, one row per scheduled record."""
    with session_scope(engine) as session:
        for s in scheduled:
            rec = s.record
            if rec.seq == skip_seq:
                continue
            append_record(session, event_key=event_key(rec.complaint_id, rec.seq), complaint_id=rec.complaint_id,
                          at=rec.at, actor_kind=rec.actor_kind.value, actor_id=rec.actor_id, action=rec.action,
                          reason=rec.reason, stage_before=rec.stage_before.value if rec.stage_before else None,
                          stage_after=rec.stage_after.value,
                          details={**rec.details, "seq": rec.seq, "snapshot": rec.snapshot.model_dump(mode="json")})


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
    assert timeline.money_totals_minor["paid"] > 0 and timeline.money_totals_minor.get("penalty", 0) > 0
    approved = next(e for e in timeline.entries if e.action == "tier3_approved")
    assert approved.summary.startswith("Supervisor super1 approved the tier-3 offer")
    assert to_csv(timeline).count("\n") == len(timeline.entries) + 1


async def test_a_record_missing_from_the_log_and_an_altered_field_are_both_named(chain_engine):
    history, scheduled = await _recorded()
    dropped = next(s for s in scheduled if s.record.action == "offer_declined")
    _write_log(chain_engine, scheduled, skip_seq=dropped.record.seq)
    reviewed_seq = next(s for s in scheduled if s.record.action == "supervisor_review").record.seq
    with chain_engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor_id = 'someone-else' WHERE event_key = :k"),
                     {"k": event_key(dropped.record.complaint_id, reviewed_seq)})
    timeline = _timeline(chain_engine, history, scheduled)
    assert not timeline.consistent
    assert any(f"history event {dropped.event_id}" in p and "missing from the audit log" in p
               for p in timeline.problems)
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
