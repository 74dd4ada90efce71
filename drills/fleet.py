"""A fleet of full cases driven at once, with a fault injected when a given share of their steps is done."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bench.env import BenchEnv
from bench.fixtures import make_parties
from bench.scenario import STEPS, FullCase
from core.settings import Settings
from models.enums import Stage
from models.policy import Policy


@dataclass
class FleetOutcome:
    complaint_ids: list[str] = field(default_factory=list)
    closed: int = 0
    failures: list[str] = field(default_factory=list)
    fault_at_steps: int | None = None
    seconds: float = 0.0


async def run_fleet(
    env: BenchEnv,
    policy: Policy,
    task_queue: str,
    *,
    cases: int,
    concurrency: int,
    fault: Callable[[], Awaitable[None]] | None = None,
    fault_at: float = 0.5,
    patience: float = 180.0,
    local_step_writes: bool | None = None,
) -> FleetOutcome:
    """Drive `cases` full cases; when `fault_at` of all their steps are done, await `fault()` once.
    `local_step_writes` None files as the API would (WORKFLOW_LOCAL_WRITES)."""
    writes = Settings().workflow_local_writes if local_step_writes is None else local_step_writes
    outcome = FleetOutcome()
    parties = make_parties(env.engine, cases)
    total_steps = cases * len(STEPS)
    done = 0
    trigger = asyncio.Event()
    gate = asyncio.Semaphore(concurrency)

    def stepped(_: str) -> None:
        nonlocal done
        done += 1
        if done >= total_steps * fault_at:
            trigger.set()

    async def one(party) -> None:
        async with gate:
            case = FullCase(
                env.client, env.engine, task_queue, policy, party, patience=patience, local_step_writes=writes
            )
            try:
                state = await case.run(on_step=stepped)
                if state.stage == Stage.CLOSED:
                    outcome.closed += 1
                else:
                    outcome.failures.append(f"{case.name}: ended in {state.stage.value}")
            except Exception as exc:  # reported with the case it hit; the drill fails on any
                outcome.failures.append(f"{case.name}: {type(exc).__name__}: {exc}"[:300])
            finally:
                if case.complaint_id:
                    outcome.complaint_ids.append(case.complaint_id)

    async def inject() -> None:
        await trigger.wait()
        outcome.fault_at_steps = done
        await fault()

    began = time.monotonic()
    runs = asyncio.gather(*(one(p) for p in parties))
    injector = asyncio.create_task(inject()) if fault else None
    await runs
    if injector is not None:
        if not injector.done():
            injector.cancel()
        else:
            injector.result()  # a fault that failed to inject fails the drill
    outcome.seconds = time.monotonic() - began
    return outcome
