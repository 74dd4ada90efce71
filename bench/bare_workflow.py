"""The bare workflow: a project case's shape with no business logic, the engine's own baseline.

It takes a `Shape` read from a real project history (bench/shape.py) and replays it: the same
updates in the same order, the same number of activities per update (in the handler or after it, as
measured; local ones as local activities), the same timers (the survey delay really fires, the others
are started and cancelled as the project's deadline waits are) and the same search-attribute upserts.
Its activity does nothing.
Run by the same worker settings, sandbox runner and data converter as the project's worker.
"""

import asyncio
from datetime import timedelta

from pydantic import BaseModel
from temporalio import activity, workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from bench.shape import Segment, Shape
    from core import search_attributes as sa

# Long enough never to fire: these timers stand for deadline waits that an update cuts short.
WAIT_TIMER = timedelta(hours=1)
RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))


class BareInput(BaseModel):
    case_id: str
    segment: int
    n: int


class BareState(BaseModel):
    pending: list[str]
    done: int


class BareStep(BaseModel):
    name: str


@activity.defn(name="bare_activity")
def bare_activity(inp: BareInput) -> int:
    return inp.n


@workflow.defn(name="BareWorkflow")
class BareWorkflow:
    @workflow.init
    def __init__(self, shape: Shape) -> None:
        self.shape = shape
        self.accepted = 0
        self.handled = 0
        self.waiting_for: str | None = None
        self.lock = asyncio.Lock()

    @workflow.run
    async def run(self, shape: Shape) -> BareState:
        segments = shape.segments
        for i, segment in enumerate(segments):
            await workflow.wait_condition(lambda done=i: self.handled > done)
            async with self.lock:
                await self._work(i, segment, after=True)
            if i + 1 < len(segments):
                self.waiting_for = segments[i + 1].update
                await self._wait_for_update(i + 1, with_timer=self._wait_timers(i) > 0)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.state()

    @workflow.query
    def state(self) -> BareState:
        return BareState(pending=[self.waiting_for] if self.waiting_for else [], done=self.handled)

    @workflow.update
    async def step(self, inp: BareStep) -> BareState:
        index = self.accepted
        self.accepted += 1
        self.waiting_for = None
        async with self.lock:
            await self._work(index, self.shape.segments[index], after=False)
        self.handled += 1
        return self.state()

    @step.validator
    def _validate_step(self, inp: BareStep) -> None:
        if self.accepted >= len(self.shape.segments) or self.shape.segments[self.accepted].update != inp.name:
            raise ValueError(f"not expecting {inp.name} now")

    # ---- the shape --------------------------------------------------------------------------------

    def _wait_timers(self, i: int) -> int:
        """A segment followed by another update waits for it on a deadline timer, as the project does."""
        segment = self.shape.segments[i]
        spare = segment.timers_started - len(segment.timers_fired)
        return 1 if i + 1 < len(self.shape.segments) and spare > 0 else 0

    async def _wait_for_update(self, index: int, with_timer: bool) -> None:
        try:
            await workflow.wait_condition(lambda: self.accepted >= index, timeout=WAIT_TIMER if with_timer else None)
        except TimeoutError:
            await workflow.wait_condition(lambda: self.accepted >= index)

    async def _work(self, i: int, segment: Segment, *, after: bool) -> None:
        regular = segment.after_activities if after else segment.handler_activities
        local = segment.after_local_activities if after else segment.handler_local_activities
        cancelled = segment.timers_started - len(segment.timers_fired) - self._wait_timers(i)
        # Cancelled timers and upserts go with the handler's activities first, then with the rest; upserts
        # beyond the activities (a design whose writes are few but whose stage changes are not) come last.
        offset = 0 if not after else segment.handler_activities + segment.handler_local_activities
        for n in range(regular + local):
            slot = offset + n
            if slot < segment.upserts:
                self._upsert(i, slot)
            timer = asyncio.ensure_future(workflow.sleep(WAIT_TIMER)) if slot < cancelled else None
            inp = BareInput(case_id=workflow.info().workflow_id, segment=i, n=n)
            if n < regular:
                await workflow.execute_activity(
                    bare_activity, inp, start_to_close_timeout=timedelta(seconds=30), retry_policy=RETRY
                )
            else:
                await workflow.execute_local_activity(
                    bare_activity, inp, start_to_close_timeout=timedelta(seconds=30), retry_policy=RETRY
                )
            if timer is not None:
                timer.cancel()
        if after:
            for slot in range(offset + regular + local, segment.upserts):
                self._upsert(i, slot)
            for seconds in segment.timers_fired:
                await workflow.sleep(timedelta(seconds=seconds))

    def _upsert(self, i: int, slot: int) -> None:
        workflow.upsert_search_attributes([sa.STAGE.value_set(f"bare-{i}-{slot}")])
