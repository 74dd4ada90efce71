"""Audit tests get databases of their own: tampering with a shared chain would break other suites."""

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from core.db import make_engine
from core.migrate import upgrade_database
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
