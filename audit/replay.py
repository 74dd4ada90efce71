"""Replay verdicts: does a case's recorded history still run through the current workflow code, making the
same decisions?

Two checks run in one replay. Temporal's own: the current code issues the same commands in the same order
(a divergence is located by bisection: the shortest failing prefix ends at the first disagreeing event).
And ours (audit/decisions.py): every activity input the current code computes, amounts, offer terms,
deadlines, audit records and snapshots, equals the one the case recorded. A clean verdict needs both.
"""

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter
from temporalio.worker import Interceptor, Replayer, WorkflowRunner

from audit.decisions import DecisionCheck, DecisionDivergence, DecisionLedger, build_ledger
from audit.history import event_type_name
from workflows.ids import complaint_id_from_workflow

AuditRows = Sequence[Mapping[str, Any]]


class ReplayVerdict(BaseModel):
    complaint_id: str
    workflow_id: str
    replays_cleanly: bool
    events: int
    diverged_at_event: int | None = None
    diverged_event_type: str | None = None
    reason: str | None = None
    commands_match: bool = True
    decisions_compared: int = 0
    decision_divergences: list[DecisionDivergence] = []
    decisions_not_comparable: dict[str, int] = {}
    inputs_evolved: dict[str, int] = {}
    sdk_detail: str | None = None


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
    from runtime.worker_build import workflow_runner

    return workflow_runner()


def make_replayer(
    converter: DataConverter,
    *,
    workflows: Sequence[type] | None = None,
    runner: WorkflowRunner | None = None,
    interceptors: Sequence[Interceptor] = (),
) -> Replayer:
    return Replayer(
        workflows=list(workflows or default_workflows()),
        data_converter=converter,
        workflow_runner=runner or default_runner(),
        interceptors=list(interceptors),
    )


def first_runnable_length(history: WorkflowHistory) -> int:
    """The shortest prefix worth replaying: up to the first WorkflowTaskStarted (before it, nothing ran)."""
    for index, event in enumerate(history.events):
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
            return index + 1
    raise ValueError("history has no workflow task yet: the workflow never ran")


def prefix(history: WorkflowHistory, length: int) -> WorkflowHistory:
    return WorkflowHistory(workflow_id=history.workflow_id, events=list(history.events[:length]))


DEADLOCK_MARK = "TMPRL1101"  # the SDK's "workflow didn't yield within 2 seconds": CPU starvation, not divergence
DEADLOCK_RETRIES = 2


def is_deadlock(failure: Exception | None) -> bool:
    return failure is not None and DEADLOCK_MARK in str(failure)


async def _failure(replayer: Replayer, history: WorkflowHistory) -> Exception | None:
    """Replay once; a task that only ran out of CPU time on a loaded machine is tried again."""
    for _ in range(DEADLOCK_RETRIES + 1):
        result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
        if not is_deadlock(result.replay_failure):
            break
    return result.replay_failure


def _event_type(history: WorkflowHistory, event_id: int) -> str | None:
    for event in history.events:
        if event.event_id == event_id:
            return event_type_name(event)
    return None


def plain_nondeterminism(event_id: int, event_type: str, failure: Exception) -> str:
    """The SDK's message in one sentence an auditor can read; the full text stays in `sdk_detail`."""
    if is_deadlock(failure):
        return (
            f"Replay did not finish: a workflow task near event {event_id} took longer than the SDK's 2-second "
            "limit (the machine is overloaded); this says nothing about divergence, replay again"
        )
    text = str(failure).strip().splitlines()[0] if str(failure).strip() else type(failure).__name__
    core = text.split("Nondeterminism error:", 1)[-1].strip() if "Nondeterminism" in text else text
    return (
        f"Nondeterminism: the current code's commands differ from the history at event {event_id} "
        f"({event_type.replace('_', ' ')}): {core[:300]}"
    )


