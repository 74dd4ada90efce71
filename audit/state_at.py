"""The full case state as it was after event N, or at time T, recovered by replaying the history.

The history is cut after event N and replayed through the current workflow code. When the replayer has
fed the workflow every event it has, it evicts the instance; just before that eviction we hand the
instance one extra activation carrying the `state` query, exactly what the worker does for a live query.
The answer is therefore the workflow's own view of itself after processing events 1..N, not a
reconstruction. (Replay cannot answer queries on its own: Replayer.replay_workflow returns no handle.)
"""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.bridge.proto import workflow_activation as wa
from temporalio.bridge.proto.workflow_completion import WorkflowActivationCompletion
from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter
from temporalio.worker import WorkflowInstance, WorkflowInstanceDetails, WorkflowRunner

from audit.decisions import DecisionCheck, DecisionDivergence, build_ledger
from audit.history import LOCAL_ACTIVITY_MARKER, event_time, event_type_name, scheduled_records
from audit.replay import default_runner, first_runnable_length, make_replayer, prefix
from models.case import CaseState
from workflows.complaint import ComplaintWorkflow

# The workflow registers its queries under their method names.
STATE_QUERY = ComplaintWorkflow.state.__name__


class StateAt(BaseModel):
    requested_event_id: int
    event_id: int
    event_type: str
    event_time: datetime
    state: CaseState
    note: str | None = None
    matches_recorded_decisions: bool = True
    decision_divergences: list[DecisionDivergence] = []
    recorded_snapshot_event_id: int | None = None
    recorded_state: CaseState | None = None


class StateUnavailable(RuntimeError):
    """The history cannot be replayed to that point (the code diverges, or the query failed)."""


class _QueryBeforeEviction(WorkflowInstance):
    """Wraps a real workflow instance; on eviction it first answers the `state` query and keeps the reply."""

    def __init__(self, inner: WorkflowInstance, replies: list[WorkflowActivationCompletion]) -> None:
        self._inner, self._replies = inner, replies
        self._last_timestamp = None

    def activate(self, act: wa.WorkflowActivation) -> WorkflowActivationCompletion:
        if any(job.HasField("remove_from_cache") for job in act.jobs):
            query = wa.WorkflowActivation(
                run_id=act.run_id,
                is_replaying=True,
                history_length=act.history_length,
                jobs=[
                    wa.WorkflowActivationJob(
                        query_workflow=wa.QueryWorkflow(query_id="audit-state-at", query_type=STATE_QUERY)
                    )
                ],
            )
            if self._last_timestamp is not None:
                query.timestamp.CopyFrom(self._last_timestamp)  # workflow.now() as of the last task
            self._replies.append(self._inner.activate(query))
        else:
            self._last_timestamp = act.timestamp
        return self._inner.activate(act)

    def get_serialization_context(self, command_info):
        return self._inner.get_serialization_context(command_info)

    def get_external_store_context(self, command_info):
        return self._inner.get_external_store_context(command_info)

    def get_info(self):
        return self._inner.get_info()

    def get_thread_id(self) -> int | None:
        return self._inner.get_thread_id()


class _QueryingRunner(WorkflowRunner):
    def __init__(self, inner: WorkflowRunner) -> None:
        self._inner = inner
        self.replies: list[WorkflowActivationCompletion] = []

    def prepare_workflow(self, defn) -> None:
        self._inner.prepare_workflow(defn)

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _QueryBeforeEviction(self._inner.create_instance(det), self.replies)

    def set_worker_level_failure_exception_types(self, types) -> None:
        self._inner.set_worker_level_failure_exception_types(types)


def _read_reply(runner: _QueryingRunner, converter: DataConverter) -> CaseState:
    for completion in reversed(runner.replies):
        for command in completion.successful.commands:
            if not command.HasField("respond_to_query"):
                continue
            answer = command.respond_to_query
            if answer.HasField("failed"):
                raise StateUnavailable(f"state query failed during replay: {answer.failed.message}")
            # Query answers leave the instance before the codec runs: only the converter applies.
            return converter.payload_converter.from_payload(answer.succeeded.response, CaseState)
        if completion.HasField("failed"):
            raise StateUnavailable(f"workflow task failed during replay: {completion.failed.failure.message}")
    raise StateUnavailable("the workflow gave no answer to the state query")


