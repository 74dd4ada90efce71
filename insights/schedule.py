"""Create or update the Temporal Schedule that runs the insights scan."""

from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from activities.insights import ScanRequest
from workflows.insights_scan import SCHEDULE_ID, InsightsScanWorkflow


def scan_schedule(task_queue: str, every: timedelta) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            InsightsScanWorkflow.run,
            ScanRequest(),
            id=SCHEDULE_ID,
            task_queue=task_queue,
            execution_timeout=timedelta(hours=1),
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)]),
        # One scan at a time; a scan missed while the server was down runs once on its return.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=every),
    )


async def ensure_schedule(client: Client, task_queue: str, every: timedelta) -> str:
    """'created' or 'updated': safe to repeat, e.g. after the policy's scan_interval changed."""
    schedule = scan_schedule(task_queue, every)
    try:
        await client.create_schedule(SCHEDULE_ID, schedule)
        return "created"
    except ScheduleAlreadyRunningError:

        async def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(SCHEDULE_ID).update(replace)
        return "updated"
