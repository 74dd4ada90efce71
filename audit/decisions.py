"""Replay that compares decisions, not only commands.

Temporal's replayer checks that the current code issues the same commands in the same order; it never
looks at what goes into them. A doubled coupon, a moved deadline or a changed penalty replays "clean".
So during replay a workflow outbound interceptor sees every activity the current code schedules,
regular or local, and compares its input with what the history recorded for the same activity:

- a regular activity: the input of its `ActivityTaskScheduled` event (same activity id, i.e. same seq);
- a local activity: Temporal records only its result (a `MarkerRecorded` event), never its input. The
  record activities return the record they wrote (activities/records.py), so their input is compared with
  that result (a batch of a workflow task's writes, patch `batched-step-writes`: write by write, each named
  as the activity that wrote it alone). A local audit record without one is compared with the audit log
  row it wrote (from the database or an offline bundle), field by field; any other local activity input
  cannot be compared and is counted as such (notifications excepted: they are messages, not decisions).

The interceptor is installed only in the Replayer (audit/replay.py), never in a worker.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_jsonable_python
from temporalio import workflow
from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter
from temporalio.worker import (
    Interceptor,
    StartActivityInput,
    StartLocalActivityInput,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
    WorkflowOutboundInterceptor,
)

from audit.history import LOCAL_ACTIVITY_MARKER
from audit.json_fields import (
    INDEX,
    FieldDifference,
    audit_records_in,
    json_differences,
    kind_of,
    row_as_record,
    same_instant,
    writes_of,
)
from models.activity_io import BATCH_ACTIVITY, WRITE_ACTIVITIES

MAX_FIELDS_PER_EVENT = 8
# Messages to people, not decisions about the case: a different recipient or wording is shown in
# `inputs_evolved`, never a failed verdict (the decisions they announce are compared where they are made).
NOT_DECISIONS = frozenset({"send_notification"})


class DecisionDivergence(BaseModel):
    """One activity whose input the current code computes differently from what the case recorded."""

    event_id: int
    activity: str
    local: bool
    timeline_seq: int | None = None
    timeline_action: str | None = None
    differences: list[FieldDifference]
    summary: str


@dataclass(frozen=True)
class RecordedCall:
    event_id: int
    activity: str
    local: bool
    input: Any = None  # JSON of the recorded arguments (regular activities only)
    written: Any = None  # JSON of a local activity's result: the record it wrote (record activities only)


@dataclass
class DecisionLedger:
    """What the history (and the audit log) recorded, by activity id, plus what replay found."""

    calls: dict[str, RecordedCall] = field(default_factory=dict)
    records_by_seq: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)  # audit rows
    narrated_by: dict[int, tuple[int, str]] = field(default_factory=dict)  # event id -> (seq, action)
    divergences: list[DecisionDivergence] = field(default_factory=list)
    compared: int = 0
    not_comparable: dict[str, int] = field(default_factory=dict)  # local activity type -> count
    # Inputs that grew a field or lost personal text: the recorded decision is unchanged, but it is shown.
    evolved: dict[str, int] = field(default_factory=dict)

    def reset(self) -> None:
        self.evolved.clear()
        self.divergences.clear()
        self.not_comparable.clear()
        self.compared = 0

    def note_uncomparable(self, activity: str) -> None:
        self.not_comparable[activity] = self.not_comparable.get(activity, 0) + 1


def payload_json(payload: Payload) -> Any:
    """A plain payload as JSON data (the project's converter writes json/plain; null is None)."""
    encoding = payload.metadata.get("encoding", b"").decode()
    if encoding == "binary/null":
        return None
    if encoding.startswith("json"):
        return json.loads(payload.data)
    return {"encoding": encoding, "bytes": len(payload.data)}


async def _plain(payloads: Sequence[Payload], converter: DataConverter) -> list[Any]:
    items = list(payloads)
    if converter.payload_codec and items:
        items = await converter.payload_codec.decode(items)
    return [payload_json(p) for p in items]


async def build_ledger(
    history: WorkflowHistory, converter: DataConverter, audit_rows: Sequence[Mapping[str, Any]] | None = None
) -> DecisionLedger:
    """Index the history's scheduled activities and local-activity markers by activity id."""
    ledger = DecisionLedger()
    pending_events: list[int] = []
    for ev in history.events:
        if ev.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            attrs = ev.activity_task_scheduled_event_attributes
            args = await _plain(attrs.input.payloads, converter) if attrs.HasField("input") else []
            ledger.calls[attrs.activity_id] = RecordedCall(ev.event_id, attrs.activity_type.name, False, args)
            pending_events.append(ev.event_id)
            record = args[0] if args and isinstance(args[0], dict) else None
            if record and "seq" in record and "action" in record:
                for event_id in pending_events:  # the record narrates the decisions scheduled before it
                    ledger.narrated_by[event_id] = (record["seq"], record["action"])
                pending_events = []
        elif ev.event_type == EventType.EVENT_TYPE_MARKER_RECORDED:
            attrs = ev.marker_recorded_event_attributes
            if attrs.marker_name != LOCAL_ACTIVITY_MARKER or "data" not in attrs.details:
                continue
            data = payload_json(attrs.details["data"].payloads[0])
            result = attrs.details["result"].payloads if "result" in attrs.details else []
            written = (await _plain(result, converter))[0] if result else None
            written = written if isinstance(written, dict) else None  # a record (or a batch), not a flag
            ledger.calls[str(data.get("activity_id"))] = RecordedCall(
                ev.event_id, data.get("activity_type", "?"), True, written=written
            )
            pending_events.append(ev.event_id)
            narrating = audit_records_in(written)
            if narrating:
                for event_id in pending_events:
                    ledger.narrated_by[event_id] = (narrating[0]["seq"], narrating[0]["action"])
                pending_events = []
    for row in to_jsonable_python(list(audit_rows or [])):
        details = row.get("details") or {}
        if row.get("complaint_id") and isinstance(details.get("seq"), int):
            ledger.records_by_seq[(row["complaint_id"], details["seq"])] = dict(row)
    return ledger


def _describe(div: DecisionDivergence) -> str:
    where = f"event {div.event_id} ({'local ' if div.local else ''}activity {div.activity}"
    if div.timeline_seq is not None:
        where += f", timeline entry {div.timeline_seq} '{div.timeline_action}'"
    first = div.differences[0]
    more = f" (and {len(div.differences) - 1} more field(s))" if len(div.differences) > 1 else ""
    return (
        f"{where}): {first.field} was {json.dumps(first.recorded, ensure_ascii=False)} in the recorded case, "
        f"the current code gives {json.dumps(first.replayed, ensure_ascii=False)}{more}"
    )


class _Checker:
    """Compares one scheduled activity with the ledger; runs inside the workflow, touches only the ledger."""

    def __init__(self, ledger: DecisionLedger) -> None:
        self.ledger = ledger

    def check(self, activity_id: str, activity: str, args: Sequence[Any], local: bool) -> None:
        recorded = self.ledger.calls.get(activity_id)
        if recorded is None:
            return  # beyond the recorded history (a cut-off prefix): nothing to compare with
        converter = workflow.payload_converter()
        replayed = [payload_json(p) for p in converter.to_payloads(list(args))] if args else []
        if not local:
            # Activities take one argument: name its fields directly ("offer.gift_coupon_minor").
            if len(replayed) == 1 and isinstance(recorded.input, list) and len(recorded.input) == 1:
                diffs = json_differences(recorded.input[0], replayed[0])
            else:
                diffs = json_differences(recorded.input, replayed)
            self._found(recorded, activity, diffs, replayed)
            return
        if recorded.written is not None and len(replayed) == 1:
            if activity == BATCH_ACTIVITY and writes_of(recorded.written) and writes_of(replayed[0]):
                self._compare_batch(recorded, writes_of(recorded.written), writes_of(replayed[0]))
                return
            self._found(recorded, activity, json_differences(recorded.written, replayed[0]), replayed)
            return
        if activity in NOT_DECISIONS:
            return
        records = audit_records_in(replayed)
        if not records or not self.ledger.records_by_seq:
            self.ledger.note_uncomparable(activity)
            return
        diffs = []
        for rec in records:
            row = self.ledger.records_by_seq.get((rec["complaint_id"], rec["seq"]))
            if row is None:
                diffs.append(
                    FieldDifference(
                        field=f"audit record seq {rec['seq']}", recorded="<no audit row>", replayed=rec.get("action")
                    )
                )
                continue
            found = json_differences(row_as_record(row, rec), rec)
            diffs += [d for d in found if not (d.field == "at" and same_instant(d.recorded, d.replayed))]
        self._found(recorded, activity, diffs, replayed)

    def _compare_batch(
        self, recorded: RecordedCall, written: list[dict[str, Any]], replayed: list[dict[str, Any]]
    ) -> None:
        """A task's writes (patch batched-step-writes): each write against the one written at the same place,
        named as the activity that wrote it alone (`record_offer`, `record_transition`, ...) and counted as it
        (notifications are messages, not decisions: compared, shown, never counted)."""
        self.ledger.compared += sum(1 for w in written if WRITE_ACTIVITIES.get(kind_of(w)) not in NOT_DECISIONS)
        if len(written) != len(replayed) or [kind_of(w) for w in written] != [kind_of(w) for w in replayed]:
            kinds = FieldDifference(
                field="writes", recorded=[kind_of(w) for w in written], replayed=[kind_of(w) for w in replayed]
            )
            self._report(recorded, BATCH_ACTIVITY, [kinds], [])
            return
        for mine, theirs in zip(written, replayed, strict=True):
            kind = kind_of(mine)
            name = WRITE_ACTIVITIES.get(kind, kind)
            self._report(recorded, name, json_differences(mine[kind], theirs[kind]), [theirs[kind]])

    def _found(self, recorded: RecordedCall, activity: str, diffs: list[FieldDifference], replayed: list) -> None:
        self.ledger.compared += 1
        self._report(recorded, activity, diffs, replayed)

    def _report(self, recorded: RecordedCall, activity: str, diffs: list[FieldDifference], replayed: list) -> None:
        for d in diffs:
            if d.kind != "changed":
                key = f"{activity}: {INDEX.sub('[*]', d.field)} {d.kind}"
                self.ledger.evolved[key] = self.ledger.evolved.get(key, 0) + 1
        if activity in NOT_DECISIONS:
            for d in diffs:
                if d.kind == "changed":
                    key = f"{activity}: {INDEX.sub('[*]', d.field)} changed (a message, not a decision)"
                    self.ledger.evolved[key] = self.ledger.evolved.get(key, 0) + 1
            return
        diffs = [d for d in diffs if d.kind == "changed"]
        if not diffs:
            return
        seq_action = self.ledger.narrated_by.get(recorded.event_id)
        own = audit_records_in(replayed)
        if own:
            seq_action = (own[0]["seq"], own[0]["action"])
        div = DecisionDivergence(
            event_id=recorded.event_id,
            activity=activity,
            local=recorded.local,
            timeline_seq=seq_action[0] if seq_action else None,
            timeline_action=seq_action[1] if seq_action else None,
            differences=diffs[:MAX_FIELDS_PER_EVENT],
            summary="",
        )
        div.summary = _describe(div)
        self.ledger.divergences.append(div)


class _Outbound(WorkflowOutboundInterceptor):
    def __init__(self, nxt: WorkflowOutboundInterceptor, ledgers: dict[str, DecisionLedger]) -> None:
        super().__init__(nxt)
        self._ledgers = ledgers
        self._checker: _Checker | None = None

    def start_activity(self, input: StartActivityInput) -> workflow.ActivityHandle[Any]:
        handle = super().start_activity(input)
        self._check(handle, input, local=False)
        return handle

    def start_local_activity(self, input: StartLocalActivityInput) -> workflow.ActivityHandle[Any]:
        handle = super().start_local_activity(input)
        self._check(handle, input, local=True)
        return handle

    def _check(self, handle: Any, input: StartActivityInput | StartLocalActivityInput, *, local: bool) -> None:
        if self._checker is None:  # workflow info exists only once the instance runs, not at init
            ledger = self._ledgers.get(workflow.info().workflow_id)
            if ledger is None:
                return
            ledger.reset()  # a new instance replays from the start (a retried replay counts once)
            self._checker = _Checker(ledger)
        # The SDK's default activity id is the command's seq; the handle knows it (private, read only).
        activity_id = input.activity_id or str(getattr(handle, "_seq", ""))
        self._checker.check(activity_id, input.activity, input.args, local)


class DecisionCheck(Interceptor):
    """Replayer interceptor: compares every scheduled activity input with the ledger of its workflow id."""

    def __init__(self) -> None:
        self.ledgers: dict[str, DecisionLedger] = {}

    def workflow_interceptor_class(self, input: WorkflowInterceptorClassInput) -> type[WorkflowInboundInterceptor]:
        ledgers = self.ledgers

        class Inbound(WorkflowInboundInterceptor):
            def init(self, outbound: WorkflowOutboundInterceptor) -> None:
                super().init(_Outbound(outbound, ledgers))

        return Inbound