def verdict_of(
    history: WorkflowHistory, ledger: DecisionLedger | None, failure_at: tuple[int, Exception] | None
) -> ReplayVerdict:
    """Combine both checks; the earliest disagreement (command or decision) is the one named."""
    divergences = ledger.divergences if ledger else []
    verdict = ReplayVerdict(
        complaint_id=complaint_id_from_workflow(history.workflow_id),
        workflow_id=history.workflow_id,
        replays_cleanly=failure_at is None and not divergences,
        events=len(history.events),
        commands_match=failure_at is None,
        decisions_compared=ledger.compared if ledger else 0,
        decision_divergences=divergences,
        decisions_not_comparable=dict(ledger.not_comparable) if ledger else {},
        inputs_evolved=dict(ledger.evolved) if ledger else {},
    )
    candidates: list[tuple[int, str, str | None]] = []
    if divergences:
        first = divergences[0]
        candidates.append(
            (
                first.event_id,
                f"Decision differs: {first.summary}"
                + (f"; {len(divergences)} activities differ in all" if len(divergences) > 1 else ""),
                None,
            )
        )
    if failure_at is not None:
        event_id, err = failure_at
        event_type = _event_type(history, event_id) or "?"
        candidates.append((event_id, plain_nondeterminism(event_id, event_type, err), f"{type(err).__name__}: {err}"))
    if candidates:
        event_id, reason, _ = min(candidates, key=lambda c: c[0])
        verdict.diverged_at_event, verdict.diverged_event_type = event_id, _event_type(history, event_id)
        verdict.reason = reason
        verdict.sdk_detail = next((c[2] for c in candidates if c[2]), None)
    return verdict


async def locate_divergence(replayer: Replayer, history: WorkflowHistory, failure: Exception) -> tuple[int, Exception]:
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
    return history.events[hi - 1].event_id, reason


async def replay_verdict(
    history: WorkflowHistory,
    converter: DataConverter,
    *,
    workflows: Sequence[type] | None = None,
    runner: WorkflowRunner | None = None,
    audit_rows: AuditRows | None = None,
) -> ReplayVerdict:
    """`audit_rows` (the case's audit log rows) let audit records written by local activities be compared."""
    check = DecisionCheck()
    ledger = await build_ledger(history, converter, audit_rows)
    check.ledgers[history.workflow_id] = ledger
    failure = await _failure(
        make_replayer(converter, workflows=workflows, runner=runner, interceptors=[check]), history
    )
    located = None
    if failure is not None:
        located = await locate_divergence(
            make_replayer(converter, workflows=workflows, runner=runner), history, failure
        )
    return verdict_of(history, ledger, located)


async def replay_many(
    histories: AsyncIterator[WorkflowHistory | tuple[str, str]],
    converter: DataConverter,
    *,
    on_result: Callable[[ReplayVerdict | None], None] | None = None,
    workflows: Sequence[type] | None = None,
    runner: WorkflowRunner | None = None,
    rows_for: Callable[[str], Awaitable[AuditRows]] | None = None,
) -> BulkReplaySummary:
    """Replay a stream of histories with one replayer; a (complaint_id, reason) item is an unavailable case.

    `on_result` is called once per item (None for an unavailable case), which drives a progress bar.
    """
    check = DecisionCheck()
    replayer = make_replayer(converter, workflows=workflows, runner=runner, interceptors=[check])
    clean: list[ReplayVerdict] = []
    diverged: list[ReplayVerdict] = []
    failures: list[tuple[WorkflowHistory, DecisionLedger, Exception]] = []
    unavailable: dict[str, str] = {}

    async def available() -> AsyncIterator[WorkflowHistory]:
        async for item in histories:
            if isinstance(item, tuple):
                unavailable[item[0]] = item[1]
                if on_result:
                    on_result(None)
                continue
            rows = await rows_for(complaint_id_from_workflow(item.workflow_id)) if rows_for else None
            check.ledgers[item.workflow_id] = await build_ledger(item, converter, rows)
            yield item

    async with replayer.workflow_replay_iterator(available()) as results:
        async for result in results:
            ledger = check.ledgers.pop(result.history.workflow_id, None)
            if result.replay_failure is None:
                verdict = verdict_of(result.history, ledger, None)
                (clean if verdict.replays_cleanly else diverged).append(verdict)
            else:
                failures.append((result.history, ledger or DecisionLedger(), result.replay_failure))
                verdict = ReplayVerdict(
                    complaint_id=complaint_id_from_workflow(result.history.workflow_id),
                    workflow_id=result.history.workflow_id,
                    replays_cleanly=False,
                    events=len(result.history.events),
                    reason=str(result.replay_failure),
                )
            if on_result:
                on_result(verdict)
    for history, ledger, err in failures:
        located = await locate_divergence(make_replayer(converter, workflows=workflows, runner=runner), history, err)
        diverged.append(verdict_of(history, ledger, located))
    return BulkReplaySummary(
        replayed=len(clean) + len(diverged),
        clean=len(clean),
        diverged=len(diverged),
        unavailable=len(unavailable),
        diverged_cases=diverged,
        unavailable_cases=unavailable,
    )
