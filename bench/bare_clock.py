"""The latency yardstick: the API's clock route over a bare workflow update.

A bare clock case answers `control_clock` exactly as the API calls it (same update and query names,
same payload and result types) with a validator and nothing else: no activity, no database write, no
business logic. Its state is a real case's state, copied, so the API serialises the same answer. The
API finds it like any case: by a read-model row whose workflow id names it (bench/bare_cases.py).
Only Temporal and passed-through modules are imported here: the sandbox re-imports everything else for
every workflow run.
"""

from pydantic import BaseModel
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.case import CaseState, ClockControl
    from workflows.guards import conflict

# The names the API uses for the project's workflow (api/cases.py): the bare case must answer to them.
CONTROL_CLOCK_UPDATE = "control_clock"
STATE_QUERY = "state"


class BareClockInput(BaseModel):
    state: CaseState


@workflow.defn(name="BareClockWorkflow")
class BareClockWorkflow:
    @workflow.init
    def __init__(self, inp: BareClockInput) -> None:
        self.case = inp.state
        self.paused = False  # a freshly prepared case: no manual pause yet

    @workflow.run
    async def run(self, inp: BareClockInput) -> None:
        await workflow.wait_condition(lambda: False)  # open until terminated, as a case waiting for an agent

    @workflow.query(name=STATE_QUERY)
    def state(self) -> CaseState:
        return self.case

    @workflow.update(name=CONTROL_CLOCK_UPDATE)
    def control_clock(self, p: ClockControl) -> CaseState:
        self.paused = p.pause
        for clock in self.case.clocks:
            clock.paused = p.pause
            clock.paused_at = workflow.now() if p.pause else None
        return self.case

    @control_clock.validator
    def _validate_control_clock(self, p: ClockControl) -> None:
        if p.pause == self.paused:
            raise conflict("the clock is already " + ("paused" if p.pause else "running"))
