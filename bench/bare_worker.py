"""`python -m bench.bare_worker`: a worker for the bare workflow, tuned exactly like worker.py.

Same settings (threads, slots, cache), same sandbox runner and passthrough, same data converter;
only the workflow and its do-nothing activity differ. Run as its own process, like the project's.
"""

import asyncio

from bench.bare_workflow import BareWorkflow, bare_activity
from core.db import engine_from_settings
from core.settings import Settings
from core.temporal import connect
from worker import build_worker


async def run(settings: Settings) -> None:
    client = await connect(settings)
    engine = engine_from_settings(settings)  # unused by the bare activity; built as the project worker does
    await build_worker(client, engine, settings, activities=[bare_activity], workflows=[BareWorkflow]).run()


def main() -> None:
    asyncio.run(run(Settings()))


if __name__ == "__main__":
    main()
