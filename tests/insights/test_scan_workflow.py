"""The periodic scan through Temporal: the worker runs InsightsScan, and the schedule is created idempotently."""

import uuid
from datetime import timedelta

from temporalio.client import ScheduleIntervalSpec

from activities.insights import ScanRequest
from core.db import make_engine
from core.settings import Settings
from insights.schedule import ensure_schedule
from runtime.worker_build import build_worker
from tests.insights.seed import NOW
from workflows.insights_scan import SCHEDULE_ID, InsightsScanWorkflow


async def test_scan_workflow_runs_the_scan_activity(ts_env, sqlite_url, tmp_path):
    engine = make_engine(sqlite_url)
    queue = f"insights-{uuid.uuid4().hex[:8]}"
    settings = Settings(_env_file=None, data_dir=tmp_path)
    try:
        async with build_worker(ts_env.client, engine, settings, task_queue=queue):
            result = await ts_env.client.execute_workflow(
                InsightsScanWorkflow.run, ScanRequest(at=NOW), id=f"scan-{queue}", task_queue=queue
            )
    finally:
        engine.dispose()
    assert result.at == NOW and result.standings_assessed >= 0


async def test_schedule_is_created_then_updated(dev_env):
    assert await ensure_schedule(dev_env.client, "complaints", timedelta(hours=1)) == "created"
    assert await ensure_schedule(dev_env.client, "complaints", timedelta(minutes=30)) == "updated"
    handle = dev_env.client.get_schedule_handle(SCHEDULE_ID)
    described = await handle.describe()
    assert described.schedule.spec.intervals == [ScheduleIntervalSpec(every=timedelta(minutes=30))]
    await handle.delete()
