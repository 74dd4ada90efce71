"""Offline review: one file with a case's history, its audit rows, the chain proof for them and its policy.

`export_bundle` (needs the servers) writes it; `verify_bundle` (needs nothing but the file, and the chain
key to check HMACs) checks the proof and replays the decisions:

- the proof is the contiguous stretch of the global chain from the case's first row to the first anchor at
  or after its last row (the chain head when there is none yet). The case's own rows come in full; other
  cases' rows appear as (id, prev_hash, hash, content digest) only, which is enough to check every link
  and, with the key, every HMAC, and reveals nothing of them;
- the policy is the one the case ran under, read from its history's input, with its sha256.
"""

import json
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlmodel import Session
from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter

from audit.anchors import AnchorCheckpoint
from audit.chain import GENESIS_HASH, content_digest, is_keyed, row_digest
from audit.chain_verify import check_links
from audit.history import case_input, history_from_json
from audit.policy_archive import policy_sha256
from audit.replay import ReplayVerdict, replay_verdict
from models.tables import AuditLog

FORMAT = "complaints-audit-bundle/1"
ROW_FIELDS = (
    "event_key",
    "complaint_id",
    "at",
    "actor_kind",
    "actor_id",
    "action",
    "reason",
    "stage_before",
    "stage_after",
    "details",
)


class BundleVerdict(BaseModel):
    complaint_id: str
    ok: bool
    chain_ok: bool
    hmac_checked: bool
    proof_rows: int
    case_rows: int
    anchored_by: str | None
    findings: list[str]
    policy_version: str
    policy_matches_history: bool
    replay: ReplayVerdict


def _row_json(row: AuditLog) -> dict[str, Any]:
    data = row.model_dump(mode="json")
    return {k: data[k] for k in ("id", *ROW_FIELDS, "prev_hash", "hash")}


async def export_bundle(
    history: WorkflowHistory, converter: DataConverter, session: Session, anchors: list[AnchorCheckpoint]
) -> dict[str, Any]:
    complaint = await case_input(history, converter)
    cid = complaint.complaint_id
    own = session.execute(select(AuditLog).where(AuditLog.complaint_id == cid).order_by(AuditLog.id)).scalars().all()
    if not own:
        raise ValueError(f"{cid}: no audit rows to prove")
    closing = min((a for a in anchors if a.seq is not None and a.seq >= own[-1].id), key=lambda a: a.seq, default=None)
    last_id = (
        closing.seq
        if closing
        else session.execute(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1)).scalar_one()
    )
    stretch = session.execute(
        select(AuditLog).where(AuditLog.id >= own[0].id, AuditLog.id <= last_id).order_by(AuditLog.id)
    ).scalars()
    proof = [
        {
            "id": r.id,
            "prev_hash": r.prev_hash,
            "hash": r.hash,
            "digest": row_digest(r),
            "case_row": r.complaint_id == cid,
        }
        for r in stretch
    ]
    policy = complaint.policy.model_dump(mode="json")
    return {
        "format": FORMAT,
        "complaint_id": cid,
        "exported_at": datetime.now(UTC).isoformat(),
        "history": json.loads(history.to_json()) | {"workflowId": history.workflow_id},
        "audit_rows": [_row_json(r) for r in own],
        "chain_proof": {"rows": proof, "anchor": closing.model_dump(mode="json") if closing else None},
        "policy": {"version": complaint.policy.version, "sha256": policy_sha256(policy), "policy": policy},
    }


def _check_proof(bundle: dict[str, Any], key: bytes | None) -> tuple[bool, list[str], str | None]:
    proof, rows = bundle["chain_proof"]["rows"], {r["id"]: r for r in bundle["audit_rows"]}
    findings: list[str] = []
    for item in proof:  # the case's rows must be what the proof commits to
        row = rows.get(item["id"]) if item.get("case_row") else None
        if item.get("case_row") and row is None:
            findings.append(f"proof row {item['id']} belongs to the case but its content is not in the bundle")
        elif row is not None:
            fields = {k: row[k] for k in ROW_FIELDS} | {"at": datetime.fromisoformat(row["at"])}
            if content_digest(**fields) != item["digest"] or row["hash"] != item["hash"]:
                findings.append(f"audit row {item['id']} ({row['action']}) does not match the digest the chain holds")
    missing = set(rows) - {i["id"] for i in proof}
    if missing:
        findings.append(f"audit rows {sorted(missing)} are not covered by the proof")
    start = proof[0]["prev_hash"] if proof else GENESIS_HASH
    links = [(i["id"], i["prev_hash"], i["hash"], i["digest"] if is_keyed(i["hash"]) else None) for i in proof]
    findings += [f"row {p.row_id}: {p.reason}" for _, _, p in check_links(links, key, expected_prev=start) if p]
    anchor = bundle["chain_proof"].get("anchor")
    anchored_by = None
    if anchor is None:
        findings.append("no anchor closes the proof: the case's newest rows are not yet anchored outside the database")
    elif not proof or proof[-1]["id"] != anchor["seq"] or proof[-1]["hash"] != anchor["hash"]:
        findings.append(f"the proof does not end at the anchored row {anchor['seq']} ({anchor['source']})")
    else:
        anchored_by = f"row {anchor['seq']} anchored {anchor['at']} ({anchor['source']})"
    return not [f for f in findings if not f.startswith("no anchor")], findings, anchored_by


async def verify_bundle(bundle: dict[str, Any], converter: DataConverter, key: bytes | None) -> BundleVerdict:
    if bundle.get("format") != FORMAT:
        raise ValueError(f"not an audit bundle (format {bundle.get('format')!r}, expected {FORMAT!r})")
    history = history_from_json(json.dumps(bundle["history"]))
    chain_ok, findings, anchored_by = _check_proof(bundle, key)
    if key is None:
        findings.append("HMACs not checked: no AUDIT_CHAIN_KEY given (links and digests were)")
    recorded = (await case_input(history, converter)).policy.model_dump(mode="json")
    policy = bundle["policy"]
    matches = policy_sha256(recorded) == policy["sha256"] == policy_sha256(policy["policy"])
    if not matches:
        findings.append("the bundle's policy is not the one in the case's history input")
    replay = await replay_verdict(history, converter, audit_rows=bundle["audit_rows"])
    return BundleVerdict(
        complaint_id=bundle["complaint_id"],
        ok=chain_ok and matches and replay.replays_cleanly,
        chain_ok=chain_ok,
        hmac_checked=key is not None,
        proof_rows=len(bundle["chain_proof"]["rows"]),
        case_rows=len(bundle["audit_rows"]),
        anchored_by=anchored_by,
        findings=findings,
        policy_version=policy["version"],
        policy_matches_history=matches,
        replay=replay,
    )
