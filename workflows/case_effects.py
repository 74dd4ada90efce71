"""The effects of a case: activities, the project's own writes, audit records, notifications, search attributes.

Effects only through activities: the step's own writes run as local activities on cases started with
LOCAL_STEP_WRITES (docs/VERSIONING.md).
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey, SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.notifications import NotificationActivities
    from activities.records import RecordActivities
    from core import search_attributes as sa
    from models.activity_io import NotificationRequest
    from models.case import Actor, TransitionRecord
    from models.enums import ActorKind, Stage
    from workflows.case_core import SYSTEM, CaseCore

# The step's own writes (audit record, read model, evidence/offer/survey/breach rows, notifications) run as
# local activities in the step's workflow task; before it, each was a regular activity (a server round trip).
LOCAL_STEP_WRITES = "local-step-writes"

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
        result: R = await workflow.execute_activity_method(
            method, arg, retry_policy=retry, start_to_close_timeout=timeout
        )
        return result

    async def write(self, method: Callable[[Any, A], R], arg: A) -> R:
        """A write of this step to the project's own database (idempotent by its key): a local activity,
        run inside the step's workflow task, on cases started with LOCAL_STEP_WRITES; a regular one before.

        Money, deposits and calls to other parties never come here: they stay regular activities.
        """
        if not self.facts.local_writes:
            return await self.activity(method, arg)
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
