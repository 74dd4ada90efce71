"""ComplaintWorkflow with its audit records written by a local activity, as the workflow may do soon.

Temporal records a local activity's result (a MarkerRecorded event) but never its input, so the decision
check has to compare such records with the audit rows they wrote.
"""

from datetime import timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.records import RecordActivities
    from models.case import CaseInput, CaseState
    from workflows.case import RECORD_RETRY, RECORD_TIMEOUT, Case
    from workflows.complaint import ComplaintWorkflow


class _LocalRecordsCase(Case):
    async def activity(
        self, method: Any, arg: Any, *, retry: Any = RECORD_RETRY, timeout: timedelta = RECORD_TIMEOUT
    ) -> Any:
        if method is not RecordActivities.record_transition:
            return await super().activity(method, arg, retry=retry, timeout=timeout)
        return await workflow.execute_local_activity_method(
            method, arg, retry_policy=retry, start_to_close_timeout=timeout
        )


@workflow.defn(name="ComplaintWorkflow")
class LocalRecordsWorkflow(ComplaintWorkflow):
    @workflow.init
    def __init__(self, inp: CaseInput) -> None:
        super().__init__(inp)
        self.case = _LocalRecordsCase(inp)

    @workflow.run
    async def run(self, inp: CaseInput) -> CaseState:
        return await super().run(inp)
