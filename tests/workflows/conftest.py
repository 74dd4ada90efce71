import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from audit.case_driver import CaseDriver
from core import search_attributes
from core.binaries import SERVER_STARTUP_TIMEOUT, find_binary
from core.db import make_engine
from core.settings import DEFAULT_POLICY_FILE, Settings
from core.temporal import data_converter
from policy.loader import load_policy
from runtime.worker_build import build_worker


@pytest.fixture(scope="session")
def wf_engine(sqlite_url):
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def policy():
    return load_policy(DEFAULT_POLICY_FILE)


@pytest_asyncio.fixture
async def case_env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server of the test's own (~0.1 s to start): its clock is global, so a case from
    another test could otherwise hold time still or fire timers in the middle of this one."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_startup_timeout=SERVER_STARTUP_TIMEOUT,
        test_server_existing_path=find_binary("temporal-test-server"),
        data_converter=data_converter(),
    )
    await search_attributes.register(env.client)
    yield env
    await env.shutdown()


@pytest_asyncio.fixture
async def driver(case_env, wf_engine, policy) -> AsyncIterator[CaseDriver]:
    """A worker with the real activities on a fresh task queue, over the time-skipping server."""
    task_queue = f"tq-{uuid.uuid4().hex[:8]}"
    async with build_worker(case_env.client, wf_engine, Settings(), task_queue=task_queue):
        driver = CaseDriver(case_env, wf_engine, task_queue, policy)
        yield driver
        await driver.cleanup()
