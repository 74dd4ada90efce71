"""Verifying the audit chain (audit/chain.py): every row's content and link, then the anchors.

`check_links` is the walk itself, shared with the offline proof (audit/bundle.py), which checks other cases'
rows by digest only; `verify_chain` runs it over the whole `audit_log` table.
"""

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlmodel import Session

from audit.chain import GENESIS_HASH, chain_key, is_keyed, keyed_link, row_digest, row_hash
from models.tables import AuditLog


class ChainVerdict(BaseModel):
    ok: bool
    checked: int
    first_broken_id: int | None = None
    reason: str | None = None
    keyed_rows: int = 0
    legacy_rows: int = 0
    head_id: int | None = None
    anchors_checked: int = 0
    last_anchor_seq: int | None = None
    last_anchor_at: datetime | None = None
    unanchored_rows: int | None = None
    findings: list[str] = []


class LinkProblem(BaseModel):
    row_id: int
    reason: str


def check_links(
    rows: Iterable[tuple[int, str, str, str | None]], key: bytes | None, expected_prev: str = GENESIS_HASH
) -> Iterator[tuple[int, str, LinkProblem | None]]:
    """Walk (id, prev_hash, hash, digest-or-None) in id order; yield (id, hash, problem) per row.

    `digest` None means "recompute nothing" (the caller already compared the content); the key None means
    keyed rows can be checked for links only. After the first keyed row, a legacy row is a rewrite: the
    public formula is what someone without the key would fall back to.
    """
    seen_keyed = False
    for row_id, prev_hash, hash_value, digest in rows:
        problem = None
        if prev_hash != expected_prev:
            problem = LinkProblem(
                row_id=row_id,
                reason="link broken: prev_hash does not match the preceding "
                "row's hash (a row before it was deleted, inserted or "
                "reordered)",
            )
        elif is_keyed(hash_value):
            seen_keyed = True
            if key is not None and digest is not None and keyed_link(prev_hash, digest, key) != hash_value:
                problem = LinkProblem(
                    row_id=row_id,
                    reason="content altered: the row's keyed hash (HMAC) does not "
                    "match its fields; whoever changed it did not have the "
                    "chain key",
                )
        elif seen_keyed:
            problem = LinkProblem(
                row_id=row_id,
                reason="rewritten without the key: a row chained with the public legacy formula follows keyed rows",
            )
        yield row_id, hash_value, problem
        expected_prev = hash_value


def verify_chain(
    session: Session, batch_size: int = 1000, *, key: bytes | None = None, anchors: list[Any] | None = None
) -> ChainVerdict:
    """Walk the chain in id order; report the first row whose content or link does not hold, then check the
    anchors (audit/anchors.py) against what is left."""
    from audit.anchors import check_anchors

    key = key or chain_key()
    rows = session.execute(select(AuditLog).order_by(AuditLog.id).execution_options(yield_per=batch_size))
    verdict = ChainVerdict(ok=True, checked=0)
    heads: dict[int, str] = {}
    legacy_problem: LinkProblem | None = None

    def walk() -> Iterator[tuple[int, str, str, str | None]]:
        nonlocal legacy_problem
        for row in rows.scalars():
            if not is_keyed(row.hash) and row_hash(row) != row.hash and legacy_problem is None:
                legacy_problem = LinkProblem(
                    row_id=row.id, reason="content altered: the row's fields no longer match its hash"
                )
            yield row.id, row.prev_hash, row.hash, row_digest(row)

    for row_id, hash_value, problem in check_links(walk(), key):
        verdict.checked += 1
        heads[row_id] = hash_value
        if is_keyed(hash_value):
            verdict.keyed_rows += 1
        else:
            verdict.legacy_rows += 1
        problem = problem or (legacy_problem if legacy_problem and legacy_problem.row_id == row_id else None)
        if problem and verdict.ok:
            verdict.ok, verdict.first_broken_id, verdict.reason = False, problem.row_id, problem.reason
            verdict.findings.append(f"row {problem.row_id}: {problem.reason}")
    verdict.head_id = max(heads) if heads else None
    if verdict.legacy_rows:
        verdict.findings.append(
            f"{verdict.legacy_rows} row(s) use the legacy unkeyed formula (written before the "
            "chain key existed): only the anchors protect them from a full rehash"
        )
    check_anchors(verdict, heads, anchors or [])
    return verdict
