"""The hash chain on SQLite and PostgreSQL: tamper detection, idempotency, concurrent appenders."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from audit.chain import GENESIS_HASH, append_record
from audit.chain_verify import verify_chain
from core.db import session_scope
from models.tables import AuditLog

T0 = datetime(2026, 3, 1, 9, 30, 0, 123456, tzinfo=UTC)


def _append(engine: Engine, n: int, prefix: str = "c-1") -> list[int]:
    ids = []
    for i in range(n):
        with session_scope(engine) as s:
            row = append_record(
                s,
                event_key=f"{prefix}:{i}",
                complaint_id=prefix,
                at=T0 + timedelta(minutes=i),
                actor_kind="agent",
                actor_id="agent-7",
                action=f"step_{i}",
                reason=f"because {i}",
                stage_before="intake",
                stage_after="classification",
                details={"refund_minor": 100 * i, "when": T0, "nested": {"b": 1, "a": [1, 2]}},
            )
            ids.append(row.id)
    return ids


def _verdict(engine: Engine):
    with session_scope(engine) as s:
        return verify_chain(s)


def test_appends_form_one_chain_from_genesis(chain_engine):
    ids = _append(chain_engine, 4)
    with session_scope(chain_engine) as s:
        rows = s.execute(select(AuditLog).order_by(AuditLog.id)).scalars().all()
    assert [r.id for r in rows] == ids
    assert rows[0].prev_hash == GENESIS_HASH
    assert all(rows[i].prev_hash == rows[i - 1].hash for i in range(1, 4))
    assert rows[0].details["when"] == "2026-03-01T09:30:00.123456Z"  # stored JSON-native, as hashed
    verdict = _verdict(chain_engine)
    assert (verdict.ok, verdict.checked, verdict.first_broken_id, verdict.keyed_rows) == (True, 4, None, 4)
    assert all(r.hash.startswith("h1:") for r in rows)


def test_editing_a_reason_is_detected_at_that_row(chain_engine):
    ids = _append(chain_engine, 5)
    with chain_engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET reason = 'nothing to see' WHERE id = :id"), {"id": ids[2]})
    verdict = _verdict(chain_engine)
    assert (verdict.ok, verdict.first_broken_id, verdict.checked) == (False, ids[2], 5)
    assert "content altered" in verdict.reason


def test_editing_details_is_detected(chain_engine):
    ids = _append(chain_engine, 3)
    with session_scope(chain_engine) as s:
        row = s.get(AuditLog, ids[1])
        row.details = {**row.details, "refund_minor": 999999}
    assert _verdict(chain_engine).first_broken_id == ids[1]


def test_edit_with_its_own_hash_recomputed_is_caught_by_the_next_link(chain_engine):
    from audit.chain import row_hash

    ids = _append(chain_engine, 4)
    with session_scope(chain_engine) as s:
        row = s.get(AuditLog, ids[1])
        row.reason = "rewritten"
        row.hash = row_hash(row)  # with the key: only an insider holding it could do even this
    verdict = _verdict(chain_engine)
    assert (verdict.ok, verdict.first_broken_id) == (False, ids[2])
    assert "link broken" in verdict.reason


def test_deleting_a_middle_row_is_detected_at_the_next(chain_engine):
    ids = _append(chain_engine, 5)
    with chain_engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": ids[2]})
    verdict = _verdict(chain_engine)
    assert (verdict.ok, verdict.first_broken_id, verdict.checked) == (False, ids[3], 4)


def test_swapping_two_rows_is_detected(chain_engine):
    ids = _append(chain_engine, 4)
    cols = "event_key, complaint_id, at, actor_kind, actor_id, action, reason, details, prev_hash, hash"
    with chain_engine.begin() as conn:
        a = conn.execute(text(f"SELECT {cols} FROM audit_log WHERE id = :id"), {"id": ids[1]}).mappings().one()
        b = conn.execute(text(f"SELECT {cols} FROM audit_log WHERE id = :id"), {"id": ids[2]}).mappings().one()
        # move both out of the way of the unique constraints, then write each into the other's slot
        conn.execute(
            text("UPDATE audit_log SET event_key = event_key || '-x', hash = hash || '-x' WHERE id IN (:a, :b)"),
            {"a": ids[1], "b": ids[2]},
        )
        for target, src in ((ids[1], b), (ids[2], a)):
            conn.execute(
                text(
                    "UPDATE audit_log SET event_key=:event_key, reason=:reason, action=:action, "
                    "prev_hash=:prev_hash, hash=:hash WHERE id=:id"
                ),
                {**{k: src[k] for k in ("event_key", "reason", "action", "prev_hash", "hash")}, "id": target},
            )
    verdict = _verdict(chain_engine)
    assert (verdict.ok, verdict.first_broken_id) == (False, ids[1])


def test_append_is_idempotent_on_event_key(chain_engine):
    with session_scope(chain_engine) as s:
        first = append_record(
            s, event_key="c-9:1", complaint_id="c-9", at=T0, actor_kind="consumer", actor_id="u-1", action="filed"
        )
    with session_scope(chain_engine) as s:
        again = append_record(
            s,
            event_key="c-9:1",
            complaint_id="c-9",
            at=T0 + timedelta(seconds=5),
            actor_kind="consumer",
            actor_id="u-1",
            action="filed",
        )
        count = s.execute(select(func.count()).select_from(AuditLog)).scalar_one()
    assert (again.id, again.hash, again.at, count) == (first.id, first.hash, T0, 1)
    assert _verdict(chain_engine).ok


def test_rolled_back_append_leaves_no_gap_in_the_chain(chain_engine):
    _append(chain_engine, 2)
    with pytest.raises(RuntimeError):
        with session_scope(chain_engine) as s:
            append_record(
                s, event_key="lost", complaint_id="c-1", at=T0, actor_kind="system", actor_id="worker", action="doomed"
            )
            raise RuntimeError("the read-model update failed: the record must go too")
    _append(chain_engine, 1, prefix="c-2")
    verdict = _verdict(chain_engine)
    assert (verdict.ok, verdict.checked) == (True, 3)


def test_naive_time_is_refused(chain_engine):
    with session_scope(chain_engine) as s, pytest.raises(ValueError, match="timezone-aware"):
        append_record(
            s,
            event_key="naive",
            complaint_id=None,
            at=datetime(2026, 1, 1),
            actor_kind="system",
            actor_id="x",
            action="y",
        )


def _run_together(threads: int, work) -> None:
    """`work(n)` in `threads` threads released at once; any thread's exception fails the test."""
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            barrier.wait()
            work(n)
        except BaseException as exc:  # collected and re-raised in the test thread
            errors.append(exc)

    pool = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert errors == []


