"""Throwaway databases: a SQLite file in a temporary directory, or a schema of its own in PostgreSQL."""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from core.migrate import upgrade_database

PG_ADMIN_URL = os.environ.get(
    "BENCH_PG_URL", os.environ.get("TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
)


def sqlite_database(directory: Path, name: str = "complaints.db") -> str:
    directory.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{directory / name}"
    upgrade_database(url)
    return url


def with_options(url: str, **params: str) -> str:
    sep = "&" if "?" in url else "?"
    return url + sep + "&".join(f"{k}={v}" for k, v in params.items())


@contextmanager
def postgres_schema(admin_url: str = PG_ADMIN_URL, prefix: str = "bench") -> Iterator[str]:
    """A fresh migrated schema, dropped afterwards; the URL pins the search_path to it."""
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, connect_args={"connect_timeout": 5})
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = with_options(admin_url, options=f"-csearch_path%3D{schema}")
    try:
        upgrade_database(url)
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def postgres_reachable(admin_url: str = PG_ADMIN_URL) -> str | None:
    """None when reachable, else the reason."""
    try:
        engine = create_engine(admin_url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure to connect is a reason to skip, reported as is
        return f"{type(exc).__name__}: {exc}"[:200]
