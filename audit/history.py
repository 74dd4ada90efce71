"""A case's Temporal history: fetch it, export it raw, decode it, and read the case's inputs from it.

The raw export is Temporal's own JSON (what `temporal workflow show --output json` and the Web UI give),
so payloads stay as stored, encrypted when a payload key is configured. Decoding runs every payload
through the project's codec and converter, so an auditor holding the key reads plain JSON.
"""

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client, WorkflowHistory
from temporalio.converter import DataConverter
from temporalio.service import RPCError, RPCStatusCode

from models.activity_io import BATCH_ACTIVITY, StepWrites
from models.case import CaseInput, TransitionRecord
from workflows.ids import workflow_id

RECORD_ACTIVITY = "record_transition"
LOCAL_ACTIVITY_MARKER = "core_local_activity"


class CaseNotFound(LookupError):
    """No workflow exists for this complaint id."""


def event_time(event: HistoryEvent) -> datetime:
    return event.event_time.ToDatetime(tzinfo=UTC)


def event_type_name(event: HistoryEvent) -> str:
    return EventType.Name(event.event_type).removeprefix("EVENT_TYPE_").lower()


async def fetch_history(client: Client, complaint_id: str) -> WorkflowHistory:
    try:
        return await client.get_workflow_handle(workflow_id(complaint_id)).fetch_history()
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise CaseNotFound(f"no case {complaint_id!r}") from None
        raise


def export_raw(history: WorkflowHistory) -> str:
    """Temporal's JSON of the history, byte for byte what the server stores (payloads still encoded)."""
    return history.to_json()


async def _decode_payload(payload: Payload, converter: DataConverter) -> Any:
    try:
        plain = (await converter.payload_codec.decode([payload]))[0] if converter.payload_codec else payload
        value = converter.payload_converter.from_payload(plain)
    except Exception as err:  # a wrong or missing key must not hide the rest of the history
        return {"undecodable": f"{type(err).__name__}: {err}"}
    if isinstance(value, bytes):
        return {"bytes_b64": base64.b64encode(value).decode()}
    return value


async def _to_plain(msg: Message, converter: DataConverter) -> Any:
    """A protobuf message as JSON-ready data, with every Payload replaced by its decoded value."""
    if isinstance(msg, Payload):
        return await _decode_payload(msg, converter)
    if msg.DESCRIPTOR.full_name.startswith("google.protobuf."):
        return json_format.MessageToDict(msg)
    out: dict[str, Any] = {}
    for field, value in msg.ListFields():
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            value_field = field.message_type.fields_by_name["value"]
            out[field.json_name] = {
                k: (await _to_plain(v, converter) if value_field.message_type else v) for k, v in value.items()
            }
        elif field.is_repeated:
            out[field.json_name] = [await _scalar_or_message(field, v, converter) for v in value]
        else:
            out[field.json_name] = await _scalar_or_message(field, value, converter)
    return out


async def _scalar_or_message(field, value: Any, converter: DataConverter) -> Any:
    if field.message_type is not None:
        return await _to_plain(value, converter)
    if field.enum_type is not None:
        return field.enum_type.values_by_number[value].name
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


async def decode_history(history: WorkflowHistory, converter: DataConverter) -> dict[str, Any]:
    """The history with payloads decrypted and decoded: {"workflowId", "events": [...]}."""
    return {
        "workflowId": history.workflow_id,
        "events": [await _to_plain(event, converter) for event in history.events],
    }


def history_from_json(text: str, workflow_id_hint: str | None = None) -> WorkflowHistory:
    """Parse a raw export; the workflow id comes from the hint or from the file's `workflowId` key."""
    data = json.loads(text)
    wf_id = workflow_id_hint or data.get("workflowId") or "unknown"
    return WorkflowHistory.from_json(wf_id, {"events": data["events"]})


# ---- the case's inputs and audit records, read back out of the history --------------------------------


