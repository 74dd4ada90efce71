"""Admin: read the active policy and install a new one (JSON or YAML), validated before it is used."""

import json
from typing import Annotated

import yaml
from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.audit import record
from api.deps import EngineDep, Principal, SettingsDep, require_roles
from api.errors import MAX_ERROR_DETAILS, ApiError, error_responses, invalid_field, not_found, request_id_of
from api.idempotency import OptionalKey, run_once
from api.policy_store import current_policy, install_policy, policy_source
from audit.policy_archive import (
    ArchivedPolicy,
    PolicyDiff,
    VersionTaken,
    archive_policy,
    archived,
    archived_versions,
    diff,
    policy_sha256,
)
from core.settings import Settings
from models.enums import Role
from models.policy import Policy
from policy.loader import PolicyError, parse_policy

router = APIRouter(prefix="/admin/policy", tags=["admin"])

PolicyReader = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.AUDITOR))]
PolicyWriter = Annotated[Principal, Depends(require_roles(Role.ADMIN))]

_YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
MAX_POLICY_BYTES = 1_000_000


class PolicyDocument(BaseModel):
    version: str = Field(examples=["2026.12-default"])
    source: str = Field(description="the file the policy was read from", examples=["data/policy.active.yaml"])
    changed: bool = Field(False, description="on PUT: false when the upload equals the active policy")
    policy: Policy


def _document(settings: Settings, policy: Policy, changed: bool = False) -> PolicyDocument:
    return PolicyDocument(version=policy.version, source=str(policy_source(settings)), changed=changed, policy=policy)


def _problems_as_fields(exc: PolicyError) -> ApiError:
    details = []
    for problem in exc.problems[:MAX_ERROR_DETAILS]:
        where, _, message = problem.partition(": ")
        where, message = where[:200], message[:300]  # a problem may quote an uploaded key
        details.append({"field": f"body.{where}" if where != "<root>" else "body", "message": message or where})
    return ApiError(422, "validation_error", f"invalid policy: {details[0]['field']}: {details[0]['message']}", details)


