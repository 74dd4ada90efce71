"""API fixtures: a fresh seeded database per module (SQLite and PostgreSQL), the app, tokens, clients.

Each test module gets its own database so counts and filters are exact; `api_db_url` runs a module
once per database. The demo seed supplies the users of every role (U-alice, U-shop1, U-agent1, ...).
"""

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from api.security import create_access_token
from core import search_attributes
from core.binaries import SERVER_STARTUP_TIMEOUT, find_binary
from core.db import make_engine, session_scope
from core.migrate import upgrade_database
from core.settings import Settings
from core.temporal import data_converter
from models.tables import Complaint, User
from runtime.worker_build import build_worker
from seed.demo import seed_demo
from tests.conftest import create_pg_schema, drop_pg_schema
from tests.workflows.factories import make_order

DEAD_TEMPORAL = "127.0.0.1:1"  # nothing listens on port 1: "Temporal is down"

ROLE_OF = {
    "alice": "consumer",
    "bob": "consumer",
    "shop1": "merchant",
    "shop13": "merchant",
    "agent1": "agent",
    "agent2": "agent",
    "super1": "supervisor",
    "audit1": "auditor",
    "admin1": "admin",
}
ONE_USER_PER_ROLE = {
    "consumer": "alice",
    "merchant": "shop1",
    "agent": "agent1",
    "supervisor": "super1",
    "auditor": "audit1",
    "admin": "admin1",
}


def _fresh_sqlite(tmp: Path) -> str:
    url = f"sqlite:///{tmp / 'api.db'}"
    upgrade_database(url)
    return url


def _fresh_postgres() -> tuple[str, str]:
    return create_pg_schema("api")


_drop_schema = drop_pg_schema


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def api_db_url(request, tmp_path_factory) -> Iterator[str]:
    """A migrated, demo-seeded database of its own for this module, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        url = _fresh_sqlite(tmp_path_factory.mktemp("api-db"))
        schema = None
    else:
        url, schema = _fresh_postgres()
    engine = make_engine(url)
    seed_demo(engine, now=datetime.now(UTC))
    engine.dispose()
    yield url
    if schema:
        _drop_schema(schema)


@pytest.fixture(scope="module")
def sqlite_only_db_url(tmp_path_factory) -> str:
    """For modules whose subject is not the database (Temporal end-to-end): SQLite, seeded."""
    url = _fresh_sqlite(tmp_path_factory.mktemp("api-db"))
    engine = make_engine(url)
    seed_demo(engine, now=datetime.now(UTC))
    engine.dispose()
    return url


def api_settings(data_dir: Path, **overrides) -> Settings:
    values = {
        "data_dir": data_dir,
        "dev_mode": False,
        "temporal_address": DEAD_TEMPORAL,
        "jwt_secret": "test-secret-" + "x" * 40,
    } | overrides
    return Settings(_env_file=None, **values)


@dataclass
class Api:
    """An app under test with an HTTP client and tokens for the demo users."""

    app: FastAPI
    http: httpx.AsyncClient
    settings: Settings
    engine: Engine

    def token(self, username: str) -> str:
        return create_access_token(self.settings, user_id=f"U-{username}", role=ROLE_OF[username])

    def auth(self, username: str, key: str | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token(username)}"}
        if key:
            headers["Idempotency-Key"] = key
        return headers


def new_key() -> str:
    return uuid.uuid4().hex


async def start_api(settings: Settings, engine: Engine, client: Client | None = None) -> AsyncIterator[Api]:
    app = create_app(settings, client=client, engine=engine)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
            yield Api(app=app, http=http, settings=settings, engine=engine)


@pytest.fixture(scope="module")
def api_engine(api_db_url) -> Iterator[Engine]:
    engine = make_engine(api_db_url)
    yield engine
    engine.dispose()


@pytest_asyncio.fixture(scope="module")
async def api(api_engine, tmp_path_factory) -> AsyncIterator[Api]:
    """The API with the module's database and Temporal down (for everything that needs no workflow)."""
    settings = api_settings(tmp_path_factory.mktemp("api-data"))
    async for instance in start_api(settings, api_engine):
        yield instance


# ---- end to end: the real workflow and activities on the time-skipping server ------------------------


@dataclass
class Party:
    """A consumer with an order from a merchant, each with a login of their own."""

    consumer_id: str
    merchant_id: str
    order_id: str
    lines: list[str]

    @property
    def consumer_user(self) -> str:
        return f"U-{self.consumer_id}"

    @property
    def merchant_user(self) -> str:
        return f"U-{self.merchant_id}"


def make_party(engine: Engine, **order_options) -> Party:
    who = make_order(engine, **order_options)
    party = Party(
        consumer_id=who.consumer.id, merchant_id=who.merchant.id, order_id=who.order_id, lines=list(who.line_ids)
    )
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        session.add(
            User(
                id=party.consumer_user,
                username=party.consumer_id.lower(),
                hashed_password="-",
                role="consumer",
                consumer_id=party.consumer_id,
                created_at=now,
            )
        )
        session.add(
            User(
                id=party.merchant_user,
                username=party.merchant_id.lower(),
                hashed_password="-",
                role="merchant",
                merchant_id=party.merchant_id,
                created_at=now,
            )
        )
    return party


def headers_for(api: Api, user_id: str, role: str, key: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {create_access_token(api.settings, user_id=user_id, role=role)}"}
    if key:
        headers["Idempotency-Key"] = key
    return headers


@pytest.fixture(scope="module")
def live_engine(sqlite_only_db_url) -> Iterator[Engine]:
    engine = make_engine(sqlite_only_db_url)
    yield engine
    engine.dispose()


async def start_live_api(client: Client, engine: Engine, data_dir: Path, **settings_overrides) -> AsyncIterator[Api]:
    """The API and a worker with the real activities, on a task queue of their own."""
    task_queue = f"api-{uuid.uuid4().hex[:8]}"
    settings = api_settings(data_dir, temporal_task_queue=task_queue, **settings_overrides)
    async with build_worker(client, engine, settings, task_queue=task_queue):
        async for instance in start_api(settings, engine, client=client):
            yield instance
    await _terminate_open_cases(client, engine)


async def _terminate_open_cases(client: Client, engine: Engine) -> None:
    """Leave nothing running on the shared server: another module's skipped time would fire our timers."""
    with Session(engine) as session:
        open_ids = session.exec(select(Complaint.workflow_id).where(Complaint.is_open)).all()
    for workflow_id in open_ids:
        try:
            await client.get_workflow_handle(workflow_id).terminate(reason="test module finished")
        except Exception:  # already closed, or started on another test server: nothing left to stop
            pass


@pytest_asyncio.fixture(scope="module")
async def live_api(ts_env, live_engine, tmp_path_factory) -> AsyncIterator[Api]:
    async for instance in start_live_api(ts_env.client, live_engine, tmp_path_factory.mktemp("live-data")):
        yield instance


@pytest_asyncio.fixture
async def isolated_live_api(live_engine, tmp_path_factory) -> AsyncIterator[tuple[Api, WorkflowEnvironment]]:
    """For a test that skips days: skipped time fires every open case's timers, so it gets a server of its own."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_startup_timeout=SERVER_STARTUP_TIMEOUT,
        test_server_existing_path=find_binary("temporal-test-server"),
        data_converter=data_converter(),
    )
    try:
        await search_attributes.register(env.client)
        async for instance in start_live_api(env.client, live_engine, tmp_path_factory.mktemp("isolated")):
            yield instance, env
    finally:
        await env.shutdown()