@dataclass(frozen=True)
class AcceptedUpdate:
    event_id: int
    at: datetime
    update_id: str
    name: str
    payload: Any  # the update's pydantic payload when the converter could decode it
    outcome: str = "pending"  # "completed", "failed" or "pending"
    failure: str | None = None


@dataclass(frozen=True)
class ScheduledRecord:
    event_id: int
    record: TransitionRecord


def _payloads(payloads) -> list[Payload]:
    return list(payloads.payloads) if payloads is not None else []


async def case_input(history: WorkflowHistory, converter: DataConverter) -> CaseInput:
    first = history.events[0]
    if first.event_type != EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        raise ValueError("history does not start with WorkflowExecutionStarted")
    payloads = _payloads(first.workflow_execution_started_event_attributes.input)
    return (await converter.decode(payloads, [CaseInput]))[0]


async def accepted_updates(
    history: WorkflowHistory, converter: DataConverter, payload_types: dict[str, type] | None = None
) -> list[AcceptedUpdate]:
    """Every update the workflow accepted, in history order, with its outcome."""
    outcomes: dict[str, tuple[str, str | None]] = {}
    for ev in history.events:
        if ev.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
            attrs = ev.workflow_execution_update_completed_event_attributes
            failed = attrs.outcome.HasField("failure")
            outcomes[attrs.meta.update_id] = (
                ("failed", attrs.outcome.failure.message) if failed else ("completed", None)
            )
    result = []
    for ev in history.events:
        if ev.event_type != EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
            continue
        req = ev.workflow_execution_update_accepted_event_attributes.accepted_request
        hint = (payload_types or {}).get(req.input.name)
        payload = (await converter.decode(_payloads(req.input.args), [hint] if hint else None))[0]
        outcome, failure = outcomes.get(req.meta.update_id, ("pending", None))
        result.append(
            AcceptedUpdate(
                event_id=ev.event_id,
                at=event_time(ev),
                update_id=req.meta.update_id,
                name=req.input.name,
                payload=payload,
                outcome=outcome,
                failure=failure,
            )
        )
    return result


async def scheduled_records(history: WorkflowHistory, converter: DataConverter) -> list[ScheduledRecord]:
    """The audit records the workflow asked its record activity to write, with their history event ids.

    A regular activity's record is its scheduled input; a local one's (patch `local-step-writes`) is the
    record it returned, in its marker; a batch's (patch `batched-step-writes`) are the records in the batch it
    returned, each with the batch's marker as its event.
    """
    out = []
    for ev in history.events:
        if ev.event_type == EventType.EVENT_TYPE_MARKER_RECORDED:
            marker = ev.marker_recorded_event_attributes
            if marker.marker_name != LOCAL_ACTIVITY_MARKER or "result" not in marker.details:
                continue
            meta = json.loads(marker.details["data"].payloads[0].data) if "data" in marker.details else {}
            if meta.get("activity_type") == BATCH_ACTIVITY:
                batch = (await converter.decode(_payloads(marker.details["result"]), [StepWrites]))[0]
                out += [
                    ScheduledRecord(event_id=ev.event_id, record=w.transition) for w in batch.writes if w.transition
                ]
                continue
            if meta.get("activity_type") != RECORD_ACTIVITY:
                continue
            record = (await converter.decode(_payloads(marker.details["result"]), [TransitionRecord]))[0]
            out.append(ScheduledRecord(event_id=ev.event_id, record=record))
            continue
        if ev.event_type != EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            continue
        attrs = ev.activity_task_scheduled_event_attributes
        if attrs.activity_type.name != RECORD_ACTIVITY:
            continue
        record = (await converter.decode(_payloads(attrs.input), [TransitionRecord]))[0]
        out.append(ScheduledRecord(event_id=ev.event_id, record=record))
    return out


def completed_activity_event_ids(history: WorkflowHistory) -> set[int]:
    """Scheduled-event ids of activities that completed: their effects have been committed."""
    return {
        ev.activity_task_completed_event_attributes.scheduled_event_id
        for ev in history.events
        if ev.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED
    }