def _parse_upload(raw: bytes, content_type: str) -> Policy:
    media = content_type.split(";")[0].strip().lower()
    if len(raw) > MAX_POLICY_BYTES:
        raise ApiError(413, "payload_too_large", f"a policy file is at most {MAX_POLICY_BYTES} bytes")
    try:
        if media in _YAML_TYPES:
            data = yaml.safe_load(raw.decode("utf-8"))
        elif media in ("application/json", ""):
            data = json.loads(raw)
        else:
            raise ApiError(415, "unsupported_media_type", "send the policy as application/json or application/yaml")
    except (UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        raise invalid_field(
            "body", f"not valid {'YAML' if media in _YAML_TYPES else 'JSON'}: {type(exc).__name__}"
        ) from None
    try:
        return parse_policy(data)
    except PolicyError as exc:
        raise _problems_as_fields(exc) from None


def _install(
    settings: Settings, engine: Engine, admin: Principal, new: Policy, event_key: str
) -> tuple[int, PolicyDocument]:
    try:
        old: Policy | None = current_policy(settings)
    except PolicyError:
        old = None  # an unusable file on disk is exactly what an admin replaces
    if new == old:
        return 200, _document(settings, new)
    if old is not None and new.version == old.version:
        raise invalid_field("body.version", f"a changed policy needs a new version (active is {old.version!r})")
    with Session(engine) as session:
        # Audit first, file second: a failed write leaves an extra record, never an unrecorded change.
        try:  # both versions archived, so any two can be fetched and compared later
            if old is not None:
                archive_policy(session, old, actor_kind=admin.role.value, actor_id=admin.id)
            archive_policy(session, new, actor_kind=admin.role.value, actor_id=admin.id)
        except VersionTaken as err:
            raise invalid_field("body.version", str(err)) from None
        record(
            session,
            admin,
            event_key=event_key,
            action="policy_changed",
            details={
                "from_version": old.version if old else None,
                "to_version": new.version,
                "from_sha256": policy_sha256(old) if old else None,
                "to_sha256": policy_sha256(new),
            },
        )
        session.commit()
    install_policy(settings, new)
    return 200, _document(settings, new, changed=True)


@router.get(
    "/versions",
    response_model=list[ArchivedPolicy],
    responses=error_responses(401, 403),
    summary="Every archived policy version, oldest first",
)
def list_versions(settings: SettingsDep, engine: EngineDep, _: PolicyReader) -> list[ArchivedPolicy]:
    _archive_active(settings, engine)
    with Session(engine) as session:
        return archived_versions(session)


def _archive_active(settings: Settings, engine: Engine) -> None:
    """The active policy is archived the first time anyone asks (the baseline file never went through a PUT)."""
    try:
        active = current_policy(settings)
    except PolicyError:
        return
    with Session(engine) as session:
        try:
            archive_policy(session, active, actor_kind="system", actor_id="policy-archive")
        except VersionTaken:
            return  # reported when someone installs it; reading must not fail
        session.commit()


@router.get(
    "/versions/{version}",
    response_model=ArchivedPolicy,
    responses=error_responses(401, 403, 404),
    summary="One archived policy version, as it was installed",
)
def get_version(version: str, settings: SettingsDep, engine: EngineDep, _: PolicyReader) -> ArchivedPolicy:
    _archive_active(settings, engine)
    with Session(engine) as session:
        found = archived(session, version)
    if found is None:
        raise not_found(f"no archived policy version {version!r}")
    return found


@router.get(
    "/diff",
    response_model=PolicyDiff,
    responses=error_responses(401, 403, 404),
    summary="What changed between two archived policy versions (field path, from, to)",
)
def diff_versions(
    settings: SettingsDep,
    engine: EngineDep,
    _: PolicyReader,
    from_version: Annotated[str, Query(alias="from")],
    to_version: Annotated[str, Query(alias="to")],
) -> PolicyDiff:
    _archive_active(settings, engine)
    with Session(engine) as session:
        a = _archived_or_404(session, "from", from_version)
        b = _archived_or_404(session, "to", to_version)
    return diff(a.policy, b.policy, from_version, to_version)


def _archived_or_404(session: Session, parameter: str, version: str) -> ArchivedPolicy:
    found = archived(session, version)
    if found is None:
        raise not_found(f"{parameter}: no archived policy version {version!r}")
    return found


@router.get("", response_model=PolicyDocument, responses=error_responses(401, 403), summary="The active policy")
def get_policy(settings: SettingsDep, _: PolicyReader) -> PolicyDocument:
    try:
        return _document(settings, current_policy(settings))
    except PolicyError as exc:
        raise ApiError(500, "internal", f"the policy file on disk is unusable: {exc}") from None


_PUT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/Policy"},
                "example": {"version": "2026.12-faster-intake", "intake": {"completion": "PT10M"}},
            },
            "application/yaml": {
                "schema": {"type": "string"},
                "example": "version: 2026.12-faster-intake\nintake:\n  completion: PT10M\n",
            },
        },
    }
}


@router.put(
    "",
    response_model=PolicyDocument,
    responses=error_responses(401, 403, 422, 503),
    openapi_extra=_PUT_BODY,
    summary="Install a new policy for cases filed from now on",
)
async def put_policy(
    request: Request, settings: SettingsDep, engine: EngineDep, admin: PolicyWriter, idempotency_key: OptionalKey = None
) -> JSONResponse:
    """The whole policy, as JSON or YAML (`Content-Type: application/yaml`); omitted sections take their
    defaults. Validated with the policy schema and completeness checks; each problem names its field. A
    changed policy needs a new `version`. Cases already running keep the policy they started with."""
    new = _parse_upload(await request.body(), request.headers.get("content-type", ""))
    event_key = f"api:{request_id_of(request)}"
    return await run_once(
        request,
        engine,
        admin.id,
        idempotency_key,
        new.model_dump(mode="json"),
        lambda: run_in_threadpool(_install, settings, engine, admin, new, event_key),
    )
