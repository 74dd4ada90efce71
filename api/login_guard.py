"""Brute force on POST /auth/token: failed logins are limited per username and per client address.

The counting is the `limits` library's (moving windows). Past a username's limit the name is locked
out, first for login_lockout_base_seconds, doubling with each further lockout up to
login_lockout_max_seconds; an address past its limit waits for its window. Both answer 429 with
Retry-After, before the password is even checked (Argon2 is expensive). A success clears the
username's failures and back-off.

The storage is one setting: `memory://` counts inside one process (the embedded stack), and a shared
storage (`redis://host:6379`, needs the `redis` package) makes several API processes count together.
A lockout reveals nothing: an unknown username is counted and locked exactly like a real one.
"""

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from api.errors import ApiError
from core.settings import Settings

# How long a username's lockout count is remembered: a day without a lockout starts the back-off over.
BACKOFF_MEMORY_SECONDS = 24 * 3600


@dataclass
class LoginGuard:
    storage: Storage
    per_user: list[RateLimitItem]
    per_address: list[RateLimitItem]
    lockout_base: int
    lockout_max: int

    @classmethod
    def from_settings(cls, settings: Settings) -> "LoginGuard":
        storage = storage_from_string(settings.rate_limit_storage)
        if not isinstance(storage, Storage):  # an async storage (async+redis://) cannot serve this sync path
            raise ValueError(f"RATE_LIMIT_STORAGE {settings.rate_limit_storage!r} is not a synchronous storage")
        return cls(
            storage=storage,
            per_user=parse_many(settings.login_attempts_per_user),
            per_address=parse_many(settings.login_attempts_per_address),
            lockout_base=settings.login_lockout_base_seconds,
            lockout_max=settings.login_lockout_max_seconds,
        )

    @property
    def limiter(self) -> MovingWindowRateLimiter:
        return MovingWindowRateLimiter(self.storage)

    @staticmethod
    def _user(username: str) -> str:
        return username.strip().lower()

    def check(self, username: str, address: str) -> None:
        """Raise 429 if this username is locked out or this address has used up its attempts."""
        user = self._user(username)
        locked_until = self.storage.get_expiry(f"login-lock/{user}") if self.storage.get(f"login-lock/{user}") else 0
        if locked_until > time.time():
            raise _too_many("too many failed logins for this username; try again later", locked_until)
        for item in self.per_address:
            if not self.limiter.test(item, "login-address", address):
                reset = self.limiter.get_window_stats(item, "login-address", address).reset_time
                raise _too_many("too many failed logins from this address; try again later", reset)

    def failed(self, username: str, address: str) -> None:
        """Count one failure; the one that passes the username's limit starts a lockout (and is a 429)."""
        user = self._user(username)
        for item in self.per_address:
            self.limiter.hit(item, "login-address", address)
        exceeded = [item for item in self.per_user if not self.limiter.hit(item, "login-user", user)]
        if exceeded:
            lockouts = self.storage.incr(f"login-lockouts/{user}", BACKOFF_MEMORY_SECONDS)
            seconds = min(self.lockout_max, self.lockout_base * 2 ** min(lockouts - 1, 30))
            self.storage.incr(f"login-lock/{user}", seconds)
            for item in self.per_user:  # the lockout takes over; its end starts a fresh window
                self.limiter.clear(item, "login-user", user)
            raise _too_many("too many failed logins for this username; try again later", time.time() + seconds)

    def succeeded(self, username: str) -> None:
        user = self._user(username)
        for item in self.per_user:
            self.limiter.clear(item, "login-user", user)
        self.storage.clear(f"login-lockouts/{user}")


def _too_many(message: str, until: float) -> ApiError:
    retry_after = max(1, math.ceil(until - time.time()))
    return ApiError(
        429,
        "too_many_requests",
        message,
        {"retry_after_seconds": retry_after},
        headers={"Retry-After": str(retry_after)},
    )
