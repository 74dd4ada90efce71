"""`complaints drills run`: every reliability drill at full size, one verdict each (docs/RELIABILITY.md)."""

from collections.abc import Awaitable, Callable

from drills.api_drills import agents_drill, duplicate_writes_drill
from drills.attacker_model import run_model
from drills.faults import kill_worker_drill, pg_drop_drill, temporal_restart_drill, worker_stall_drill
from drills.fuzz import fuzz_drill
from drills.result import DrillResult

DRILLS: dict[str, Callable[[], Awaitable[DrillResult]]] = {
    "kill-worker": lambda: kill_worker_drill(cases=50, concurrency=50),
    "temporal-restart": lambda: temporal_restart_drill(cases=50, concurrency=50),
    "pg-drop": lambda: pg_drop_drill(cases=50, concurrency=50),
    "worker-stall": lambda: worker_stall_drill(cases=50, stalls=4),
    "worker-stall-local": lambda: worker_stall_drill(cases=50, stalls=4, local_step_writes=True),
    # Temporal's default sticky timeout, shorter than the stall: the drill that found the hazard.
    "worker-stall-short-sticky": lambda: worker_stall_drill(cases=50, stalls=4, sticky_timeout_seconds=10.0),
    "duplicates": duplicate_writes_drill,
    "fuzz": lambda: fuzz_drill(examples=25, database_url=_database_url()),
    "agents": lambda: agents_drill(agents=50, seconds=60.0),
    # Not in the default run (minutes): `complaints drills run --only model`; DATABASE_URL picks the database.
    "model": lambda: model_drill(50, 40),
}
# Run only when named: the attacker model (long), and the short-sticky stall, which shows the hazard that
# WORKER_STICKY_TIMEOUT_SECONDS closes and so is expected to report cases that do not replay.
DEFAULT_DRILLS = [name for name in DRILLS if name not in ("model", "worker-stall-short-sticky")]


def _database_url() -> str | None:
    """DATABASE_URL (PostgreSQL, migrated) when set: fuzz and model run there; a fresh SQLite file otherwise."""
    from core.migrate import upgrade_database
    from core.settings import Settings

    url = Settings().database_url
    if url:
        upgrade_database(url)  # idempotent: a drill may be the first thing to touch a fresh schema
    return url


def model_drill(sequences: int, steps: int) -> Awaitable[DrillResult]:
    """Every sequence runs to its end: the verdict lists each kind of broken invariant once, with a count."""
    return run_model(sequences=sequences, steps=steps, database_url=_database_url(), keep_going=True)


async def run_drills(names: list[str], say=print) -> list[DrillResult]:
    results = []
    for name in names:
        say(f"drill {name} ...")
        result = await DRILLS[name]()
        say(result.render())
        results.append(result)
    return results
