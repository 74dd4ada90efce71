"""The worker process: runs complaint workflows and their activities against Temporal.

`python worker.py` (or `complaints worker`) connects with the settings from the environment.
Scale out by running more of these: Temporal spreads cases across every worker on the task queue.
"""

import asyncio
import logging
import signal

from audit.anchors import ensure_anchor_workflow
from audit.chain import chain_key
from core.db import engine_from_settings
from core.process_exit import exit_now
from core.settings import Settings, get_settings, require_production_secrets
from core.temporal import connect
from observability.logs import configure_logging
from observability.metrics import worker_runtime
from observability.tracing import instrument_engine, provider_from_environment
from runtime.insights_drainer import drain_until
from runtime.worker_build import build_worker


async def run(settings: Settings) -> None:
    chain_key()  # no AUDIT_CHAIN_KEY outside DEV_MODE: refuse to start rather than stall every audit write
    tracer_provider = provider_from_environment("complaints-worker")  # None unless OTEL_ variables ask
    engine = engine_from_settings(settings)
    instrument_engine(engine, tracer_provider)
    # The runtime's core serves the SDK metrics on WORKER_METRICS_PORT (a taken port: no metrics, logged).
    runtime = worker_runtime(settings.metrics_host, settings.worker_metrics_port)
    client = await connect(settings, runtime=runtime, tracer_provider=tracer_provider)
    worker = build_worker(client, engine, settings)
    # SIGTERM (compose stop, Kubernetes, the dev supervisor) drains in-flight tasks instead of cutting them.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    logging.getLogger(__name__).info(
        "worker polling task queue %s on %s", settings.temporal_task_queue, settings.temporal_address
    )
    async with worker:
        await ensure_anchor_workflow(client, settings.temporal_task_queue, settings.audit_anchor_interval_seconds)
        drainer = asyncio.create_task(
            drain_until(stop, engine, settings.insights_drain_seconds, settings.insights_drain_chunk)
        )
        await stop.wait()
        await drainer
    engine.dispose()
    if tracer_provider is not None:
        tracer_provider.shutdown()  # flush the spans still batched


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)
    require_production_secrets(settings, "worker")
    asyncio.run(run(settings))
    exit_now(0)
