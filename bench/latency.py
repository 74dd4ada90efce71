"""Agent action latency through the API: HTTP → workflow update (+ its audit record) → response, beside a
bare yardstick: the same route and auth over a bare workflow update (bench/bare_clock.py).

The API and the workers run as their own processes on the bench's dev server and database; the agents
are an httpx client in this process. The policy is the default one (real deadlines), so nothing but the
agents' own actions moves the cases while they are measured. The same agents then act for as long on
bare twins of their cases (same read-model rows, same route, token, idempotency claim and ownership
check; the workflow update has a validator and nothing else), answered by the bare worker process.
"""

import uuid
from dataclasses import dataclass

from bench.agents import AgentLoad, prepare_cases, run_agents, running_api
from bench.bare_cases import open_bare_clock_cases
from bench.env import BenchEnv
from bench.scenario import FullCase
from bench.stats import percentile
from models.policy import Policy
from workflows.ids import workflow_id


@dataclass
class LatencyResult:
    agents: int
    load: AgentLoad
    bare: AgentLoad

    def p(self, pct: float, which: str = "load") -> float:
        load: AgentLoad = getattr(self, which)
        return percentile(load.latencies, pct)

    def ratio(self, pct: float) -> float:
        return self.p(pct) / self.p(pct, "bare")

    def rate(self, which: str = "load") -> float:
        load: AgentLoad = getattr(self, which)
        return len(load.latencies) / load.seconds if load.seconds else 0.0


async def run_latency(
    env: BenchEnv,
    policy: Policy,
    *,
    agents: int,
    per_agent: int,
    seconds: float,
    think: tuple[float, float],
    worker_settings: dict,
) -> LatencyResult:
    task_queue, bare_queue = f"lat-{uuid.uuid4().hex[:6]}", f"lat-bare-{uuid.uuid4().hex[:6]}"
    async with env.running_worker(task_queue, **worker_settings):
        cases = await prepare_cases(env, policy, task_queue, agents=agents, per_agent=per_agent)
        [first, *_] = next(iter(cases.values()))
        template = await FullCase.state_of(env.client, first)
        async with running_api(env, task_queue) as base_url:
            warm = dict(list(cases.items())[:5])
            paused: dict[str, bool] = {}
            # Warm-up: the first requests pay for imports and connections.
            await run_agents(base_url, warm, seconds=3, think=(0.1, 0.2), paused=paused)
            load = await run_agents(base_url, cases, seconds=seconds, think=think, paused=paused)
            async with env.running_worker(bare_queue, module="bench.bare_worker", **worker_settings):
                bare_cases = await open_bare_clock_cases(env.client, env.engine, bare_queue, cases, template)
                bare_warm = dict(list(bare_cases.items())[:5])
                await run_agents(base_url, bare_warm, seconds=3, think=(0.1, 0.2), paused=paused)
                bare = await run_agents(base_url, bare_cases, seconds=seconds, think=think, paused=paused)
                for ids in bare_cases.values():
                    for cid in ids:
                        await env.client.get_workflow_handle(workflow_id(cid)).terminate("benchmark finished")
    return LatencyResult(agents=agents, load=load, bare=bare)
