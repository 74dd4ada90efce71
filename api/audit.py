"""What the API itself writes to the audit chain: staff reads of personal data, admin changes, refusals.

Case transitions are audited by the workflow's activities; these are the events no workflow sees.
"""

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.deps import CurrentPrincipal, EngineDep, Principal, require_roles
from api.errors import ApiError, request_id_of
from audit.chain import append_record
from models.enums import Role

log = logging.getLogger("api.audit")


def record(
    session: Session,
    principal: Principal,
    *,
    event_key: str,
    action: str,
    complaint_id: str | None = None,
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    """Append in the caller's transaction: the audited change and its record commit together."""
    append_record(
        session,
        event_key=event_key,
        complaint_id=complaint_id,
        at=datetime.now(UTC),
        actor_kind=principal.role.value,
        actor_id=principal.id,
        action=action,
        reason=reason,
        details=details,
    )


def record_now(
    engine: Engine,
    principal: Principal,
    *,
    event_key: str,
    action: str,
    complaint_id: str | None = None,
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    """Record in a transaction of its own (for events with nothing else to commit, e.g. a refusal)."""
    with Session(engine) as session:
        record(
            session,
            principal,
            event_key=event_key,
            action=action,
            complaint_id=complaint_id,
            reason=reason,
            details=details,
        )
        session.commit()


def record_refusal(engine: Engine, principal: Principal, request: Request, resource: str, why: str) -> None:
    complaint_id = request.path_params.get("complaint_id")
    details: dict[str, Any] = {
        "resource": resource,
        "method": request.method,
        "path": request.url.path,
        "role": principal.role.value,
        "status": 403,
    }
    try:
        record_now(
            engine,
            principal,
            event_key=f"refused:{request_id_of(request)}",
            action="access_refused",
            complaint_id=complaint_id if isinstance(complaint_id, str) else None,
            reason=why,
            details=details,
        )
    except Exception:  # the refusal stands even if it cannot be recorded; the log says why
        log.exception("could not record a refused attempt on %s", resource)


def audited_roles(*roles: Role, resource: str) -> Callable[[Request, Principal, Engine], Principal]:
    """Like require_roles, and a refused (403) attempt is written to the audit log with who and what."""
    base = require_roles(*roles)

    def check(request: Request, principal: CurrentPrincipal, engine: EngineDep) -> Principal:
        try:
            return base(principal)
        except ApiError as err:
            record_refusal(engine, principal, request, resource, err.message)
            raise

    return check


AuditedAuditor = Annotated[Principal, Depends(audited_roles(Role.AUDITOR, resource="audit"))]
