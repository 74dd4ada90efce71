"""The lateness yardstick: a bare workflow whose timers fall due at given instants and record one row each.

It is given the due instants of a project run's breaches (shifted to its own start) and, for each, sleeps
until it and records one `sla_breach` row (`due_at`, `breached_at` = when its timer fired, `recorded_at` =
when the row was written), in the same table and database the project writes. Nothing else: no audit
record, no notification, no escalation logic. So `recorded_at - due_at` is the engine's own lateness for
that many timers falling due together. Its activity is in bench/bare_records.py: the sandbox re-imports a
workflow module's imports for every run, so this one imports only Temporal and pydantic.
"""

import asyncio
from datetime import datetime, timedelta

from pydantic import BaseModel
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from bench.bare_records import BARE_CLOCK, BareBreach, BareRecords


class BareDeadlines(BaseModel):
    complaint_id: str
    due: list[datetime]


@workflow.defn(name="BareDeadlineWorkflow")
class BareDeadlineWorkflow:
    @workflow.run
    async def run(self, inp: BareDeadlines) -> int:
        await asyncio.gather(*(self._fire(inp.complaint_id, n, due) for n, due in enumerate(inp.due)))
        return len(inp.due)

    async def _fire(self, complaint_id: str, n: int, due: datetime) -> None:
        wait = due - workflow.now()
        if wait > timedelta(0):
            await workflow.sleep(wait)
        await workflow.execute_activity_method(
            BareRecords.record_breach,
            BareBreach(
                id=f"{complaint_id}:{BARE_CLOCK}:{n}",
                complaint_id=complaint_id,
                level=n,
                due_at=due,
                breached_at=workflow.now(),
            ),
            start_to_close_timeout=timedelta(seconds=30),
        )
