"""Empty, migrated databases of their own, for tests that count everything in them (the seed)."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from core.db import make_engine
from core.migrate import upgrade_database
from tests.conftest import PG_ADMIN_URL


@contextmanager
def fresh_engine(kind: str, request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[Engine]:
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('fresh') / 'fresh.db'}"
        upgrade_database(url)
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()
        return
    request.getfixturevalue("pg_url")  # skips, with the reason, when PostgreSQL is unreachable
    schema = f"fresh_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_ADMIN_URL else "?"
    url = f"{PG_ADMIN_URL}{sep}options=-csearch_path%3D{schema}"
    engine = None
    try:
        upgrade_database(url)
        engine = make_engine(url)
        yield engine
    finally:
        if engine is not None:
            engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
