"""What the API itself writes to the audit chain: staff reads of personal data and admin changes.

Case transitions are audited by the workflow's activities; these are the events no workflow sees.
"""

from datetime import UTC, datetime

from sqlmodel import Session

from api.deps import Principal
from audit.chain import append_record


def record(session: Session, principal: Principal, *, event_key: str, action: str,
           complaint_id: str | None = None, reason: str = "", details: dict | None = None) -> None:
    """Append in the caller's transaction: the audited change and its record commit together."""
    append_record(session, event_key=event_key, complaint_id=complaint_id, at=datetime.now(UTC),
                  actor_kind=principal.role.value, actor_id=principal.id, action=action, reason=reason,
                  details=details)
