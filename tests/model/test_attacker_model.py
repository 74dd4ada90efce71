"""The attacker model in CI: a bounded number of sequences on SQLite and on PostgreSQL.

The long run is `complaints drills run --only model`. A failure prints the broken invariant and
Hypothesis's shortest sequence of steps that breaks it.
"""

import pytest

from drills.attacker_model import run_model
from tests.conftest import create_pg_schema, drop_pg_schema

SEQUENCES = 5
STEPS = 15


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_no_sequence_of_hostile_steps_breaks_an_invariant(database):
    url, schema = create_pg_schema("model") if database == "postgres" else (None, None)
    try:
        result = await run_model(SEQUENCES, STEPS, database_url=url, derandomize=True)
    finally:
        if schema:
            drop_pg_schema(schema)
    print(result.render())
    assert result.figures["steps"] >= SEQUENCES
    assert not [s for s in result.figures["statuses"] if s >= 500]
    assert result.ok, result.render()
