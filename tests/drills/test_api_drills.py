"""Smaller in-suite versions of the API drills (full size: `complaints drills run`)."""

import pytest

from drills.api_drills import agents_drill, duplicate_writes_drill
from drills.fuzz import fuzz_drill
from tests.conftest import create_pg_schema, drop_pg_schema


async def test_the_same_write_twice_has_one_effect_with_one_key_or_identical_content():
    result = await duplicate_writes_drill()
    assert result.problems == []
    assert result.figures["ledger"] == {"deposit_freeze": 1, "merchant_refund": 1, "deposit_unfreeze": 1}


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_schema_generated_requests_with_every_role_never_get_a_5xx(database):
    """Strings carry NUL or a 200 KB tail in two requests of three: PostgreSQL refuses NUL, so it must never see one."""
    url, schema = create_pg_schema("fuzz") if database == "postgres" else (None, None)
    try:
        result = await fuzz_drill(examples=3, database_url=url)
    finally:
        if schema:
            drop_pg_schema(schema)
    print(result.render())
    assert result.problems == []
    assert result.figures["requests"] > 100
    assert result.figures["statuses"].get(422, 0) > 10 and 500 not in result.figures["statuses"]


async def test_more_concurrent_agents_than_database_connections_get_no_errors():
    """20 agents without think time keep more writes in flight than the 15 pooled SQLite connections."""
    result = await agents_drill(agents=20, seconds=5.0, think=(0.0, 0.05), per_agent=1)
    assert result.problems == []
    assert result.figures["actions"] > 20
