"""The effects of a case: activities, the project's own writes, audit records, notifications, search attributes.

Effects only through activities: the step's own writes run as local activities on cases started with
LOCAL_STEP_WRITES, and as one local activity per workflow task on cases started with BATCHED_STEP_WRITES
(docs/VERSIONING.md).

The batch rule: a write is buffered, and the buffer is written (`flush`) before the case does anything that
lets another of its coroutines run: a regular activity, a wait, taking the lock, the end of a step. So a
batch only ever holds the writes of one step (or one clock firing) and is written before the workflow task
that made it completes. Every wait and lock of a case goes through `wait_condition` and `locked` below.
"""

import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any, TypeVar

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey, SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.notifications import NotificationActivities
    from activities.records import RecordActivities
    from core import search_attributes as sa
    from models.activity_io import NotificationRequest, StepWrite, StepWrites
    from models.case import Actor, TransitionRecord
    from models.enums import ActorKind, Stage
    from workflows.case_core import SYSTEM, CaseCore

# The step's own writes (audit record, read model, evidence/offer/survey/breach rows, notifications) run as
# local activities in the step's workflow task; before it, each was a regular activity (a server round trip).
LOCAL_STEP_WRITES = "local-step-writes"
# ... and all of a task's writes as one local activity, one transaction (record_step_writes); before it, one
# local activity per write.
BATCHED_STEP_WRITES = "batched-step-writes"
# ... and the buffer kept, not written, when the case lock is taken while free: taking a free lock lets no other
# coroutine run, so the batch still holds one step's writes. Before it, the buffer was written before every
# lock, which split one step into two local activities wherever a write came just before a lock.
BATCH_THROUGH_FREE_LOCK = "batch-through-free-lock"

RECORD_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))
RECORD_TIMEOUT = timedelta(seconds=30)

A = TypeVar("A")
R = TypeVar("R")


class CaseEffects(CaseCore):
    """What a case does outside itself, always through activities."""

    async def activity(
        self,
        method: Callable[[Any, A], R],
        arg: A,
        *,
        retry: RetryPolicy = RECORD_RETRY,
        timeout: timedelta = RECORD_TIMEOUT,
    ) -> R:
        """Run an activity named by its method (the activity name and result type come from it)."""
        await self.flush()  # what the step wrote so far comes first (money after its audit record)
        result: R = await workflow.execute_activity_method(
            method, arg, retry_policy=retry, start_to_close_timeout=timeout
        )
        return result

    async def write(self, method: Callable[[Any, A], R], arg: A) -> None:
        """A write of this step to the project's own database (idempotent by its key): buffered on cases
        started with BATCHED_STEP_WRITES (see `flush`), a local activity of its own inside the step's
        workflow task on cases started with LOCAL_STEP_WRITES, a regular activity before.

        Money, deposits and calls to other parties never come here: they stay regular activities.
        """
        if self.facts.batched_writes:
            assert isinstance(arg, BaseModel)  # every write's input is a record model
            self._pending_writes.append(StepWrite.of(arg))
            return
        if not self.facts.local_writes:
            await self.activity(method, arg)
            return
        await self._local(method, arg)

    async def flush(self) -> None:
        """Write what is buffered as one local activity (one transaction); nothing buffered, no command."""
        if not self._pending_writes:
            return
        batch, self._pending_writes = self._pending_writes, []
        await self._local(
            RecordActivities.record_step_writes, StepWrites(complaint_id=self.state.complaint_id, writes=batch)
        )

    async def wait_condition(self, done: Callable[[], bool], *, timeout: timedelta | None = None) -> None:
        """`workflow.wait_condition`, after writing what this coroutine buffered (the batch rule above)."""
        await self.flush()
        await workflow.wait_condition(done, timeout=timeout)

    @contextlib.asynccontextmanager
    async def locked(self) -> AsyncIterator[None]:
        """The case lock, with the buffer written before it is given back, and before it is taken unless the
        case runs under BATCH_THROUGH_FREE_LOCK and the lock is free (held by nobody, waited for by nobody:
        asyncio.Lock then takes it without letting another coroutine run)."""
        free = not self.lock.locked() and self.lock_waiters == 0
        if not (free and self.facts.batch_through_free_lock):
            await self.flush()
        self.lock_waiters += 1
        try:
            await self.lock.acquire()
        finally:
            self.lock_waiters -= 1
        try:
            yield
            await self.flush()
        finally:
            self.lock.release()

    async def _local(self, method: Callable[[Any, A], R], arg: A) -> R:
        try:
            result: R = await workflow.execute_local_activity_method(
                method, arg, retry_policy=RECORD_RETRY, start_to_close_timeout=RECORD_TIMEOUT
            )
        except ApplicationError as err:
            # A local activity's failure arrives bare; wrapped like a regular one's, one handler serves both.
            raise ActivityError(
                err.message,
                scheduled_event_id=0,
                started_event_id=0,
                identity="",
                activity_type=getattr(method, "__name__", "local activity"),
                activity_id="",
                retry_state=None,
            ) from err
        return result

    async def record(
        self,
        action: str,
        *,
        actor: Actor | None = None,
        by: tuple[ActorKind, str] = SYSTEM,
        reason: str = "",
        details: dict[str, Any] | None = None,
        stage_before: Stage | None = None,
    ) -> None:
        """Write one audit record and refresh the read model (idempotent on complaint id + seq)."""
        self.facts.seq += 1
        kind, actor_id = (actor.kind, actor.id) if actor else by
        self.push_search_attributes()
        await self.write(
            RecordActivities.record_transition,
            TransitionRecord(
                complaint_id=self.state.complaint_id,
                seq=self.facts.seq,
                at=self.now(),
                actor_kind=kind,
                actor_id=actor_id,
                action=action,
                reason=reason,
                stage_before=stage_before or self.state.stage,
                stage_after=self.state.stage,
                details=details or {},
                snapshot=self.compact(),
            ),
        )
        self.changed()

    async def notify(self, recipient: str, template: str, **body: Any) -> None:
        key = f"{self.state.complaint_id}:{self.next_id('N')}"
        await self.write(
            NotificationActivities.send_notification,
            NotificationRequest(
                key=key, recipient=recipient, template=template, complaint_id=self.state.complaint_id, body=body
            ),
        )

    def push_search_attributes(self) -> None:
        s = self.state
        wanted: dict[SearchAttributeKey[Any], Any] = {
            sa.STAGE: s.stage.value,
            sa.ESCALATION: s.escalation_level,
            sa.SEVERITY: s.classification.severity.value if s.classification else None,
            sa.TIER: s.tier.value if s.tier else None,
            sa.MERCHANT: s.merchant_id,
            sa.ASSIGNEE: s.assignee,
        }
        updates: list[SearchAttributeUpdate[Any]] = []
        for key, value in wanted.items():
            if self._pushed_attributes.get(key.name) != value:
                self._pushed_attributes[key.name] = value
                updates.append(key.value_set(value) if value is not None else key.value_unset())
        if updates:
            workflow.upsert_search_attributes(updates)
