"""Admin: list, create and deactivate users. Every change is in the audit log."""

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from api.audit import record
from api.deps import Admin, EngineDep, Principal, SessionDep
from api.errors import conflict, error_responses, excerpt, invalid_field, not_found, request_id_of
from api.idempotency import OptionalKey, run_once
from api.security import hash_password
from models import limits
from models.enums import Role
from models.tables import Consumer, Merchant, User

router = APIRouter(prefix="/admin/users", tags=["admin"])

_PARTY_LINK = {Role.CONSUMER: "consumer_id", Role.MERCHANT: "merchant_id"}


class UserOut(BaseModel):
    id: str
    username: str
    role: Role
    consumer_id: str | None = None
    merchant_id: str | None = None
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> "UserOut":
        return cls.model_validate(user, from_attributes=True)


class UserCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"username": "agent3", "password": "a-long-passphrase", "role": "agent"},
                {"username": "bob", "password": "a-long-passphrase", "role": "consumer", "consumer_id": "C002"},
            ]
        },
    )

    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    password: str = Field(min_length=12, max_length=256)
    role: Role
    consumer_id: str | None = Field(
        None, max_length=limits.ID_CHARS, description="required for role consumer, refused otherwise"
    )
    merchant_id: str | None = Field(
        None, max_length=limits.ID_CHARS, description="required for role merchant, refused otherwise"
    )


def _check_party_link(session: Session, body: UserCreate) -> None:
    needed = _PARTY_LINK.get(body.role)
    for name, table in (("consumer_id", Consumer), ("merchant_id", Merchant)):
        value = getattr(body, name)
        if name == needed and not value:
            raise invalid_field(f"body.{name}", f"required for role {body.role.value}")
        if name != needed and value:
            raise invalid_field(f"body.{name}", f"not allowed for role {body.role.value}")
        if value and session.get(table, value) is None:
            raise invalid_field(f"body.{name}", f"no {table.__tablename__} {excerpt(value)}")


def _create(engine: Engine, admin: Principal, body: UserCreate, event_key: str) -> tuple[int, UserOut]:
    with Session(engine, expire_on_commit=False) as session:
        _check_party_link(session, body)
        if session.exec(select(User).where(User.username == body.username)).first():
            raise conflict(f"user {excerpt(body.username)} already exists")
        user = User(
            id=f"user-{uuid.uuid4().hex[:12]}",
            username=body.username,
            hashed_password=hash_password(body.password),
            role=body.role.value,
            consumer_id=body.consumer_id,
            merchant_id=body.merchant_id,
            created_at=datetime.now(UTC),
        )
        session.add(user)
        # The binding decides whose cases and personal data this login reaches: it is part of the record.
        record(
            session,
            admin,
            event_key=event_key,
            action="user_created",
            details={
                "user_id": user.id,
                "username": user.username,
                "role": user.role,
                "consumer_id": user.consumer_id,
                "merchant_id": user.merchant_id,
            },
        )
        try:
            session.commit()
        except IntegrityError:
            raise conflict(f"user {excerpt(body.username)} already exists") from None
        return 201, UserOut.of(user)


def _deactivate(engine: Engine, admin: Principal, user_id: str, event_key: str) -> tuple[int, UserOut]:
    with Session(engine, expire_on_commit=False) as session:
        user = session.get(User, user_id)
        if user is None:
            raise not_found(f"no user {excerpt(user_id)}")
        if user.id == admin.id:
            raise conflict("an admin cannot deactivate their own account")
        if user.active:
            user.active = False
            session.add(user)
            record(
                session,
                admin,
                event_key=event_key,
                action="user_deactivated",
                details={"user_id": user.id, "username": user.username},
            )
            session.commit()
        return 200, UserOut.of(user)


@router.get("", response_model=list[UserOut], responses=error_responses(401, 403), summary="List users")
def list_users(
    session: SessionDep,
    _: Admin,
    role: Annotated[Role | None, Query()] = None,
    active: Annotated[bool | None, Query()] = None,
) -> list[UserOut]:
    query = select(User).order_by(User.role, User.username)
    if role is not None:
        query = query.where(User.role == role.value)
    if active is not None:
        query = query.where(User.active == active)
    return [UserOut.of(u) for u in session.exec(query).all()]


@router.post(
    "",
    status_code=201,
    response_model=UserOut,
    responses=error_responses(401, 403, 409, 422, 503),
    summary="Create a user",
)
async def create_user(
    request: Request, engine: EngineDep, admin: Admin, body: UserCreate, idempotency_key: OptionalKey = None
) -> JSONResponse:
    """Consumers need `consumer_id`, merchants `merchant_id` (an existing consumer or merchant)."""
    event_key = f"api:{request_id_of(request)}"
    # The fingerprint is stored: it must not be a fast hash of the password.
    fingerprinted = body.model_dump(exclude={"password"})
    return await run_once(
        request,
        engine,
        admin.id,
        idempotency_key,
        fingerprinted,
        lambda: run_in_threadpool(_create, engine, admin, body, event_key),
    )


@router.post(
    "/{user_id}/deactivate",
    response_model=UserOut,
    responses=error_responses(401, 403, 404, 409, 503),
    summary="Deactivate a user (their tokens stop working at once)",
)
async def deactivate_user(
    request: Request, user_id: str, engine: EngineDep, admin: Admin, idempotency_key: OptionalKey = None
) -> JSONResponse:
    """Deactivating an inactive user changes nothing and answers 200. Admins cannot deactivate themselves."""
    event_key = f"api:{request_id_of(request)}"
    return await run_once(
        request,
        engine,
        admin.id,
        idempotency_key,
        None,
        lambda: run_in_threadpool(_deactivate, engine, admin, user_id, event_key),
    )
