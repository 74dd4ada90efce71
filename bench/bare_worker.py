"""`python -m bench.bare_worker`: a worker for the bare workflows, tuned exactly like worker.py.

Same settings (threads, slots, cache), same sandbox runner and passthrough, same data converter;
only the workflows and their activities differ: the bare shape and minimal shape (bench/bare_workflow.py),
the bare clock case (bench/bare_clock.py) and the bare deadlines (bench/bare_deadlines.py). Run as its
own process, like the project's.
"""

import asyncio

from bench.bare_clock import BareClockWorkflow
from bench.bare_deadlines import BareDeadlineWorkflow
from bench.bare_records import BareRecords
from bench.bare_workflow import BareWorkflow, bare_activity
from core.db import engine_from_settings
from core.settings import Settings
from core.temporal import connect
from runtime.worker_build import build_worker

BARE_WORKFLOWS = [BareWorkflow, BareClockWorkflow, BareDeadlineWorkflow]


def bare_activities(engine) -> list:
    return [bare_activity, BareRecords(engine).record_breach]


async def run(settings: Settings) -> None:
    client = await connect(settings)
    engine = engine_from_settings(settings)  # the bare deadlines write their rows here, as the project would
    await build_worker(client, engine, settings, activities=bare_activities(engine), workflows=BARE_WORKFLOWS).run()


def main() -> None:
    asyncio.run(run(Settings()))


if __name__ == "__main__":
    main()
