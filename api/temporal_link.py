"""The API's one Temporal client, connected lazily: the API starts and answers 503 while Temporal is down."""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta

from temporalio.client import Client

from api.errors import unavailable

log = logging.getLogger("api.temporal")

CONNECT_TIMEOUT_SECONDS = 5.0
# After a failed attempt, requests fail fast for this long instead of each waiting on a dead server.
RECONNECT_BACKOFF_SECONDS = 2.0
HEALTH_TIMEOUT = timedelta(seconds=3)

# The SDK reports a client that never reached the server as a RuntimeError with this prefix.
_CONNECT_FAILURE_PREFIX = "Failed client connect"


def is_connect_failure(exc: BaseException) -> bool:
    return isinstance(exc, RuntimeError) and str(exc).startswith(_CONNECT_FAILURE_PREFIX)


class TemporalLink:
    def __init__(self, connect: Callable[[], Awaitable[Client]], client: Client | None = None) -> None:
        self._connect = connect
        self._client = client
        self._lock = asyncio.Lock()
        self._retry_at = 0.0

    @property
    def connected(self) -> Client | None:
        return self._client

    async def try_connect(self) -> Client | None:
        """The client, connecting first if needed; None while Temporal is unreachable."""
        if self._client is not None:
            return self._client
        async with self._lock:
            if self._client is not None:
                return self._client
            if time.monotonic() < self._retry_at:
                return None
            try:
                self._client = await asyncio.wait_for(self._connect(), CONNECT_TIMEOUT_SECONDS)
                log.info("connected to Temporal")
            except Exception as exc:  # every way of not reaching the server means the same: retry later
                self._retry_at = time.monotonic() + RECONNECT_BACKOFF_SECONDS
                log.warning("Temporal unreachable (%s); endpoints that need it answer 503", type(exc).__name__)
                return None
        return self._client

    async def client(self) -> Client:
        client = await self.try_connect()
        if client is None:
            raise unavailable("the workflow service is unreachable; retry the request")
        return client

    async def healthy(self) -> bool:
        client = await self.try_connect()
        if client is None:
            return False
        try:
            return await client.service_client.check_health(timeout=HEALTH_TIMEOUT)
        except Exception as exc:  # a failed health probe is an answer, not an error
            log.warning("Temporal health check failed (%s)", type(exc).__name__)
            return False
