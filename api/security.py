"""Passwords and access tokens: pwdlib (Argon2) hashes, PyJWT HS256 bearer tokens.

Tokens carry the user id, role and expiry only; the user row is re-read on every request so a
deactivated user or a changed role takes effect immediately, not when the token expires.
"""

from datetime import UTC, datetime, timedelta

import jwt
from pwdlib import PasswordHash

from core.settings import Settings

ALGORITHM = "HS256"

_password_hash = PasswordHash.recommended()
# Verifying against this when the username is unknown keeps login time independent of whether
# the user exists, so timing does not reveal valid usernames.
_DUMMY_HASH = _password_hash.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _password_hash.hash(password)


def verify_password(password: str, hashed: str | None) -> bool:
    if hashed is None:
        _password_hash.verify(password, _DUMMY_HASH)
        return False
    return _password_hash.verify(password, hashed)


# Clock skew tolerated on a token's iat between API processes.
IAT_LEEWAY = timedelta(seconds=30)


def token_lifetime(settings: Settings, requested: timedelta | None = None) -> timedelta:
    ttl = requested if requested is not None else timedelta(minutes=settings.jwt_ttl_minutes)
    return min(ttl, timedelta(minutes=settings.jwt_max_age_minutes))


def create_access_token(settings: Settings, *, user_id: str, role: str, expires_in: timedelta | None = None) -> str:
    now = datetime.now(UTC)
    ttl = token_lifetime(settings, expires_in)
    claims = {"sub": user_id, "role": role, "iat": now, "exp": now + ttl}
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm=ALGORITHM)


def decode_access_token(settings: Settings, token: str) -> str:
    """The user id in a valid, unexpired token; raises jwt.InvalidTokenError otherwise.

    Whatever `exp` says, a token is refused once it is older than jwt_max_age_minutes (from `iat`):
    a token signed with a far-future expiry, by a leaked key or an old release, does not live forever.
    """
    claims = jwt.decode(
        token,
        settings.jwt_secret.get_secret_value(),
        algorithms=[ALGORITHM],
        options={"require": ["sub", "exp", "iat"]},
    )
    issued = datetime.fromtimestamp(claims["iat"], UTC)
    now = datetime.now(UTC)
    if issued > now + IAT_LEEWAY:
        raise jwt.ImmatureSignatureError("token issued in the future")
    if now - issued > timedelta(minutes=settings.jwt_max_age_minutes):
        raise jwt.ExpiredSignatureError("token older than the maximum token age")
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise jwt.InvalidTokenError("token has no subject")
    return subject
