"""The keyed, anchored chain: what a database writer without the key can no longer hide (SQLite and PostgreSQL).

The attacker here has full write access to the database and knows the published formulas, not the key.
"""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from audit.anchors import AnchorCheckpoint, read_anchor_file, read_head, write_anchor_file
from audit.chain import (
    DEV_CHAIN_KEY,
    GENESIS_HASH,
    ChainKeyMissing,
    append_record,
    compute_hash,
    content_digest,
    keyed_link,
    use_chain_key,
)
from audit.chain_verify import verify_chain
from core.db import session_scope
from models.tables import AuditLog

T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def _append(engine: Engine, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        with session_scope(engine) as s:
            append_record(
                s,
                event_key=f"k-{i}",
                complaint_id="c-1",
                at=T0 + timedelta(minutes=i),
                actor_kind="agent",
                actor_id="agent-7",
                action=f"step_{i}",
                details={"amount_minor": i},
            )


def _fields(row: AuditLog) -> dict:
    return dict(
        event_key=row.event_key,
        complaint_id=row.complaint_id,
        at=row.at,
        actor_kind=row.actor_kind,
        actor_id=row.actor_id,
        action=row.action,
        reason=row.reason,
        stage_before=row.stage_before,
        stage_after=row.stage_after,
        details=row.details,
    )


def _rehash_from(engine: Engine, first_id: int, formula: str) -> None:
    """What an attacker without the key does after editing a row: recompute every later hash and link."""
    with session_scope(engine) as s:
        rows = s.execute(select(AuditLog).order_by(AuditLog.id)).scalars().all()
        prev = GENESIS_HASH
        for row in rows:
            if row.id >= first_id:
                s.execute(text("UPDATE audit_log SET hash = hash || '-old' WHERE id = :id"), {"id": row.id})
                row.prev_hash = prev
                row.hash = (
                    compute_hash(**_fields(row), prev_hash=prev)
                    if formula == "legacy"
                    else keyed_link(prev, content_digest(**_fields(row)), b"a guessed key")
                )
                s.flush()
            prev = row.hash


def _verdict(engine: Engine, anchors: list[AnchorCheckpoint] | None = None):
    with session_scope(engine) as s:
        return verify_chain(s, anchors=anchors)


def _anchor(engine: Engine) -> AnchorCheckpoint:
    with session_scope(engine) as s:
        return AnchorCheckpoint(**read_head(s).model_dump(), source="test")


def test_rows_chained_with_the_old_unkeyed_formula_still_verify_and_are_counted(chain_engine):
    with session_scope(chain_engine) as s:  # what the previous release wrote
        prev = GENESIS_HASH
        for i in range(3):
            fields = dict(
                event_key=f"old-{i}",
                complaint_id="c-0",
                at=T0,
                actor_kind="system",
                actor_id="w",
                action="old",
                reason="",
                stage_before=None,
                stage_after=None,
                details={"i": i},
            )
            digest = compute_hash(**fields, prev_hash=prev)
            s.add(AuditLog(**fields, prev_hash=prev, hash=digest))
            s.flush()
            prev = digest
    _append(chain_engine, 2)
    verdict = _verdict(chain_engine)
    assert verdict.ok, verdict
    assert (verdict.legacy_rows, verdict.keyed_rows) == (3, 2)
    assert any("legacy unkeyed formula" in f for f in verdict.findings)


@pytest.mark.parametrize("formula", ["legacy", "guessed key"])
def test_an_edit_and_a_full_rehash_without_the_key_is_reported(chain_engine, formula):
    _append(chain_engine, 5)
    with session_scope(chain_engine) as s:
        ids = list(s.execute(select(AuditLog.id).order_by(AuditLog.id)).scalars())
    with chain_engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET reason = 'nothing happened' WHERE id = :id"), {"id": ids[2]})
    _rehash_from(chain_engine, ids[2], formula)
    verdict = _verdict(chain_engine)
    assert (verdict.ok, verdict.first_broken_id) == (False, ids[2])
    expected = "rewritten without the key" if formula == "legacy" else "did not have the chain key"
    assert expected in verdict.reason


def test_a_rehash_of_the_whole_chain_with_the_public_formula_is_caught_by_an_anchor(chain_engine):
    _append(chain_engine, 4)
    anchor = _anchor(chain_engine)
    _rehash_from(chain_engine, 0, "legacy")  # every row: no keyed row is left to betray it
    assert _verdict(chain_engine).ok  # without an anchor, a legacy chain is all there is to check
    verdict = _verdict(chain_engine, [anchor])
    assert not verdict.ok and verdict.first_broken_id == anchor.seq
    assert "no longer carries the hash anchored" in verdict.reason and "full rehash" in verdict.reason


def test_deleting_the_newest_rows_is_reported_against_the_last_anchor(chain_engine, tmp_path):
    _append(chain_engine, 6)
    anchors = write_anchor_file(tmp_path / "anchors.jsonl", _anchor(chain_engine))
    with chain_engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log ORDER BY id DESC LIMIT 2)"))
    unanchored = _verdict(chain_engine)
    assert unanchored.ok and "no anchor checked" in unanchored.findings[-1]  # a shortened chain is still a chain
    verdict = _verdict(chain_engine, read_anchor_file(tmp_path / "anchors.jsonl"))
    assert not verdict.ok and verdict.first_broken_id == anchors.seq
    assert "newest rows deleted" in verdict.reason and "at least 2 row(s)" in verdict.reason
    assert f"anchored {anchors.at.isoformat(timespec='seconds')} (file:" in verdict.reason


def test_rows_after_the_last_anchor_are_counted_as_unanchored(chain_engine):
    _append(chain_engine, 2)
    anchor = _anchor(chain_engine)
    _append(chain_engine, 3, start=2)
    verdict = _verdict(chain_engine, [anchor])
    assert verdict.ok and (verdict.anchors_checked, verdict.last_anchor_seq, verdict.unanchored_rows) == (
        1,
        anchor.seq,
        3,
    )


def test_without_a_key_outside_dev_mode_nothing_is_appended(chain_engine, monkeypatch):
    from core import settings as settings_module

    use_chain_key(None)
    monkeypatch.setenv("DEV_MODE", "false")
    monkeypatch.delenv("AUDIT_CHAIN_KEY", raising=False)
    settings_module.get_settings.cache_clear()
    try:
        with pytest.raises(ChainKeyMissing), session_scope(chain_engine) as s:
            append_record(s, event_key="x", complaint_id=None, at=T0, actor_kind="system", actor_id="x", action="y")
        monkeypatch.setenv("AUDIT_CHAIN_KEY", "a-real-secret-from-the-vault")
        settings_module.get_settings.cache_clear()
        _append(chain_engine, 1)
        use_chain_key(DEV_CHAIN_KEY)  # the wrong key: the row no longer verifies
        assert not _verdict(chain_engine).ok
    finally:
        use_chain_key(None)
        settings_module.get_settings.cache_clear()
