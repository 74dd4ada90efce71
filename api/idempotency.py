"""Idempotency-Key: a retried write returns the first response and has no second effect.

Per (user, key) one `idempotency_record` row: claimed before the work runs (status empty = in
flight), completed with the response afterwards. A retry with the same body replays the stored
response; with a different body it is refused (422 naming the header); while the first is still
running it gets 409. Definite outcomes (2xx and 4xx) are stored; a 503 or a crash releases the key
so the retry runs again. Temporal deduplicates that rerun too, because the key is the update id.
"""

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic_core import to_jsonable_python
from sqlalchemy import delete, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.errors import ErrorBody, ErrorResponse, conflict, invalid_field, request_id_of, to_api_error
from models.tables import IdempotencyRecord

log = logging.getLogger("api.idempotency")

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
# A claim older than this was left by a crashed request: a retry may take it over.
STALE_AFTER = timedelta(minutes=2)

_KEY_DOC = (
    "Unique per intended write (a UUID is ideal). Retrying with the same key and body returns the "
    "first response without a second effect; the same key with a different body is refused."
)
RequiredKey = Annotated[
    str,
    Header(
        alias=HEADER,
        min_length=8,
        max_length=128,
        pattern=r"^[A-Za-z0-9._:\-]+$",
        description=_KEY_DOC,
        examples=["3f1c2a9e-6b2d-4e43-9a57-1d2b8c7e5f10"],
    ),
]
OptionalKey = Annotated[
    str | None, Header(alias=HEADER, min_length=8, max_length=128, pattern=r"^[A-Za-z0-9._:\-]+$", description=_KEY_DOC)
]

Outcome = tuple[int, Any]
Work = Callable[[], Awaitable[Outcome]]


def fingerprint(request: Request, body: Any) -> str:
    """Method, path and the validated body: two requests meaning the same thing hash the same."""
    canonical = json.dumps(
        {"method": request.method, "path": request.url.path, "body": to_jsonable_python(body)},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def update_id(user_id: str, key: str) -> str:
    """Temporal update id: keys are per user, so two users' equal keys must not collide."""
    return f"{user_id}/{key}"


def _claim(engine: Engine, user_id: str, key: str, request_hash: str) -> IdempotencyRecord | None:
    """None when this request now owns the key; otherwise the record that holds it."""
    now = datetime.now(UTC)
    try:
        with Session(engine) as session:
            session.add(IdempotencyRecord(user_id=user_id, key=key, request_hash=request_hash, created_at=now))
            session.commit()
        return None
    except IntegrityError:
        pass
    with Session(engine, expire_on_commit=False) as session:
        held = session.exec(
            select(IdempotencyRecord).where(IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key)
        ).first()
        if held is None:  # released between our insert and this read: try once more
            session.add(IdempotencyRecord(user_id=user_id, key=key, request_hash=request_hash, created_at=now))
            session.commit()
            return None
        if held.status_code is None and held.request_hash == request_hash and held.created_at < now - STALE_AFTER:
            taken = session.exec(
                update(IdempotencyRecord)
                .where(
                    col(IdempotencyRecord.id) == held.id,
                    col(IdempotencyRecord.status_code).is_(None),
                    col(IdempotencyRecord.created_at) == held.created_at,
                )
                .values(created_at=now)
            )
            session.commit()
            if taken.rowcount == 1:
                log.warning("took over an abandoned Idempotency-Key claim (record %s)", held.id)
                return None
        return held


def _complete(engine: Engine, user_id: str, key: str, status_code: int, response: Any) -> None:
    with Session(engine) as session:
        session.exec(
            update(IdempotencyRecord)
            .where(col(IdempotencyRecord.user_id) == user_id, col(IdempotencyRecord.key) == key)
            .values(status_code=status_code, response=response)
        )
        session.commit()


def _release(engine: Engine, user_id: str, key: str) -> None:
    with Session(engine) as session:
        session.exec(
            delete(IdempotencyRecord).where(
                col(IdempotencyRecord.user_id) == user_id,
                col(IdempotencyRecord.key) == key,
                col(IdempotencyRecord.status_code).is_(None),
            )
        )
        session.commit()


def _replay_or_refuse(held: IdempotencyRecord, request_hash: str) -> JSONResponse:
    if held.request_hash != request_hash:
        raise invalid_field(
            f"header.{HEADER}", "this key was already used for a different request; use a new key for a new write"
        )
    if held.status_code is None:
        raise conflict(f"a request with this {HEADER} is still in progress; retry shortly")
    return JSONResponse(held.response, status_code=held.status_code, headers={REPLAY_HEADER: "true"})


async def run_once(
    request: Request, engine: Engine, user_id: str, key: str | None, body: Any, work: Work
) -> JSONResponse:
    """Run `work` at most once per (user, key); replay its stored outcome for retries."""
    if key is None:
        status, payload = await work()
        return JSONResponse(to_jsonable_python(payload), status_code=status)
    request_hash = fingerprint(request, body)
    held = await run_in_threadpool(_claim, engine, user_id, key, request_hash)
    if held is not None:
        return _replay_or_refuse(held, request_hash)
    try:
        status, payload = await work()
    except Exception as exc:
        err = to_api_error(exc)
        if err.status_code >= 500:
            await _release_quietly(engine, user_id, key)
            raise err from exc
        stored = ErrorResponse(
            error=ErrorBody(code=err.code, message=err.message, details=err.details), request_id=request_id_of(request)
        ).model_dump(mode="json")
        await run_in_threadpool(_complete, engine, user_id, key, err.status_code, stored)
        raise err from exc
    body_json = to_jsonable_python(payload)
    try:
        await run_in_threadpool(_complete, engine, user_id, key, status, body_json)
    except Exception as exc:
        # The write happened: answering 503 would claim otherwise. The claim stays in flight until
        # it goes stale; a retry after that reruns under the same Temporal update id and is deduplicated.
        log.warning("write done but its Idempotency-Key outcome was not stored (%s)", type(exc).__name__)
    return JSONResponse(body_json, status_code=status)


async def _release_quietly(engine: Engine, user_id: str, key: str) -> None:
    try:
        await run_in_threadpool(_release, engine, user_id, key)
    except Exception as exc:  # the database may be what failed; the stale claim expires on its own
        log.warning("could not release Idempotency-Key claim (%s)", type(exc).__name__)
