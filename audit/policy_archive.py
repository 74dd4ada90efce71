"""Every policy version, archived in the audit chain itself: fetchable by version, comparable with any other.

An archived policy is an audit row (`policy_archived`) carrying the whole policy and its sha256, so the
archive is as tamper-evident as the rest of the log and is anchored with it. A version name is bound to
one content for good: installing different content under an archived name is refused.
"""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlmodel import Session

from audit.chain import append_record
from audit.json_fields import json_differences
from models.policy import Policy
from models.tables import AuditLog

ARCHIVED = "policy_archived"


class ArchivedPolicy(BaseModel):
    version: str
    sha256: str
    archived_at: datetime
    archived_by: str
    audit_id: int
    policy: dict[str, Any]


class PolicyDifference(BaseModel):
    path: str
    from_value: Any
    to_value: Any


class PolicyDiff(BaseModel):
    from_version: str
    to_version: str
    differences: list[PolicyDifference]


class VersionTaken(ValueError):
    """The version name is archived with other content."""


def policy_sha256(policy: Policy | dict[str, Any]) -> str:
    data = policy.model_dump(mode="json") if isinstance(policy, Policy) else policy
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _archived(row: AuditLog) -> ArchivedPolicy:
    d = row.details
    return ArchivedPolicy(
        version=d["version"],
        sha256=d["sha256"],
        archived_at=row.at,
        archived_by=row.actor_id,
        audit_id=row.id,
        policy=d["policy"],
    )


def archived_versions(session: Session) -> list[ArchivedPolicy]:
    rows = session.execute(select(AuditLog).where(AuditLog.action == ARCHIVED).order_by(AuditLog.id)).scalars()
    return [_archived(r) for r in rows]


def archived(session: Session, version: str) -> ArchivedPolicy | None:
    return next((a for a in archived_versions(session) if a.version == version), None)


def archive_policy(session: Session, policy: Policy, *, actor_kind: str, actor_id: str) -> ArchivedPolicy:
    """Archive `policy` (idempotent); refuse a version name already bound to different content."""
    digest = policy_sha256(policy)
    existing = archived(session, policy.version)
    if existing is not None:
        if existing.sha256 != digest:
            raise VersionTaken(
                f"version {policy.version!r} is archived with other content (sha256 "
                f"{existing.sha256[:12]}…): a changed policy needs a new version"
            )
        return existing
    row = append_record(
        session,
        event_key=f"policy:{policy.version}:{digest[:16]}",
        complaint_id=None,
        at=datetime.now(UTC),
        actor_kind=actor_kind,
        actor_id=actor_id,
        action=ARCHIVED,
        details={"version": policy.version, "sha256": digest, "policy": policy.model_dump(mode="json")},
    )
    return _archived(row)


def diff(a: dict[str, Any], b: dict[str, Any], from_version: str, to_version: str) -> PolicyDiff:
    return PolicyDiff(
        from_version=from_version,
        to_version=to_version,
        differences=[
            PolicyDifference(path=d.field, from_value=d.recorded, to_value=d.replayed)
            for d in json_differences(a, b)
            if d.field != "version"
        ],
    )
