"""How a case waits: the clock keeper, a stage's own deadline, and the wait of cases before CLOCK_KEEPER."""

import functools
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    import workflows.clocks as clocks
    from models.enums import Stage
    from workflows.case_clocks import CaseClocks

# One background task keeps the SLA clocks (Case.keep_clocks); before it, every stage's wait fired them.
CLOCK_KEEPER = "clock-keeper"


class CaseWaits(CaseClocks):
    """Waiting in a stage: for a condition, a deadline, or the next clock event."""

    async def keep_clocks(self) -> None:
        """The case's one clock keeper (CLOCK_KEEPER): sleeps until the next warning or breach, or until the
        deadlines change, and then fires every clock due, under the lock, in one workflow task.

        It watches the schedule itself (which clock fires next, when, and how), so any step that starts,
        stops, pauses, resumes or re-times a clock wakes it with no call to make.
        """
        await self.wait_condition(lambda: self.facts.filed_recorded)  # "filed" is always audit record 1
        while not self.stage.is_terminal:
            event = clocks.next_event(self.state)
            now = self.now()
            if event is None or event.at > now:
                planned = clocks.schedule_key(event)
                try:
                    await self.wait_condition(
                        functools.partial(_schedule_moved, self, planned),
                        timeout=(event.at - now) if event else None,
                    )
                    continue
                except TimeoutError:
                    pass
            async with self.locked():
                if not self.stage.is_terminal:
                    await self.fire_due_clocks()

    async def keep_deadline(
        self, stage: Stage, due_of: Callable[[], datetime | None], meet: Callable[[], Awaitable[None]]
    ) -> None:
        """Run `stage` until it ends: wait for the stage's own deadline (it may move), meet it under the lock."""
        while self.stage == stage:
            due = due_of()
            if self.facts.clock_keeper:
                moved = functools.partial(_moved, due_of, due)
            else:
                moved = functools.partial(_bumped, self, self.version)
            if await self.wait_for(moved, due):
                continue
            async with self.locked():
                if self.stage == stage:
                    await meet()

    async def until_stage_changes(self) -> None:
        """Nothing to do in this stage but keep its clocks: a handler or a timer moves the case on."""
        await self.wait_for(lambda: False)

    async def wait_for(self, pred: Callable[[], bool], until: datetime | None = None) -> bool:
        """Wait until `pred` holds or the stage changes (True), or `until` passes (False)."""
        stage = self.state.stage

        def done() -> bool:
            return pred() or self.state.stage != stage

        if not self.facts.clock_keeper:
            return await self._wait_firing_clocks(done, until)
        if done():
            return True
        if until is None:
            await self.wait_condition(done)
            return True
        remaining = until - self.now()
        if remaining <= timedelta(0):
            return False
        try:
            await self.wait_condition(done, timeout=remaining)
        except TimeoutError:
            return done()
        return True

    async def _wait_firing_clocks(self, done: Callable[[], bool], until: datetime | None) -> bool:
        """The wait of cases started before CLOCK_KEEPER: it also fires the SLA clocks exactly when due."""
        while True:
            if done():
                return True
            now = self.now()
            if until is not None and now >= until:
                return False
            event = clocks.next_event(self.state)
            targets = [t for t in (until, event.at if event else None) if t is not None]
            if not targets or min(targets) > now:
                timeout = (min(targets) - now) if targets else None
                try:
                    await self.wait_condition(
                        functools.partial(_done_or_bumped, done, self, self.version), timeout=timeout
                    )
                    continue
                except TimeoutError:
                    pass
            async with self.locked():
                if not done():
                    await self.fire_due_clocks()


def _schedule_moved(case: CaseWaits, planned: tuple[datetime, str, str] | None) -> bool:
    return case.stage.is_terminal or clocks.schedule_key(clocks.next_event(case.state)) != planned


def _moved(due_of: Callable[[], datetime | None], due: datetime | None) -> bool:
    return due_of() != due


def _bumped(case: CaseWaits, version: int) -> bool:
    return case.version != version


def _done_or_bumped(done: Callable[[], bool], case: CaseWaits, version: int) -> bool:
    return done() or case.version != version
