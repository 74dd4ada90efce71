"""Dependencies: settings, database, Temporal client, the authenticated principal and role checks.

Authentication answers 401 (no, bad or expired token; unknown or deactivated user); authorization
answers 403 (the role may not use this endpoint). Ownership of a case is checked in api.cases.
"""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Annotated

import jwt
from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import Client

from api.errors import forbidden, unauthorized
from api.security import decode_access_token
from api.temporal_link import TemporalLink
from core.settings import Settings
from models.case import Actor
from models.enums import Role
from models.tables import User

TOKEN_URL = "/auth/token"

oauth2_scheme = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)


# app.state is untyped: each getter names the type api.main.create_app stores there.
def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_session(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


def get_link(request: Request) -> TemporalLink:
    link: TemporalLink = request.app.state.temporal
    return link


async def get_client(link: Annotated[TemporalLink, Depends(get_link)]) -> Client:
    return await link.client()


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
SessionDep = Annotated[Session, Depends(get_session)]
LinkDep = Annotated[TemporalLink, Depends(get_link)]
ClientDep = Annotated[Client, Depends(get_client)]
TokenDep = Annotated[str | None, Depends(oauth2_scheme)]


class Principal(BaseModel):
    """The authenticated user as the API sees it: never the table row, never the password hash."""

    id: str
    username: str
    role: Role
    consumer_id: str | None = None
    merchant_id: str | None = None
    bound_at: datetime | None = Field(None, exclude=True, description="when this login was bound to its party")

    def freshly_bound(self, settings: Settings) -> bool:
        """A party login bound recently: its reads are audited like staff reads (an admin may have made it)."""
        if self.bound_at is None or self.role not in (Role.CONSUMER, Role.MERCHANT):
            return False
        bound = self.bound_at if self.bound_at.tzinfo else self.bound_at.replace(tzinfo=UTC)
        return datetime.now(UTC) - bound < timedelta(days=settings.fresh_binding_audit_days)

    @property
    def actor(self) -> Actor:
        return Actor(id=self.id, role=self.role)


def get_current_principal(session: SessionDep, settings: SettingsDep, token: TokenDep) -> Principal:
    if not token:
        raise unauthorized("missing bearer token")
    try:
        user_id = decode_access_token(settings, token)
    except jwt.ExpiredSignatureError:
        raise unauthorized("token expired; request a new one at /auth/token") from None
    except jwt.InvalidTokenError:
        raise unauthorized("invalid bearer token") from None
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise unauthorized("unknown or deactivated user")
    principal = Principal(
        id=user.id,
        username=user.username,
        role=Role(user.role),
        consumer_id=user.consumer_id,
        merchant_id=user.merchant_id,
        bound_at=user.created_at if (user.consumer_id or user.merchant_id) else None,
    )
    # Give the pooled connection back now: a write holds its request open through a workflow update,
    # and fifty such requests each pinning a connection would starve the pool (seen in bench/latency).
    session.rollback()
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_current_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency admitting only these roles; every other authenticated role gets 403."""
    allowed = frozenset(roles)
    names = ", ".join(sorted(r.value for r in allowed))

    def check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in allowed:
            raise forbidden(f"role '{principal.role.value}' may not use this endpoint (allowed: {names})")
        return principal

    return check


CASE_READERS = (Role.CONSUMER, Role.MERCHANT, Role.AGENT, Role.SUPERVISOR, Role.AUDITOR)
CASE_STAFF_READERS = (Role.AGENT, Role.SUPERVISOR, Role.AUDITOR)

CaseReader = Annotated[Principal, Depends(require_roles(*CASE_READERS))]
StaffCaseReader = Annotated[Principal, Depends(require_roles(*CASE_STAFF_READERS))]
# Decoding shows personal data in workflow histories: only the roles whose work is reading histories.
CODEC_ROLES = (Role.SUPERVISOR, Role.AUDITOR)
CodecUser = Annotated[Principal, Depends(require_roles(*CODEC_ROLES))]
Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
