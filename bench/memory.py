"""Worker resident memory with many open cases.

Cases are filed under the default policy (real deadlines: nothing fires) and left waiting for an agent
in classification. The worker is its own process, so the figure is the worker's RSS alone, read from
/proc after the filings settle. Beyond `WORKER_MAX_CACHED_WORKFLOWS` open cases, the worker keeps only
that many in memory: the rest live in Temporal's history until their next event.
"""

import asyncio
import uuid
from dataclasses import dataclass, field

from bench.env import BenchEnv
from bench.fixtures import make_parties
from bench.scenario import FullCase
from models.policy import Policy

MIB = 1024 * 1024


@dataclass
class MemoryResult:
    idle_mib: float = 0.0
    by_open_cases: dict[int, float] = field(default_factory=dict)  # open cases → RSS MiB
    filing_rate: float = 0.0


async def run_memory(
    env: BenchEnv, policy: Policy, *, checkpoints: list[int], worker_settings: dict, say=print
) -> MemoryResult:
    task_queue = f"mem-{uuid.uuid4().hex[:6]}"
    result = MemoryResult()
    gate = asyncio.Semaphore(20)
    loop = asyncio.get_running_loop()

    async def file(party) -> None:
        async with gate:
            await FullCase(env.client, env.engine, task_queue, policy, party).file()

    async with env.running_worker(task_queue, **worker_settings) as worker:
        await asyncio.sleep(3)
        result.idle_mib = worker.rss_bytes() / MIB
        opened, began = 0, loop.time()
        for target in sorted(checkpoints):
            parties = make_parties(env.engine, target - opened)
            await asyncio.gather(*(file(p) for p in parties))
            opened = target
            await asyncio.sleep(5)  # let the intake activities of the last filings finish
            result.by_open_cases[target] = worker.rss_bytes() / MIB
            say(f"  {target} open cases: worker RSS {result.by_open_cases[target]:.0f} MiB")
        result.filing_rate = opened / (loop.time() - began)
    return result
