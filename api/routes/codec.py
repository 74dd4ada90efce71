"""Remote payload codec for the Temporal Web UI: POST /codec/encode and /codec/decode.

Temporal's codec-server protocol: JSON {"payloads": [{"metadata": {k: base64}, "data": base64}]} in and
out. Staff only (bearer token); every decode is a read of personal data and is audited first, so a
decode that cannot be recorded is not performed.
"""

import base64
import binascii
from typing import Annotated

from cryptography.exceptions import InvalidTag
from google.protobuf.message import DecodeError
from fastapi import APIRouter, Body, Header, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from api.audit import record
from api.deps import CodecUser, EngineDep, Principal
from api.errors import ApiError, error_responses, invalid_field, request_id_of

router = APIRouter(prefix="/codec", tags=["codec"])

MAX_PAYLOADS = 1000


class PayloadJSON(BaseModel):
    metadata: dict[str, str] = Field(default_factory=dict, description="values are base64",
                                     examples=[{"encoding": "YmluYXJ5L2VuY3J5cHRlZA=="}])
    data: str = Field("", description="base64", examples=["c2VjcmV0"])


class Payloads(BaseModel):
    payloads: list[PayloadJSON] = Field(max_length=MAX_PAYLOADS)


class _Identity(PayloadCodec):
    """Without a payload key nothing is encrypted: encode and decode hand payloads back unchanged."""

    async def encode(self, payloads):
        return list(payloads)

    async def decode(self, payloads):
        return list(payloads)


def _b64(value: str, field: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise invalid_field(field, "not valid base64") from None


def _to_protos(body: Payloads) -> list[Payload]:
    return [Payload(metadata={k: _b64(v, f"body.payloads.{i}.metadata.{k}") for k, v in p.metadata.items()},
                    data=_b64(p.data, f"body.payloads.{i}.data")) for i, p in enumerate(body.payloads)]


def _to_json(payloads: list[Payload]) -> Payloads:
    return Payloads(payloads=[PayloadJSON(metadata={k: base64.b64encode(v).decode() for k, v in p.metadata.items()},
                                          data=base64.b64encode(p.data).decode()) for p in payloads])


def _codec(request: Request) -> PayloadCodec:
    return request.app.state.codec or _Identity()


def _audit_decode(engine: Engine, principal: Principal, event_key: str, count: int, namespace: str | None) -> None:
    with Session(engine) as session:
        record(session, principal, event_key=event_key, action="payloads_decoded",
               details={"count": count, "namespace": namespace})
        session.commit()


_Namespace = Annotated[str | None, Header(alias="X-Namespace", description="sent by the Temporal UI")]
_EXAMPLES = {"payloads": {"summary": "One JSON payload", "value": {"payloads": [
    {"metadata": {"encoding": "anNvbi9wbGFpbg=="}, "data": "eyJhY2NlcHQiOiB0cnVlfQ=="}]}}}
PayloadsBody = Annotated[Payloads, Body(openapi_examples=_EXAMPLES)]


@router.post("/encode", response_model=Payloads, responses=error_responses(401, 403, 422),
             summary="Encrypt payloads (Temporal remote codec)")
async def encode(request: Request, body: PayloadsBody, _: CodecUser) -> Payloads:
    return _to_json(await _codec(request).encode(_to_protos(body)))


@router.post("/decode", response_model=Payloads, responses=error_responses(401, 403, 422, 503),
             summary="Decrypt payloads for the Temporal UI (audited)")
async def decode(request: Request, body: PayloadsBody, principal: CodecUser, engine: EngineDep,
                 namespace: _Namespace = None) -> Payloads:
    protos = _to_protos(body)
    await run_in_threadpool(_audit_decode, engine, principal, f"api:{request_id_of(request)}", len(protos),
                            namespace)
    try:
        return _to_json(await _codec(request).decode(protos))
    except (InvalidTag, DecodeError, ValueError) as exc:
        raise ApiError(422, "validation_error", "a payload cannot be decrypted with this server's key",
                       [{"field": "body.payloads", "message": type(exc).__name__}]) from None
