"""Full cases per second, end to end, against two bare workflows on the same server.

One reference project case is run first; its history gives the shape (bench/shape.py) that the bare
workflow replays, and the minimal durable shape (the same updates, only the money activities and the
survey timer) that a second bare round replays. Then each round runs project, bare shape and minimal
shape (each with only its own worker process running), so drift in a shared machine's load hits all
three alike; the ratios are taken per round. Every measured project case is checked against the
reference shape, and deviations are reported.
"""

import asyncio
import math
import re
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

from bench.bare_case import BareCase
from bench.env import BenchEnv
from bench.fixtures import make_parties
from bench.scenario import FullCase
from bench.shape import Shape, event_counts, minimal_shape_of, same_work, shape_of
from bench.stats import steady_rate
from models.enums import Stage
from models.policy import Policy


@dataclass
class Round:
    kind: str
    cases: int
    seconds: float
    rate: float
    steady: float
    failures: int
    # Why cases failed: "ExceptionType: first words" -> count, so a failure is a figure with its cause.
    causes: Counter = field(default_factory=Counter)


@dataclass
class ThroughputResult:
    shape: Shape
    minimal: Shape
    rounds: list[Round] = field(default_factory=list)
    shape_deviations: int = 0
    deviation_example: str = ""
    timers_seen: Counter = field(default_factory=Counter)
    project_ids: list[str] = field(default_factory=list)  # workflow ids of completed cases, for replay
    bare_ids: list[str] = field(default_factory=list)

    def ratios(self, yardstick: str = "bare") -> list[float]:
        """Project over `yardstick` ("bare" or "minimal"), per round."""
        project = [r for r in self.rounds if r.kind == "project"]
        other = [r for r in self.rounds if r.kind == yardstick]
        return [p.steady / o.steady for p, o in zip(project, other, strict=False) if o.steady > 0]


async def _drive_all(cases: list, concurrency: int) -> tuple[float, list[float], Counter]:
    """Run every case with at most `concurrency` in flight; (elapsed, finish times, causes of failures)."""
    gate = asyncio.Semaphore(concurrency)
    start = time.monotonic()
    finished: list[float] = []
    failures: Counter = Counter()

    async def one(case) -> None:
        async with gate:
            try:
                if isinstance(case, BareCase):
                    await case.run(case.steps)
                else:
                    state = await case.run()
                    if state.stage != Stage.CLOSED:
                        raise RuntimeError(f"{case.name} ended in {state.stage}")
                finished.append(time.monotonic() - start)
            except Exception as err:  # counted and reported: a failed case is a figure, not a crash
                failures[cause_of(err)] += 1

    await asyncio.gather(*(one(c) for c in cases))
    return time.monotonic() - start, finished, failures


def _ratio(a: float, b: float) -> float:
    return a / b if b else math.nan


def cause_of(err: BaseException) -> str:
    """A failure's kind in a few words: the exception type and the start of its message, without ids."""
    words = re.sub(r"[0-9a-f]{8,}|CMP-\S+|\d+(\.\d+)?", "#", str(err))
    return f"{type(err).__name__}: {words[:80]}"


def _round(kind: str, elapsed: float, finished: list[float], failures: Counter) -> Round:
    return Round(
        kind=kind,
        cases=len(finished),
        seconds=elapsed,
        rate=len(finished) / elapsed,
        steady=steady_rate(finished),
        failures=sum(failures.values()),
        causes=failures,
    )


async def reference_shape(env: BenchEnv, policy: Policy, task_queue: str) -> tuple[Shape, Shape, Counter]:
    """(shape, minimal durable shape, event counts) of one full project case."""
    [party] = make_parties(env.engine, 1)
    case = FullCase(env.client, env.engine, task_queue, policy, party)
    await case.run()
    history = await case.handle().fetch_history()
    return shape_of(history), minimal_shape_of(history), event_counts(history)


async def _bare_round(
    env: BenchEnv, queue: str, shape: Shape, kind: str, *, cases: int, concurrency: int, worker_settings: dict
) -> tuple[Round, list[BareCase]]:
    async with env.running_worker(queue, module="bench.bare_worker", **worker_settings):
        bare = [BareCase(env.client, queue, shape, f"{kind}-{uuid.uuid4().hex[:10]}") for _ in range(cases)]
        elapsed, finished, failures = await _drive_all(bare, concurrency)
    return _round(kind, elapsed, finished, failures), bare


async def run_throughput(
    env: BenchEnv, policy: Policy, *, cases: int, concurrency: int, rounds: int, worker_settings: dict, say=print
) -> ThroughputResult:
    project_queue, bare_queue = f"bench-{uuid.uuid4().hex[:6]}", f"bare-{uuid.uuid4().hex[:6]}"
    async with env.running_worker(project_queue, **worker_settings):
        shape, minimal, reference = await reference_shape(env, policy, project_queue)
    result = ThroughputResult(shape=shape, minimal=minimal)
    say(f"  shape of a full case: {shape.totals()}; minimal durable shape: {minimal.totals()}")
    sizes = dict(cases=cases, concurrency=concurrency, worker_settings=worker_settings)
    for n in range(rounds):
        parties = make_parties(env.engine, cases)
        async with env.running_worker(project_queue, **worker_settings):
            project = [FullCase(env.client, env.engine, project_queue, policy, p) for p in parties]
            elapsed, finished, failures = await _drive_all(project, concurrency)
            result.rounds.append(_round("project", elapsed, finished, failures))
            await _check_shapes(env, project, reference, result)
            result.project_ids += [c.handle().id for c in project if c.complaint_id]
        bare_round, bare = await _bare_round(env, bare_queue, shape, "bare", **sizes)
        result.rounds.append(bare_round)
        result.bare_ids += [c.case_id for c in bare]
        if n == 0:
            bare_counts = event_counts(await bare[0].handle().fetch_history())
            if not same_work(bare_counts, reference):
                say(f"  warning: bare shape {dict(bare_counts)} differs from project {dict(reference)}")
        minimal_round, _ = await _bare_round(env, bare_queue, minimal, "minimal", **sizes)
        result.rounds.append(minimal_round)
        p, b, m = result.rounds[-3:]
        say(
            f"  round {n + 1}: project {p.steady:.2f} cases/s, bare shape {b.steady:.2f}, minimal {m.steady:.2f}; "
            f"ratios {_ratio(p.steady, b.steady):.2f} / {_ratio(p.steady, m.steady):.2f} "
            f"(failures {p.failures}/{b.failures}/{m.failures})"
        )
        for cause, count in (p.causes + b.causes + m.causes).most_common(3):
            say(f"    {count} x {cause}")
    return result


async def _check_shapes(env: BenchEnv, project: list[FullCase], reference: Counter, result: ThroughputResult) -> None:
    """Every case should have done the reference's work; a step later than its warning point adds one."""
    for case in project:
        if case.complaint_id is None:
            continue
        counts = event_counts(await case.handle().fetch_history())
        result.timers_seen[counts["timers"]] += 1
        if not same_work(counts, reference):
            result.shape_deviations += 1
            result.deviation_example = result.deviation_example or f"{case.complaint_id}: {dict(counts)}"
