"""One observed system for the operations tests: the real dev server, a worker whose SDK runtime serves
Prometheus metrics, the API, tracing into an in-memory exporter, and a seeded SQLite database."""

import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest_asyncio
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy.engine import Engine

from api.main import create_app
from core.db import make_engine
from core.migrate import upgrade_database
from core.temporal import connect
from observability.metrics import worker_runtime
from runtime.worker_build import build_worker
from seed.demo import seed_demo
from tests.api.conftest import Api, api_settings
from tests.api.conftest import _terminate_open_cases as terminate_open_cases
from tests.conftest import create_pg_schema, drop_pg_schema


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Observed:
    api: Api
    spans: InMemorySpanExporter
    worker_metrics_url: str
    engine: Engine


async def observe(dev_env, url: str, data: Path) -> AsyncIterator[Observed]:
    engine = make_engine(url)
    seed_demo(engine, now=datetime.now(UTC))
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    port = free_port()
    settings = api_settings(
        data,
        temporal_address=dev_env.client.service_client.config.target_host,
        temporal_task_queue=f"ops-{uuid.uuid4().hex[:8]}",
        database_url=url,
    )
    client = await connect(settings, runtime=worker_runtime("127.0.0.1", port), tracer_provider=provider)
    try:
        async with build_worker(client, engine, settings):
            app = create_app(settings, client=client, engine=engine, tracer_provider=provider)
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
                async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
                    api = Api(app=app, http=http, settings=settings, engine=engine)
                    yield Observed(
                        api=api, spans=spans, worker_metrics_url=f"http://127.0.0.1:{port}/metrics", engine=engine
                    )
            await terminate_open_cases(client, engine)
    finally:
        engine.dispose()
        provider.shutdown()


def _sqlite(tmp_path_factory) -> tuple[str, Path]:
    data = tmp_path_factory.mktemp("ops")
    url = f"sqlite:///{data / 'ops.db'}"
    upgrade_database(url)
    return url, data


@pytest_asyncio.fixture(scope="module")
async def observed(dev_env, tmp_path_factory) -> AsyncIterator[Observed]:
    """On SQLite: for the tests whose subject is not the database."""
    url, data = _sqlite(tmp_path_factory)
    async for instance in observe(dev_env, url, data):
        yield instance


@pytest_asyncio.fixture(scope="module", params=["sqlite", "postgres"])
async def observed_on_each_database(request, dev_env, tmp_path_factory) -> AsyncIterator[Observed]:
    if request.param == "sqlite":
        url, data = _sqlite(tmp_path_factory)
        schema = None
    else:
        (url, schema), data = create_pg_schema("ops"), tmp_path_factory.mktemp("ops-pg")
    try:
        async for instance in observe(dev_env, url, data):
            yield instance
    finally:
        if schema:
            drop_pg_schema(schema)


@contextmanager
def evidence_store_fails(engine: Engine) -> Iterator[None]:
    """Every evidence INSERT fails inside the database until the block ends: a permanent data error for the
    worker (activities/errors.py), so the step is rolled back and the API answers 422 step_failed.

    PostgreSQL: a CHECK constraint no row can meet, whose error repeats the failing row (DETAIL), the way
    a real constraint violation would. SQLite: a trigger that aborts the insert.
    """
    if engine.dialect.name == "postgresql":
        create = "ALTER TABLE evidence_item ADD CONSTRAINT evidence_store_offline CHECK (false) NOT VALID"
        drop = "ALTER TABLE evidence_item DROP CONSTRAINT evidence_store_offline"
    else:
        create = (
            "CREATE TRIGGER IF NOT EXISTS evidence_store_offline BEFORE INSERT ON evidence_item "
            "BEGIN SELECT RAISE(ABORT, 'evidence store offline'); END"
        )
        drop = "DROP TRIGGER IF EXISTS evidence_store_offline"
    with engine.begin() as conn:
        conn.exec_driver_sql(create)
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(drop)