def test_concurrent_appenders_keep_one_unbroken_chain(chain_engine):
    threads, per_thread = 6, 8

    def work(n: int) -> None:
        for i in range(per_thread):
            with session_scope(chain_engine) as s:
                # every thread also retries one shared key: exactly one row may exist for it
                key = "shared:0" if i == 0 else f"t{n}:{i}"
                append_record(
                    s,
                    event_key=key,
                    complaint_id=f"c-{n}",
                    at=T0 + timedelta(seconds=i),
                    actor_kind="system",
                    actor_id=f"thread-{n}",
                    action="tick",
                )

    _run_together(threads, work)
    verdict = _verdict(chain_engine)
    assert verdict.ok, verdict
    assert verdict.checked == threads * (per_thread - 1) + 1


def test_a_transaction_of_several_appends_locks_and_reads_the_tail_once(chain_engine):
    from sqlalchemy import event

    _append(chain_engine, 1, prefix="before")
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(chain_engine, "before_cursor_execute", seen)
    try:
        with session_scope(chain_engine) as s:
            for i in range(4):
                append_record(
                    s, event_key=f"batch:{i}", complaint_id="c-b", at=T0, actor_kind="system", actor_id="w", action="x"
                )
    finally:
        event.remove(chain_engine, "before_cursor_execute", seen)
    tail_reads = [q for q in statements if "ORDER BY audit_log.id DESC" in q]
    locks = [q for q in statements if "pg_advisory_xact_lock" in q or "BEGIN IMMEDIATE" in q]
    assert (len(tail_reads), len(locks)) == (1, 1)
    verdict = _verdict(chain_engine)
    assert (verdict.ok, verdict.checked) == (True, 5)


