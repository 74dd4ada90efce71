"""Cases whose insights facts wait to be folded, and the drain that folds them.

Why: folding a case's facts and moving its rollups inside the read-model writer's transaction cost a quarter
of the worker's time on every step (docs/PERFORMANCE.md). The writer now only marks the case (`mark`, one
upsert), and the drain claims the marks in chunks and folds each chunk at once (`facts.refold`): a day's
rollup rows move once per chunk, not once per write.

How it stays exact:
- A claim deletes the marks in the drain's own transaction, and the fold runs in that transaction. A writer
  marking a claimed case waits for that delete to commit (PostgreSQL's insert waits on a conflicting row that
  a running transaction deletes; SQLite has one writer) and then marks it anew: no write is folded away
  unseen. A case already marked stays marked as it was (ON CONFLICT DO NOTHING: no row version per write).
- Two drains never fold one case at once. On PostgreSQL a background drain skips marks another drain holds
  (SKIP LOCKED) and a query's drain waits for them; on SQLite one transaction writes at a time, and the claim
  is the drain's first statement, a write.
- An insights query drains first (`drain(engine, wait=True)`): it answers over every write committed before
  it began. The worker drains in the background every INSIGHTS_DRAIN_SECONDS, so that drain is short.
"""

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, bindparam, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from core.db import session_scope
from insights import facts
from models.insight_tables import InsightPending as P

DEFAULT_CHUNK = 500


@functools.cache
def _mark_statement(dialect: str) -> Any:
    """Built once (see cube._lock_statements), on the table rather than the mapped class: `mark` runs it on the
    connection, a plain insert, without the ORM's bulk-insert machinery (a fifth of the batch activity's time)."""
    maker = pg_insert if dialect == "postgresql" else sqlite_insert
    table = P.__table__  # type: ignore[attr-defined]  # SQLModel sets it on every table model
    stmt = maker(table).values(complaint_id=bindparam("complaint_id"), marked_at=bindparam("marked_at"))
    return stmt.on_conflict_do_nothing(index_elements=[table.c.complaint_id])


def mark(session: Session, complaint_id: str, at: datetime) -> None:
    """Mark a case's facts for the drain, in the writer's transaction (a case already marked stays marked)."""
    connection = session.connection()
    connection.execute(_mark_statement(connection.dialect.name), {"complaint_id": complaint_id, "marked_at": at})


@functools.cache
def _claim_statement(dialect: str, wait: bool) -> Any:
    oldest = (
        select(P.complaint_id).order_by(col(P.marked_at), col(P.complaint_id)).limit(bindparam("n", type_=Integer()))
    )
    if dialect == "postgresql":
        oldest = oldest.with_for_update(skip_locked=not wait)
    return delete(P).where(col(P.complaint_id).in_(oldest.scalar_subquery())).returning(P.complaint_id)


def drain_once(engine: Engine, chunk: int = DEFAULT_CHUNK, wait: bool = False) -> tuple[int, int]:
    """Claim up to `chunk` of the oldest marks and fold their cases in one transaction: (claimed, changed)."""
    with session_scope(engine) as session:
        claim = _claim_statement(engine.dialect.name, wait)
        claimed = list(session.execute(claim, {"n": chunk}).scalars())
        changed = facts.refold(session, claimed) if claimed else 0
    return len(claimed), changed


def drain(engine: Engine, chunk: int = DEFAULT_CHUNK, wait: bool = False) -> int:
    """Fold marked cases until a claim comes back short; the number of cases claimed. `wait`: also wait for
    marks another drain is folding (an insights query's drain, so it answers over everything written)."""
    total = 0
    while True:
        claimed, _ = drain_once(engine, chunk, wait)
        total += claimed
        if claimed < chunk:
            return total


def backlog(session: Session) -> tuple[int, datetime | None]:
    """How many cases wait to be folded, and since when the oldest has waited."""
    count, oldest = session.execute(select(func.count(), func.min(P.marked_at))).one()
    return int(count), oldest
