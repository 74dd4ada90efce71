"""The worker's background insights drain: folds the cases the read-model writer marked, every
INSIGHTS_DRAIN_SECONDS, so that an insights query's own drain (insights/pending.py) finds little left.

Every worker runs one; on PostgreSQL they share the marks (a drain skips what another holds). A failed drain
is logged and tried again at the next tick: the marks stay until a drain commits.
"""

import asyncio
import contextlib
import logging

from sqlalchemy.engine import Engine

from insights import pending

log = logging.getLogger(__name__)


async def drain_until(stop: asyncio.Event, engine: Engine, every_seconds: float, chunk: int) -> None:
    while not stop.is_set():
        try:
            folded = await asyncio.to_thread(pending.drain, engine, chunk)
            if folded:
                log.debug("insights drain folded %d cases", folded)
        except Exception:  # the database is away or a chunk failed: its marks wait for the next tick
            log.exception("insights drain failed; retrying in %.1f s", every_seconds)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every_seconds)
