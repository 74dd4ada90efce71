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
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from temporalio.client import Client

from api.main import create_app
from api.security import create_access_token
from core.db import make_engine
from core.migrate import upgrade_database
from core.seed import seed_demo
from core.settings import Settings
from tests.conftest import PG_ADMIN_URL, _pg_available

DEAD_TEMPORAL = "127.0.0.1:1"  # nothing listens on port 1: "Temporal is down"

ROLE_OF = {"alice": "consumer", "bob": "consumer", "shop1": "merchant", "shop13": "merchant", "agent1": "agent",
           "agent2": "agent", "super1": "supervisor", "audit1": "auditor", "admin1": "admin"}
ONE_USER_PER_ROLE = {"consumer": "alice", "merchant": "shop1", "agent": "agent1", "supervisor": "super1",
                     "auditor": "audit1", "admin": "admin1"}


def _fresh_sqlite(tmp: Path) -> str:
    url = f"sqlite:///{tmp / 'api.db'}"
    upgrade_database(url)
    return url


def _fresh_postgres() -> tuple[str, str]:
    reason = _pg_available()
    if reason:
        pytest.skip(reason)
    schema = f"api_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    sep = "&" if "?" in PG_ADMIN_URL else "?"
    url = f"{PG_ADMIN_URL}{sep}options=-csearch_path%3D{schema}"
    upgrade_database(url)
    return url, schema


def _drop_schema(schema: str) -> None:
    admin = create_engine(PG_ADMIN_URL)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


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
    values = {"data_dir": data_dir, "dev_mode": False, "temporal_address": DEAD_TEMPORAL,
              "jwt_secret": "test-secret-" + "x" * 40} | overrides
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
