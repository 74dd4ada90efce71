"""What every drill verifies after the failure it injected: the books are exactly as if nothing happened.

For each full case (bench/scenario.py): closed and resolved; the ledger holds exactly one deposit
freeze, one merchant refund of the paid amount and one unfreeze (no payment doubled, none lost); the
consumer's filed evidence is on record; the case's audit records number 1..n without a gap or a double
and the last is "closed"; the read model agrees; and the whole audit hash chain verifies.
"""

from collections import Counter, defaultdict

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from audit.chain_verify import verify_chain
from bench.fixtures import PAID_MINOR, evidence_for
from models.enums import LedgerKind
from models.tables import AuditLog, Complaint, EvidenceItem, LedgerEntry, Merchant

EXPECTED_LEDGER = Counter(
    {LedgerKind.DEPOSIT_FREEZE.value: 1, LedgerKind.MERCHANT_REFUND.value: 1, LedgerKind.DEPOSIT_UNFREEZE.value: 1}
)


def full_case_problems(engine: Engine, complaint_ids: list[str]) -> list[str]:
    """Every inconsistency found, one line each; an empty list means the books are clean."""
    problems: list[str] = []
    with Session(engine) as session:
        rows = {c.id: c for c in session.exec(select(Complaint).where(col(Complaint.id).in_(complaint_ids)))}
        ledger: dict[str, list[LedgerEntry]] = defaultdict(list)
        for entry in session.exec(select(LedgerEntry).where(col(LedgerEntry.complaint_id).in_(complaint_ids))):
            ledger[entry.complaint_id].append(entry)
        evidence: dict[str, list[EvidenceItem]] = defaultdict(list)
        for item in session.exec(select(EvidenceItem).where(col(EvidenceItem.complaint_id).in_(complaint_ids))):
            evidence[item.complaint_id].append(item)
        audit: dict[str, list[AuditLog]] = defaultdict(list)
        for record in session.exec(
            select(AuditLog).where(col(AuditLog.complaint_id).in_(complaint_ids)).order_by(AuditLog.id)
        ):
            audit[record.complaint_id].append(record)
        for cid in complaint_ids:
            problems += _case_problems(session, cid, rows.get(cid), ledger[cid], evidence[cid], audit[cid])
        verdict = verify_chain(session)
    if not verdict.ok:
        problems.append(f"audit chain broken at row {verdict.first_broken_id}: {verdict.reason}")
    return problems


def _case_problems(
    session: Session,
    cid: str,
    row: Complaint | None,
    ledger: list[LedgerEntry],
    evidence: list[EvidenceItem],
    audit: list[AuditLog],
) -> list[str]:
    if row is None:
        return [f"{cid}: no read-model row"]
    out = []
    if row.stage != "closed" or row.outcome != "resolved":
        out.append(f"{cid}: ended {row.stage}/{row.outcome}, expected closed/resolved")
    kinds = Counter(e.kind for e in ledger)
    if kinds != EXPECTED_LEDGER:
        out.append(f"{cid}: ledger {dict(kinds)}, expected one freeze, one refund, one unfreeze")
    refunds = [e.amount_minor for e in ledger if e.kind == LedgerKind.MERCHANT_REFUND.value]
    if refunds and refunds != [PAID_MINOR]:
        out.append(f"{cid}: refunded {refunds}, expected [{PAID_MINOR}]")
    if row.refunded_minor != PAID_MINOR:
        out.append(f"{cid}: read model says refunded {row.refunded_minor}")
    expected_hash = evidence_for(row.order_id).sha256
    if not any(item.sha256 == expected_hash for item in evidence):
        out.append(f"{cid}: the filed evidence is not on record ({len(evidence)} items)")
    # Each seq exactly once. Commit order may differ from seq order: two of a case's records can be in
    # flight at once (a deadline and an update), and after an outage their retries land in any order.
    seqs = sorted(r.details.get("seq") for r in audit)
    if seqs != list(range(1, len(audit) + 1)):
        out.append(f"{cid}: audit seqs {seqs} are not 1..{len(audit)} (a record lost or doubled)")
    last = max(audit, key=lambda r: r.details.get("seq"), default=None)
    if last is None or last.action != "closed" or row.last_seq != len(audit):
        out.append(
            f"{cid}: last audit record {last.action if last else None!r}, read model last_seq "
            f"{row.last_seq} vs {len(audit)} records"
        )
    merchant = session.get(Merchant, row.merchant_id)
    if merchant is not None and merchant.frozen_minor != 0:
        out.append(f"{cid}: merchant {merchant.id} still has {merchant.frozen_minor} frozen")
    return out
