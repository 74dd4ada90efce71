"""A model-based attacker: random steps by random actors through the API, invariants checked after each.

Hypothesis drives a RuleBasedStateMachine: every role, owners and strangers, right and wrong stage,
valid and hostile payloads (NUL, control and RTL characters, huge strings, wrong types). The API runs
in this process against a real dev server, a worker process and a real database (SQLite or
PostgreSQL). The machine runs in a thread; each request is sent on the drill's event loop.

After every step: no 5xx; a refused step changed nothing (its case's state, the ledger, the audit
log, the read model); each party lists only its own cases; money to the consumer per order line is at
most what was paid; each merchant's frozen deposit equals what its cases' freezes still hold, and a
closed case holds nothing; per-case audit seqs are gapless and the chain verifies; every open case
has a pending action or a running clock. tests/model runs a bounded number of sequences;
`complaints drills run --only model` a long one.

The world and its rules are drills/attacker_world.py, the invariants drills/attacker_invariants.py; this
module puts them together and runs them.
"""

import asyncio
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test
from sqlalchemy import func
from sqlmodel import Session, select

from bench.fixtures import Party
from drills.api_drills import in_process_api
from drills.attacker_invariants import AttackerInvariants
from drills.attacker_world import STAFF, World
from drills.result import DrillResult
from models.tables import AuditLog, Complaint, LedgerEntry, User


class AttackerModel(AttackerInvariants):
    """One sequence of the attacker model: its rules (drills/attacker_world.py) and its invariants
    (drills/attacker_invariants.py). run_model subclasses it with the run's World."""


def _depth(engine: Any) -> dict[str, Any]:
    """How far the sequences drove cases: final stages, money moved, re-opens."""
    with Session(engine) as session:
        stages = session.exec(select(Complaint.stage, func.count()).group_by(Complaint.stage)).all()
        kinds = session.exec(select(LedgerEntry.kind, func.count()).group_by(LedgerEntry.kind)).all()
        reopened = session.exec(select(func.count()).select_from(AuditLog).where(AuditLog.action == "reopened")).one()
    return {"stages": dict(sorted(stages)), "ledger": dict(sorted(kinds)), "reopened": reopened}


async def run_model(
    sequences: int,
    steps: int,
    database_url: str | None = None,
    derandomize: bool = False,
    max_seconds: float = 3600,
    keep_going: bool = False,
) -> DrillResult:
    """Run the attacker model; the verdict's problems are the broken invariants, by kind.

    By default the first broken invariant ends the run; with keep_going every sequence runs to its end
    and each kind of problem is reported once, with how often it was seen and its first example.
    """
    from api.policy_store import install_policy
    from bench.env import bench_env
    from core.settings import Settings
    from drills.faults import drill_policy

    result = DrillResult("attacker model (hypothesis state machine through the API)")
    async with bench_env(database_url=database_url) as env:
        queue = f"model-{uuid.uuid4().hex[:6]}"
        users: dict[str, tuple[str, str, Party | None]] = {}
        with Session(env.engine) as session:
            for user, role in STAFF.items():
                session.add(
                    User(id=user, username=user.lower(), hashed_password="-", role=role, created_at=datetime.now(UTC))
                )
                users[user] = (role, user, None)
            session.commit()
        # Surveys go out two seconds after execution, so sequences reach the survey, re-opens and later rounds.
        install_policy(Settings(_env_file=None, data_dir=env.root / "api-data"), drill_policy())
        async with env.running_worker(queue), in_process_api(env, queue) as http:
            world = World(
                loop=asyncio.get_running_loop(),
                http=http,
                engine=env.engine,
                users=users,
                deadline=time.monotonic() + max_seconds,
                keep_going=keep_going,
            )
            machine = type("AttackerRun", (AttackerModel,), {"world": world})
            # Generation only: the system under test is real, so a replayed sequence meets other states and
            # Hypothesis cannot shrink it reliably. Each broken invariant is reported as found.
            config = settings(
                max_examples=sequences,
                stateful_step_count=steps,
                deadline=None,
                database=None,
                derandomize=derandomize,
                suppress_health_check=list(HealthCheck),
                report_multiple_bugs=False,
                phases=[Phase.generate],
            )
            started = time.monotonic()
            try:
                await asyncio.to_thread(run_state_machine_as_test, machine, settings=config)
            except Exception as exc:  # an invariant (recorded by _say) or Hypothesis' own complaint
                if not world.problems:
                    world.found("hypothesis", f"{type(exc).__name__}: {exc}"[:300])
            result.figures = {
                "sequences": sequences,
                "steps": world.steps,
                "refused": world.refused,
                "seconds": time.monotonic() - started,
                "statuses": dict(sorted(world.statuses.items())),
                **_depth(env.engine),
            }
            result.problems = [f"{kind} x{times}: {first}" for kind, (times, first) in world.problems.items()]
    return result
