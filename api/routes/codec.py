"""Remote payload codec for the Temporal Web UI: POST /codec/encode and /codec/decode.

Temporal's codec-server protocol: JSON {"payloads": [{"metadata": {k: base64}, "data": base64}]} in and
out. Supervisors and auditors only, the roles that read workflow histories in the Temporal UI (not
admins: they see no case data; not agents: they read personal data through the audited endpoint).
Every decode is a read of personal data: its audit row names whose payloads were decoded (the case
and workflow ids found in them, or sent as X-Workflow-Id), and it is written before the plaintext is
returned, so a decode that cannot be recorded is not served.
"""

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Annotated, Any

from cryptography.exceptions import InvalidTag
from fastapi import APIRouter, Body, Header, Request
from fastapi.concurrency import run_in_threadpool
from google.protobuf.message import DecodeError
from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from api.audit import record
from api.deps import CodecUser, EngineDep, Principal
from api.errors import ApiError, error_responses, invalid_field, request_id_of
from models import limits
from workflows.ids import workflow_id

router = APIRouter(prefix="/codec", tags=["codec"])

MAX_PAYLOADS = 1000


class PayloadJSON(BaseModel):
    metadata: dict[str, str] = Field(
        default_factory=dict, description="values are base64", examples=[{"encoding": "YmluYXJ5L2VuY3J5cHRlZA=="}]
    )
    data: str = Field("", description="base64", examples=["c2VjcmV0"])


class Payloads(BaseModel):
    payloads: list[PayloadJSON] = Field(max_length=MAX_PAYLOADS)


class _Identity(PayloadCodec):
    """Without a payload key nothing is encrypted: encode and decode hand payloads back unchanged."""

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return list(payloads)

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return list(payloads)


def _b64(value: str, field: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise invalid_field(field, "not valid base64") from None


def _to_protos(body: Payloads) -> list[Payload]:
    return [
        Payload(
            metadata={k: _b64(v, f"body.payloads.{i}.metadata.{k}") for k, v in p.metadata.items()},
            data=_b64(p.data, f"body.payloads.{i}.data"),
        )
        for i, p in enumerate(body.payloads)
    ]


def _to_json(payloads: list[Payload]) -> Payloads:
    return Payloads(
        payloads=[
            PayloadJSON(
                metadata={k: base64.b64encode(v).decode() for k, v in p.metadata.items()},
                data=base64.b64encode(p.data).decode(),
            )
            for p in payloads
        ]
    )


def _codec(request: Request) -> PayloadCodec:
    codec: PayloadCodec | None = request.app.state.codec
    return codec or _Identity()


# How many case ids one decode's audit row lists; the count says how many payloads there were.
MAX_AUDITED_IDS = 50


def _ids_in(value: Any, found: dict[str, set[str]], depth: int = 0) -> None:
    """complaint_id / workflow_id values in a decoded JSON payload (state, inputs, records nest them)."""
    if depth > 3:
        return
    if isinstance(value, dict):
        for key in ("complaint_id", "workflow_id"):
            if isinstance(value.get(key), str):
                found[key].add(value[key][: limits.REF_CHARS])
        for item in value.values():
            _ids_in(item, found, depth + 1)
    elif isinstance(value, list):
        for item in value[:100]:
            _ids_in(item, found, depth + 1)


def whose(payloads: list[Payload], workflow_header: str | None) -> dict[str, Any]:
    found: dict[str, set[str]] = {"complaint_id": set(), "workflow_id": set()}
    unidentified = 0
    for payload in payloads:
        before = sum(len(v) for v in found.values())
        if payload.metadata.get("encoding", b"").startswith(b"json/"):
            try:
                _ids_in(json.loads(payload.data), found)
            except ValueError:
                pass
        unidentified += sum(len(v) for v in found.values()) == before
    if workflow_header:
        found["workflow_id"].add(workflow_header[: limits.REF_CHARS])
    found["workflow_id"] |= {workflow_id(cid) for cid in found["complaint_id"]}
    return {
        "complaint_ids": sorted(found["complaint_id"])[:MAX_AUDITED_IDS],
        "workflow_ids": sorted(found["workflow_id"])[:MAX_AUDITED_IDS],
        "unidentified_payloads": unidentified,
    }


def _audit_decode(
    engine: Engine, principal: Principal, event_key: str, count: int, namespace: str | None, subjects: dict[str, Any]
) -> None:
    cases = subjects["complaint_ids"]
    with Session(engine) as session:
        record(
            session,
            principal,
            event_key=event_key,
            action="payloads_decoded",
            complaint_id=cases[0] if len(cases) == 1 else None,
            details={"count": count, "namespace": namespace, **subjects},
        )
        session.commit()


_Namespace = Annotated[
    str | None, Header(alias="X-Namespace", max_length=limits.REF_CHARS, description="sent by the Temporal UI")
]
_WorkflowId = Annotated[
    str | None,
    Header(
        alias="X-Workflow-Id",
        max_length=limits.REF_CHARS,
        description="whose payloads these are, when the caller knows",
    ),
]
_EXAMPLES = {
    "payloads": {
        "summary": "One JSON payload",
        "value": {"payloads": [{"metadata": {"encoding": "anNvbi9wbGFpbg=="}, "data": "eyJhY2NlcHQiOiB0cnVlfQ=="}]},
    }
}
PayloadsBody = Annotated[Payloads, Body(openapi_examples=_EXAMPLES)]


@router.post(
    "/encode",
    response_model=Payloads,
    responses=error_responses(401, 403, 422),
    summary="Encrypt payloads (Temporal remote codec)",
)
async def encode(request: Request, body: PayloadsBody, _: CodecUser) -> Payloads:
    return _to_json(await _codec(request).encode(_to_protos(body)))


@router.post(
    "/decode",
    response_model=Payloads,
    responses=error_responses(401, 403, 422, 503),
    summary="Decrypt payloads for the Temporal UI (audited)",
)
async def decode(
    request: Request,
    body: PayloadsBody,
    principal: CodecUser,
    engine: EngineDep,
    namespace: _Namespace = None,
    workflow: _WorkflowId = None,
) -> Payloads:
    protos = _to_protos(body)
    try:
        plain = await _codec(request).decode(protos)
    except (InvalidTag, DecodeError, ValueError) as exc:
        raise ApiError(
            422,
            "validation_error",
            "a payload cannot be decrypted with this server's key",
            [{"field": "body.payloads", "message": type(exc).__name__}],
        ) from None
    # Recorded before the plaintext leaves: a decode that cannot be audited is not served.
    await run_in_threadpool(
        _audit_decode,
        engine,
        principal,
        f"api:{request_id_of(request)}",
        len(protos),
        namespace,
        whose(plain, workflow),
    )
    return _to_json(plain)