def event_index_at_time(history: WorkflowHistory, at: datetime) -> int:
    """The id of the last event recorded at or before `at`.

    One exception: a workflow task whose audit records are local activities (patch `local-step-writes`)
    stamps them with the task's start (the workflow's `now()`), though the server stores the task's output
    at its completion. If `at` falls in such a task, its output counts as happened: the state at the time
    of a record includes the step it records.
    """
    events = list(history.events)
    chosen = None
    index = -1
    for index, event in enumerate(events):
        if event_time(event) > at:
            index -= 1
            break
        chosen = event.event_id
    if 0 <= index and events[index].event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
        output = _task_output(events, index + 1)
        if any(_is_local_activity(e) for e in output):
            chosen = output[-1].event_id
    if chosen is None:
        raise ValueError(f"the case did not exist yet at {at.isoformat()}")
    return chosen


def _task_output(events: list[HistoryEvent], start: int) -> list[HistoryEvent]:
    """The events a workflow task wrote: its WorkflowTaskCompleted and what follows, up to the next task."""
    if start >= len(events) or events[start].event_type != EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
        return []
    out = []
    for event in events[start:]:
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
            break
        out.append(event)
    return out


def _is_local_activity(event: HistoryEvent) -> bool:
    return (
        event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
        and event.marker_recorded_event_attributes.marker_name == LOCAL_ACTIVITY_MARKER
    )


async def state_at_event(
    history: WorkflowHistory,
    event_id: int,
    converter: DataConverter,
    *,
    workflows: Sequence[type] | None = None,
    audit_rows: Sequence[Mapping[str, Any]] | None = None,
) -> StateAt:
    total = len(history.events)
    if not 1 <= event_id <= total:
        raise ValueError(f"event {event_id} is outside the history (1..{total})")
    length = max(event_id, first_runnable_length(history))
    note = None
    if length != event_id:
        note = (
            f"the workflow first ran at event {length}; before that it had no state, so this is the "
            f"state its first task produced"
        )
    runner = _QueryingRunner(default_runner())
    check = DecisionCheck()
    cut = prefix(history, length)
    ledger = await build_ledger(cut, converter, audit_rows)
    check.ledgers[history.workflow_id] = ledger
    replayer = make_replayer(converter, workflows=workflows, runner=runner, interceptors=[check])
    result = await replayer.replay_workflow(cut, raise_on_replay_failure=False)
    if result.replay_failure is not None:
        raise StateUnavailable(f"history does not replay up to event {length}: {result.replay_failure}")
    state = _read_reply(runner, converter)
    last = history.events[length - 1]
    answer = StateAt(
        requested_event_id=event_id,
        event_id=last.event_id,
        event_type=event_type_name(last),
        event_time=event_time(last),
        state=state,
        note=note,
    )
    if ledger.divergences:
        recorded = await scheduled_records(cut, converter)
        first = ledger.divergences[0]
        answer.matches_recorded_decisions = False
        answer.decision_divergences = ledger.divergences
        if recorded:
            answer.recorded_snapshot_event_id = recorded[-1].event_id
            answer.recorded_state = recorded[-1].record.snapshot
        warning = (
            f"the current code does not reproduce this case's recorded decisions ({first.summary}); "
            f"`state` is what the current code computes, NOT what the case had"
        )
        if recorded:
            warning += f"; the case's own snapshot (recorded at event {recorded[-1].event_id}) is `recorded_state`"
        answer.note = f"{warning}. {note}" if note else warning
    return answer


async def state_at_time(
    history: WorkflowHistory,
    at: datetime,
    converter: DataConverter,
    *,
    workflows: Sequence[type] | None = None,
    audit_rows: Sequence[Mapping[str, Any]] | None = None,
) -> StateAt:
    return await state_at_event(
        history, event_index_at_time(history, at), converter, workflows=workflows, audit_rows=audit_rows
    )
