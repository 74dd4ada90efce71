"""The audit chain's anchor: a long-running workflow whose history holds checkpoints of the chain's head.

Every `interval_seconds` (and on demand, through the `anchor_now` update) it reads the head of the audit
log (id, hash, row count) with an activity; the activity's result, stored in this workflow's Temporal
history, is the checkpoint. Temporal is a second store the application database's writers cannot edit,
so deleting the newest audit rows is detected by comparing the chain with these checkpoints
(audit/anchors.py). It continues as new before its history grows large, carrying the last checkpoint.
"""

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from audit.anchors import AnchorActivities, AnchorInput, ChainHead

READ_TIMEOUT = timedelta(seconds=30)
READ_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))
MAX_HISTORY_EVENTS = 5000


@workflow.defn
class AuditAnchorWorkflow:
    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._last: ChainHead | None = None

    @workflow.run
    async def run(self, inp: AnchorInput) -> None:
        self._last = inp.last
        while True:
            async with self._lock:
                await self._checkpoint()
            await workflow.sleep(timedelta(seconds=inp.interval_seconds))
            info = workflow.info()
            if info.is_continue_as_new_suggested() or info.get_current_history_length() > MAX_HISTORY_EVENTS:
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(AnchorInput(interval_seconds=inp.interval_seconds, last=self._last))

    @workflow.update
    async def anchor_now(self) -> ChainHead:
        async with self._lock:
            return await self._checkpoint()

    @workflow.query
    def last_checkpoint(self) -> ChainHead | None:
        return self._last

    async def _checkpoint(self) -> ChainHead:
        self._last = await workflow.execute_activity_method(
            AnchorActivities.read_chain_head, start_to_close_timeout=READ_TIMEOUT, retry_policy=READ_RETRY
        )
        return self._last
