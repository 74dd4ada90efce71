"""The migrated schema matches the models, and times survive the round trip as aware UTC."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import StatementError
from sqlmodel import SQLModel, select

import models.tables  # noqa: F401  (registers every table on the metadata)
from core.db import make_engine, session_scope
from core.migrate import alembic_config, upgrade_database
from models.tables import Complaint
from tests.data.factories import World, add_world


def schema_differences(engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, SQLModel.metadata)


def test_migrations_produce_exactly_the_models(engine):
    assert schema_differences(engine) == []


def test_the_comparison_notices_a_missing_migration(tmp_path):
    url = f"sqlite:///{tmp_path / 'drift.db'}"
    command.upgrade(alembic_config(url), "0001")
    engine = make_engine(url)
    try:
        missing = [(d[0], getattr(d[1], "name", None)) for d in schema_differences(engine) if isinstance(d, tuple)]
        assert ("add_index", "ux_ledger_entry_reverses_key") in missing
        upgrade_database(url)
        assert schema_differences(engine) == []
        command.downgrade(alembic_config(url), "0001")
        assert schema_differences(engine) != []
    finally:
        engine.dispose()


def test_migrations_have_one_head():
    assert len(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()) == 1


@pytest.fixture
def world(engine) -> World:
    return add_world(engine)


def test_an_aware_time_comes_back_aware_utc_and_equal(engine, world):
    beijing = timezone(timedelta(hours=8))
    filed = datetime(2026, 11, 20, 23, 30, 15, 123456, tzinfo=beijing)
    with session_scope(engine) as session:
        row = session.get(Complaint, world.complaint)
        row.sla_due_at = filed
        session.add(row)

    with session_scope(engine) as session:
        stored = session.get(Complaint, world.complaint).sla_due_at

    assert stored == filed
    assert stored.utcoffset() == timedelta(0)
    assert stored.tzinfo is not None and stored.hour == 15


def test_a_naive_time_is_refused(engine, world):
    with pytest.raises(StatementError, match="naive datetime refused"):
        with session_scope(engine) as session:
            row = session.get(Complaint, world.complaint)
            row.sla_due_at = datetime(2026, 11, 20, 12, 0)
            session.add(row)

    with session_scope(engine) as session:
        assert session.get(Complaint, world.complaint).sla_due_at is None


def test_times_compare_correctly_in_queries(engine, world):
    """A filter with a non-UTC bound still selects by the instant, not by the wall-clock digits."""
    with session_scope(engine) as session:
        row = session.get(Complaint, world.complaint)
        row.sla_due_at = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
        session.add(row)
    just_before = datetime(2026, 11, 20, 19, 59, tzinfo=timezone(timedelta(hours=8)))  # 11:59 UTC

    with session_scope(engine) as session:
        due_after = session.exec(
            select(Complaint.id).where(Complaint.id == world.complaint, Complaint.sla_due_at > just_before)
        ).all()
    assert due_after == [world.complaint]