def test_concurrent_batches_of_appends_keep_one_unbroken_chain(chain_engine):
    """Each thread appends several records per transaction, so a stale cached tail would fork the chain."""
    threads, batches, per_batch = 4, 5, 3

    def work(n: int) -> None:
        for b in range(batches):
            with session_scope(chain_engine) as s:
                for i in range(per_batch):
                    append_record(
                        s,
                        event_key=f"t{n}:{b}:{i}",
                        complaint_id=f"c-{n}",
                        at=T0,
                        actor_kind="system",
                        actor_id=f"thread-{n}",
                        action="tick",
                    )

    _run_together(threads, work)
    verdict = _verdict(chain_engine)
    assert verdict.ok, verdict
    assert verdict.checked == threads * batches * per_batch


def _entry(key: str, i: int = 0):
    from audit.chain import AuditEntry

    return AuditEntry(
        event_key=key,
        complaint_id="c-m",
        at=T0 + timedelta(seconds=i),
        actor_kind="system",
        actor_id="worker",
        action=f"step_{i}",
        reason="因为 \x07 control \u202e and 中文",
        stage_before="intake",
        stage_after="classification",
        details={"i": i, "when": T0, "nested": {"z": [1, 2], "a": None}},
    )


def test_append_records_writes_the_rows_append_record_would(chain_engine):
    """The batch path and the one-by-one path give the same rows, hash for hash."""
    from audit.chain import append_records

    entries = [_entry(f"m:{i}", i) for i in range(4)]
    with session_scope(chain_engine) as s:
        append_records(s, entries)
    with session_scope(chain_engine) as s:
        batched = [(r.event_key, r.prev_hash, r.hash, r.details) for r in s.execute(select(AuditLog)).scalars()]
        s.execute(text("DELETE FROM audit_log"))
    with session_scope(chain_engine) as s:
        for e in entries:
            append_record(s, **e.fields())
    with session_scope(chain_engine) as s:
        single = [(r.event_key, r.prev_hash, r.hash, r.details) for r in s.execute(select(AuditLog)).scalars()]
    assert batched == single and len(batched) == 4
    assert _verdict(chain_engine).ok


def test_append_records_skips_keys_already_chained_and_keeps_one_chain(chain_engine):
    from audit.chain import append_records

    _append(chain_engine, 2, prefix="before")
    with session_scope(chain_engine) as s:
        append_records(s, [_entry("r:0", 0), _entry("r:1", 1)])
    with session_scope(chain_engine) as s:  # a retried batch, one record longer, with a key repeated inside it
        append_records(s, [_entry("r:0", 0), _entry("r:1", 1), _entry("r:2", 2), _entry("r:2", 3)])
        # and a single append after the batch in the same transaction chains onto the batch's last row
        append_record(s, event_key="after", complaint_id="c-m", at=T0, actor_kind="system", actor_id="w", action="x")
    with session_scope(chain_engine) as s:
        rows = s.execute(select(AuditLog).order_by(AuditLog.id)).scalars().all()
        assert [r.event_key for r in rows] == ["before:0", "before:1", "r:0", "r:1", "r:2", "after"]
        assert next(r for r in rows if r.event_key == "r:2").action == "step_2"
    verdict = _verdict(chain_engine)
    assert (verdict.ok, verdict.checked) == (True, 6)


def test_a_rolled_back_batch_leaves_nothing_and_the_next_one_chains_from_the_old_tail(chain_engine):
    from audit.chain import append_records

    _append(chain_engine, 1, prefix="before")
    with pytest.raises(RuntimeError), session_scope(chain_engine) as s:
        append_records(s, [_entry("lost:0"), _entry("lost:1", 1)])
        raise RuntimeError("a later write of the batch was refused")
    with session_scope(chain_engine) as s:
        append_records(s, [_entry("kept:0")])
    verdict = _verdict(chain_engine)
    assert (verdict.ok, verdict.checked) == (True, 2)
