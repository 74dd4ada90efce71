"""Replay verdicts: does a case's recorded history still run through the current workflow code?

A clean replay means the code would make exactly the decisions the history records. A divergence is
located by bisection: the shortest prefix of the history that fails to replay ends at the first event
the current code disagrees with, and core's nondeterminism message says why.
"""

from collections.abc import AsyncIterator, Callable, Sequence

from pydantic import BaseModel
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter
from temporalio.worker import Replayer, WorkflowRunner

from audit.history import event_type_name
from workflows.ids import complaint_id_from_workflow


class ReplayVerdict(BaseModel):
    complaint_id: str
    workflow_id: str
    replays_cleanly: bool
    events: int
    diverged_at_event: int | None = None
    diverged_event_type: str | None = None
    reason: str | None = None


class BulkReplaySummary(BaseModel):
    replayed: int
    clean: int
    diverged: int
    unavailable: int
    diverged_cases: list[ReplayVerdict]
    unavailable_cases: dict[str, str]


def default_workflows() -> list[type]:
    from workflows.complaint import ComplaintWorkflow

    return [ComplaintWorkflow]


def default_runner() -> WorkflowRunner:
    # The worker's own sandbox configuration: replay must run the code exactly as the worker does.
    from worker import workflow_runner

    return workflow_runner()


def make_replayer(converter: DataConverter, *, workflows: Sequence[type] | None = None,
                  runner: WorkflowRunner | None = None) -> Replayer:
    return Replayer(workflows=list(workflows or default_workflows()), data_converter=converter,
                    workflow_runner=runner or default_runner())


def first_runnable_length(history: WorkflowHistory) -> int:
    """The shortest prefix worth replaying: up to the first WorkflowTaskStarted (before it, nothing ran)."""
    for index, event in enumerate(history.events):
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
            return index + 1
    raise ValueError("history has no workflow task yet: the workflow never ran")


def prefix(history: WorkflowHistory, length: int) -> WorkflowHistory:
    return WorkflowHistory(workflow_id=history.workflow_id, events=list(history.events[:length]))


async def _failure(replayer: Replayer, history: WorkflowHistory) -> Exception | None:
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    return result.replay_failure


def _clean(history: WorkflowHistory) -> ReplayVerdict:
    return ReplayVerdict(complaint_id=complaint_id_from_workflow(history.workflow_id),
                         workflow_id=history.workflow_id, replays_cleanly=True, events=len(history.events))


async def locate_divergence(replayer: Replayer, history: WorkflowHistory, failure: Exception) -> ReplayVerdict:
    """Bisect for the shortest failing prefix; its last event is where the code first disagrees."""
    lo, hi = first_runnable_length(history), len(history.events)  # hi is known to fail
    reason = failure
    while lo < hi:
        mid = (lo + hi) // 2
        err = await _failure(replayer, prefix(history, mid))
        if err is None:
            lo = mid + 1
        else:
            hi, reason = mid, err
    event = history.events[hi - 1]
    return ReplayVerdict(complaint_id=complaint_id_from_workflow(history.workflow_id),
                         workflow_id=history.workflow_id, replays_cleanly=False, events=len(history.events),
                         diverged_at_event=event.event_id, diverged_event_type=event_type_name(event),
                         reason=f"{type(reason).__name__}: {reason}")


async def replay_verdict(history: WorkflowHistory, converter: DataConverter, *,
                         workflows: Sequence[type] | None = None,
                         runner: WorkflowRunner | None = None) -> ReplayVerdict:
    replayer = make_replayer(converter, workflows=workflows, runner=runner)
    failure = await _failure(replayer, history)
    if failure is None:
        return _clean(history)
    return await locate_divergence(replayer, history, failure)


async def replay_many(histories: AsyncIterator[WorkflowHistory | tuple[str, str]], converter: DataConverter, *,
                      on_result: Callable[[ReplayVerdict | None], None] | None = None,
                      workflows: Sequence[type] | None = None,
                      runner: WorkflowRunner | None = None) -> BulkReplaySummary:
    """Replay a stream of histories with one replayer; a (complaint_id, reason) item is an unavailable case.

    `on_result` is called once per item (None for an unavailable case), which drives a progress bar.
    """
    replayer = make_replayer(converter, workflows=workflows, runner=runner)
    verdicts: list[ReplayVerdict] = []
    failures: list[tuple[WorkflowHistory, Exception]] = []
    unavailable: dict[str, str] = {}

    async def available() -> AsyncIterator[WorkflowHistory]:
        async for item in histories:
            if isinstance(item, tuple):
                unavailable[item[0]] = item[1]
                if on_result:
                    on_result(None)
                continue
            yield item

    async with replayer.workflow_replay_iterator(available()) as results:
        async for result in results:
            if result.replay_failure is None:
                verdict = _clean(result.history)
                verdicts.append(verdict)
            else:
                failures.append((result.history, result.replay_failure))
                verdict = ReplayVerdict(complaint_id=complaint_id_from_workflow(result.history.workflow_id),
                                        workflow_id=result.history.workflow_id, replays_cleanly=False,
                                        events=len(result.history.events), reason=str(result.replay_failure))
            if on_result:
                on_result(verdict)
    diverged = [await locate_divergence(make_replayer(converter, workflows=workflows, runner=runner), h, err)
                for h, err in failures]
    return BulkReplaySummary(replayed=len(verdicts) + len(diverged), clean=len(verdicts), diverged=len(diverged),
                             unavailable=len(unavailable), diverged_cases=diverged, unavailable_cases=unavailable)
