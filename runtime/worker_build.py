"""The worker's assembly: which workflows and activities it runs, with what dependencies, sandbox and tuning.

The worker process (runtime.worker_process, started by worker.py), the tests, the benchmarks and audit's
replays and what-if runs all build their workers here, so they run exactly what production runs.
"""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

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
from audit.anchors import AnchorActivities
from core.settings import Settings, get_settings
from observability.redaction import SafeDatabaseErrorsInterceptor
from runtime.bytecode import compile_workflow_modules
from runtime.sandbox_runner import CompiledOnceSandboxedWorkflowRunner
from workflows.anchor import AuditAnchorWorkflow
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
    "workflows",
    # The benchmark's bare yardstick workflows, passed through as workflows/ is, so that a ratio to them
    # compares the work the workflows do, not what the sandbox does to them (docs/PERFORMANCE.md).
    "bench.bare_workflow",
    "bench.bare_clock",
    "bench.bare_deadlines",
)


def activities_for(engine: Engine, settings: Settings | None = None) -> list[Any]:
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
        records.record_step_writes,
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
    """The sandbox every worker and replayer runs the workflow code in. `workflows/` is passed through with
    the other deterministic packages (PASSTHROUGH), so a new case, a replay or an eviction does not run its
    modules and rebuild the workflow classes again; tests/workflows/test_workflow_code_rules.py keeps clocks,
    randomness, the environment and module state out of it, since the sandbox no longer intercepts its calls.
    The code's bytecode is written first (once per process), and the strings the sandbox runs for every
    activation and payload are compiled once (runtime/sandbox_runner.py)."""
    compile_workflow_modules()
    return CompiledOnceSandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH)
    )


def build_worker(
    client: Client,
    engine: Engine,
    settings: Settings,
    *,
    task_queue: str | None = None,
    activities: list[Any] | None = None,
    workflows: list[type] | None = None,
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
        sticky_queue_schedule_to_start_timeout=timedelta(seconds=settings.worker_sticky_timeout_seconds),
        # Outermost first: database errors leave an activity without the values in them (observability/
        # redaction.py), after PermanentErrorInterceptor has classified them as permanent or retryable.
        interceptors=[SafeDatabaseErrorsInterceptor(), PermanentErrorInterceptor()],
    )
