"""The worker process: runs complaint workflows and their activities against Temporal.

`python worker.py` (or `complaints worker`) connects with the settings from the environment.
Scale out by running more of these: Temporal spreads cases across every worker on the task queue.
"""

import asyncio
import logging
import signal
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.classify import ClassifyActivities
from activities.errors import PermanentErrorInterceptor
from activities.insights import InsightsActivities
from activities.intake import IntakeActivities
from activities.money import MoneyActivities
from activities.notifications import NotificationActivities
from activities.records import RecordActivities
from activities.triage import TriageActivities
from adapters.db_platform import DbMerchantDeposits, DbNotifier, DbOrderLookup, DbPaymentGateway
from adapters.ledger_book import utc_now
from audit.anchors import AnchorActivities, ensure_anchor_workflow
from audit.chain import chain_key
from core.db import engine_from_settings
from core.process_exit import exit_now
from core.settings import Settings, get_settings, require_production_secrets
from core.temporal import connect
from workflows.anchor import AuditAnchorWorkflow
from observability.logs import configure_logging
from observability.metrics import worker_runtime
from observability.redaction import SafeDatabaseErrorsInterceptor
from observability.tracing import instrument_engine, provider_from_environment
from workflows.complaint import ComplaintWorkflow
from workflows.insights_scan import InsightsScanWorkflow

# Deterministic modules shared with the workflow: passed through, not re-imported per workflow run.
PASSTHROUGH = (
    "models",
    "policy",
    "adapters",
    "core",
    "pydantic",
    "pydantic_core",
    "annotated_types",
    "zoneinfo",
    "yaml",
    "opentelemetry",
    "observability",
)


def activities_for(engine: Engine, settings: Settings | None = None) -> list:
    from api.policy_store import current_policy  # the policy an admin installed, else the operator's file

    intake = IntakeActivities(DbOrderLookup(engine), engine)
    live = settings or get_settings()
    insights = InsightsActivities(engine, DbNotifier(engine), lambda: current_policy(live), utc_now)
    records = RecordActivities(engine)
    money = MoneyActivities(DbMerchantDeposits(engine), DbPaymentGateway(engine))
    notifications = NotificationActivities(DbNotifier(engine))
    classify = ClassifyActivities(engine)
    return [
        intake.lookup_order,
        intake.count_open_complaints,
        classify.classify_complaint,
        TriageActivities().urgency_at_filing,
        records.record_transition,
        records.record_evidence,
        records.record_offer,
        records.record_breach,
        records.record_survey,
        records.record_reshipment,
        money.freeze_deposit,
        money.unfreeze_deposit,
        money.move_money,
        money.reverse_money,
        money.merchant_standing,
        money.apply_penalty,
        notifications.send_notification,
        insights.scan,
        insights.standing_for_case,
        AnchorActivities(engine).read_chain_head,
    ]


def workflow_runner() -> SandboxedWorkflowRunner:
    return SandboxedWorkflowRunner(restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH))


def build_worker(
    client: Client,
    engine: Engine,
    settings: Settings,
    *,
    task_queue: str | None = None,
    activities: list | None = None,
    workflows: list | None = None,
) -> Worker:
    """Sync activities on a thread pool sized with the database pool: one connection per running activity.

    `workflows`/`activities` replace the defaults (the benchmark's bare workflow runs with the same tuning).
    """
    threads = settings.worker_activity_threads
    return Worker(
        client,
        task_queue=task_queue or settings.temporal_task_queue,
        workflows=workflows or [ComplaintWorkflow, InsightsScanWorkflow, AuditAnchorWorkflow],
        activities=activities if activities is not None else activities_for(engine, settings),
        activity_executor=ThreadPoolExecutor(max_workers=threads),
        max_concurrent_activities=threads,
        max_concurrent_workflow_tasks=settings.worker_max_concurrent_workflow_tasks,
        max_cached_workflows=settings.worker_max_cached_workflows,
        workflow_runner=workflow_runner(),
        graceful_shutdown_timeout=timedelta(seconds=30),
        # Outermost first: database errors leave an activity without the values in them (observability/
        # redaction.py), after PermanentErrorInterceptor has classified them as permanent or retryable.
        interceptors=[SafeDatabaseErrorsInterceptor(), PermanentErrorInterceptor()],
    )


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
        await stop.wait()
    engine.dispose()
    if tracer_provider is not None:
        tracer_provider.shutdown()  # flush the spans still batched


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)
    require_production_secrets(settings, "worker")
    asyncio.run(run(settings))
    exit_now(0)


if __name__ == "__main__":
    main()
