"""The periodic insights scan: a Temporal Schedule starts this short workflow every `insights.scan_interval`.

Why a schedule (docs/INSIGHTS.md): the server keeps the timetable, survives worker restarts, never
runs two scans at once (overlap SKIP) and shows every run and its result in the Web UI; the work is
one idempotent activity, retried on failure. `complaints insights schedule` creates or updates it.
"""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.insights import InsightsActivities, ScanRequest
    from insights.scan import ScanResult

SCHEDULE_ID = "insights-scan"


@workflow.defn(name="InsightsScan")
class InsightsScanWorkflow:
    @workflow.run
    async def run(self, req: ScanRequest) -> ScanResult:
        return await workflow.execute_activity_method(
            InsightsActivities.scan,
            ScanRequest(at=req.at or workflow.now()),
            start_to_close_timeout=timedelta(minutes=10),
            retry_policy=RetryPolicy(
                initial_interval=timedelta(seconds=5), maximum_interval=timedelta(minutes=2), maximum_attempts=5
            ),
        )
