"""Audit test fixtures.

`chain_engine`: a database of its own per test (tampering with a shared chain would break other suites).
`audit_stack`: the API over a seeded database and a private time-skipping server, after real cases ran.
"""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import pytest_asyncio
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from temporalio.testing import WorkflowEnvironment

from audit.case_driver import CaseDriver
from audit.scenarios import merchant_silent_offer_lapsed_withdrawn, tier1_resolved
from core import search_attributes
from core.binaries import SERVER_STARTUP_TIMEOUT, find_binary
from core.db import make_engine
from core.migrate import upgrade_database
from core.settings import DEFAULT_POLICY_FILE
from core.temporal import data_converter
from policy.loader import load_policy
from runtime.worker_build import build_worker
from seed.demo import seed_demo
from tests.api.conftest import Api, _drop_schema, _fresh_postgres, _fresh_sqlite, api_settings, start_api
from tests.conftest import PG_ADMIN_URL


@pytest.fixture
def chain_engine(db_url: str, tmp_path) -> Iterator[Engine]:
    """A freshly migrated, empty database on the same backend as `db_url` (SQLite or PostgreSQL)."""
    if db_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'audit.db'}"
        upgrade_database(url)
        eng = make_engine(url)
        yield eng
        eng.dispose()
        return
    schema = f"a_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_ADMIN_URL else "?"
    url = f"{PG_ADMIN_URL}{sep}options=-csearch_path%3D{schema}"
    upgrade_database(url)
    eng = make_engine(url)
    try:
        yield eng
    finally:
        eng.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@dataclass
class AuditStack:
    api: Api
    env: WorkflowEnvironment
    engine: Engine
    db_url: str
    cases: dict[str, str]  # scenario name -> complaint id, every one finished
    started_at: datetime


@pytest_asyncio.fixture(scope="module", params=["sqlite", "postgres"])
async def audit_stack(request, tmp_path_factory):
    """The API over a seeded database and a private time-skipping server, after two real cases ran."""
    schema = None
    if request.param == "sqlite":
        url = _fresh_sqlite(tmp_path_factory.mktemp("audit-db"))
    else:
        url, schema = _fresh_postgres()
    eng = make_engine(url)
    seed_demo(eng, now=datetime.now(UTC))
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_startup_timeout=SERVER_STARTUP_TIMEOUT,
        test_server_existing_path=find_binary("temporal-test-server"),
        data_converter=data_converter(),
    )
    try:
        await search_attributes.register(env.client)
        started = await env.get_current_time()
        task_queue = f"audit-{uuid.uuid4().hex[:8]}"
        settings = api_settings(tmp_path_factory.mktemp("audit-data"), temporal_task_queue=task_queue)
        async with build_worker(env.client, eng, settings, task_queue=task_queue):
            driver = CaseDriver(env, eng, task_queue, load_policy(DEFAULT_POLICY_FILE))
            cases = {}
            for scenario in (tier1_resolved, merchant_silent_offer_lapsed_withdrawn):
                cases[scenario.__name__] = await scenario(driver)
                await driver.finish(cases[scenario.__name__])
            async for api in start_api(settings, eng, client=env.client):
                yield AuditStack(api=api, env=env, engine=eng, db_url=url, cases=cases, started_at=started)
    finally:
        await env.shutdown()
        eng.dispose()
        if schema:
            _drop_schema(schema)
