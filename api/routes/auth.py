"""POST /auth/token (OAuth2 password form) and GET /auth/me."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from pydantic import BaseModel, Field
from sqlmodel import select

from api.deps import CurrentPrincipal, Principal, SessionDep, SettingsDep
from api.errors import error_responses, unauthorized
from api.login_guard import LoginGuard
from api.security import create_access_token, token_lifetime, verify_password
from models.tables import User

router = APIRouter(prefix="/auth", tags=["auth"])


class Token(BaseModel):
    access_token: str = Field(examples=["eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLWFnZW50MSJ9.sig"])
    token_type: str = Field("bearer", examples=["bearer"])
    expires_in: int = Field(description="seconds", examples=[3600])
    role: str = Field(examples=["agent"])


_FORM_EXAMPLE = {
    "requestBody": {
        "content": {
            "application/x-www-form-urlencoded": {"example": {"username": "agent1", "password": "demo-password"}}
        }
    }
}


Username = Annotated[str, Form(min_length=1, max_length=64)]
Password = Annotated[str, Form(min_length=1, max_length=256)]


@router.post(
    "/token",
    response_model=Token,
    responses=error_responses(401, 422, 429, 503),
    openapi_extra=_FORM_EXAMPLE,
    summary="Exchange username and password for a bearer token",
)
def login(
    request: Request, session: SessionDep, settings: SettingsDep, username: Username, password: Password
) -> Token:
    """OAuth2 password flow (form fields `username`, `password`). Demo users (dev mode): alice, shop1,
    agent1, agent2, super1, audit1, admin1, all with password `demo-password`. Repeated failures get 429
    with `Retry-After` (per username and per client address), then a lockout that doubles each time."""
    guard: LoginGuard = request.app.state.login_guard
    address = request.client.host if request.client else "unknown"
    guard.check(username, address)
    user = session.exec(select(User).where(User.username == username)).first()
    # A sync endpoint runs in a worker thread: Argon2 is deliberately slow and must not stall the loop.
    valid = verify_password(password, user.hashed_password if user else None)
    if user is None or not valid or not user.active:
        guard.failed(username, address)
        raise unauthorized("incorrect username or password")
    guard.succeeded(username)
    token = create_access_token(settings, user_id=user.id, role=user.role)
    return Token(access_token=token, expires_in=int(token_lifetime(settings).total_seconds()), role=user.role)


@router.get("/me", response_model=Principal, responses=error_responses(401), summary="Who the token belongs to")
def me(principal: CurrentPrincipal) -> Principal:
    return principal
