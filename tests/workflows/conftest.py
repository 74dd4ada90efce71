import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from core.db import make_engine
from core.settings import Settings
from policy.loader import load_policy
from core.settings import DEFAULT_POLICY_FILE
from tests.workflows.driver import Driver
from worker import build_worker


@pytest.fixture(scope="session")
def wf_engine(sqlite_url):
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def policy():
    return load_policy(DEFAULT_POLICY_FILE)


@pytest_asyncio.fixture
async def driver(ts_env, wf_engine, policy) -> AsyncIterator[Driver]:
    """A worker with the real activities on a fresh task queue, over the time-skipping server."""
    task_queue = f"tq-{uuid.uuid4().hex[:8]}"
    async with build_worker(ts_env.client, wf_engine, Settings(), task_queue=task_queue):
        yield Driver(ts_env, wf_engine, task_queue, policy)
