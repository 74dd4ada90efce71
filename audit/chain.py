"""The tamper-evident audit log: one global hash chain over the `audit_log` table.

Each row's hash is sha256 over a canonical JSON of its content plus the previous row's hash, so
editing a row breaks its own hash, and deleting, inserting or reordering rows breaks a link.
Appends use the caller's session: the record commits (or rolls back) together with the read model.
"""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_jsonable_python
from sqlalchemy import select, text
from sqlmodel import Session

from models.tables import AuditLog

GENESIS_HASH = "0" * 64

# One fixed key for pg_advisory_xact_lock: every appender in every process contends on the same
# lock, which is what a single chain needs. The value is arbitrary ("AUDITLOG" in ASCII) but must
# never change, or old and new code would append concurrently during a rolling deploy.
_PG_CHAIN_LOCK_KEY = 0x4155_4449_544C_4F47


class ChainVerdict(BaseModel):
    ok: bool
    checked: int
    first_broken_id: int | None = None
    reason: str | None = None


def canonical_at(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("audit times must be timezone-aware UTC")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def compute_hash(*, event_key: str, complaint_id: str | None, at: datetime, actor_kind: str,
                 actor_id: str, action: str, reason: str, stage_before: str | None,
                 stage_after: str | None, details: dict, prev_hash: str) -> str:
    content = {
        "event_key": event_key, "complaint_id": complaint_id, "at": canonical_at(at),
        "actor_kind": actor_kind, "actor_id": actor_id, "action": action, "reason": reason,
        "stage_before": stage_before, "stage_after": stage_after, "details": details,
        "prev_hash": prev_hash,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                           allow_nan=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def row_hash(row: AuditLog) -> str:
    return compute_hash(
        event_key=row.event_key, complaint_id=row.complaint_id, at=row.at, actor_kind=row.actor_kind,
        actor_id=row.actor_id, action=row.action, reason=row.reason, stage_before=row.stage_before,
        stage_after=row.stage_after, details=row.details, prev_hash=row.prev_hash)


def _normalize_details(details: dict | None) -> dict[str, Any]:
    """What is hashed must be exactly what the JSON column gives back: JSON-native values only."""
    if not details:
        return {}
    return json.loads(json.dumps(to_jsonable_python(details), allow_nan=False))


def _lock_chain(session: Session) -> None:
    """Serialize appenders until the caller's transaction ends, so two never read the same tail."""
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_CHAIN_LOCK_KEY})
    elif dialect == "sqlite":
        # pysqlite opens a transaction lazily at the first write. If the caller already wrote, this
        # connection holds SQLite's write lock; otherwise take it now (BEGIN IMMEDIATE) before reading
        # the tail, so a concurrent appender waits instead of forking the chain.
        raw = connection.connection.driver_connection
        if not raw.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        raise RuntimeError(f"audit chain locking is not implemented for {dialect}")


def append_record(session: Session, *, event_key: str, complaint_id: str | None, at: datetime,
                  actor_kind: str, actor_id: str, action: str, reason: str = "",
                  stage_before: str | None = None, stage_after: str | None = None,
                  details: dict | None = None) -> AuditLog:
    """Append one record to the chain; a retry with the same event_key returns the existing row.

    The caller commits. Under PostgreSQL the session must use READ COMMITTED (the default) so the
    tail read after the lock sees the previous appender's committed row.
    """
    _lock_chain(session)
    existing = session.execute(select(AuditLog).where(AuditLog.event_key == event_key)).scalars().first()
    if existing is not None:
        return existing
    tail = session.execute(select(AuditLog.hash).order_by(AuditLog.id.desc()).limit(1)).scalars().first()
    prev_hash = tail or GENESIS_HASH
    at_utc = at.astimezone(UTC) if at.tzinfo else at  # a naive time is refused in canonical_at
    clean = _normalize_details(details)
    digest = compute_hash(event_key=event_key, complaint_id=complaint_id, at=at_utc, actor_kind=actor_kind,
                          actor_id=actor_id, action=action, reason=reason, stage_before=stage_before,
                          stage_after=stage_after, details=clean, prev_hash=prev_hash)
    row = AuditLog(event_key=event_key, complaint_id=complaint_id, at=at_utc, actor_kind=str(actor_kind),
                   actor_id=actor_id, action=action, reason=reason, stage_before=stage_before,
                   stage_after=stage_after, details=clean, prev_hash=prev_hash, hash=digest)
    session.add(row)
    session.flush()
    return row


def verify_chain(session: Session, batch_size: int = 1000) -> ChainVerdict:
    """Walk the chain in id order; report the first row whose content or link does not hold."""
    expected_prev = GENESIS_HASH
    checked = 0
    rows = session.execute(select(AuditLog).order_by(AuditLog.id).execution_options(yield_per=batch_size))
    for row in rows.scalars():
        checked += 1
        if row.prev_hash != expected_prev:
            return ChainVerdict(ok=False, checked=checked, first_broken_id=row.id,
                                reason="link broken: prev_hash does not match the preceding row's hash "
                                       "(a row before it was deleted, inserted or reordered)")
        if row_hash(row) != row.hash:
            return ChainVerdict(ok=False, checked=checked, first_broken_id=row.id,
                                reason="content altered: the row's fields no longer match its hash")
        expected_prev = row.hash
    return ChainVerdict(ok=True, checked=checked)
