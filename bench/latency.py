"""Agent action latency through the API: HTTP → workflow update (+ its audit record) → response.

The API and the worker run as their own processes on the bench's dev server and database; the agents
are an httpx client in this process. The policy is the default one (real deadlines), so nothing but the
agents' own actions moves the cases while they are measured.
"""

import uuid
from dataclasses import dataclass

from bench.agents import AgentLoad, prepare_cases, run_agents, running_api
from bench.env import BenchEnv
from bench.stats import percentile
from models.policy import Policy


@dataclass
class LatencyResult:
    agents: int
    load: AgentLoad

    def p(self, pct: float) -> float:
        return percentile(self.load.latencies, pct)

    @property
    def rate(self) -> float:
        return len(self.load.latencies) / self.load.seconds if self.load.seconds else 0.0


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
    task_queue = f"lat-{uuid.uuid4().hex[:6]}"
    async with env.running_worker(task_queue, **worker_settings):
        cases = await prepare_cases(env, policy, task_queue, agents=agents, per_agent=per_agent)
        async with running_api(env, task_queue) as base_url:
            paused: dict[str, bool] = {}
            await run_agents(
                base_url, dict(list(cases.items())[:5]), seconds=3, think=(0.1, 0.2), paused=paused
            )  # warm-up: first requests pay for imports and connections
            load = await run_agents(base_url, cases, seconds=seconds, think=think, paused=paused)
    return LatencyResult(agents=agents, load=load)
