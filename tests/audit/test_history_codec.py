"""An encrypted history: exported as stored (ciphertext), decoded and replayed with the project's codec."""

import base64
import json
import os
from pathlib import Path

from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.client import WorkflowHistory

from audit.history import decode_history, export_raw, history_from_json
from audit.replay import replay_verdict
from core.codec import EncryptionCodec
from core.temporal import data_converter

HISTORY = Path(__file__).resolve().parent.parent / "histories" / "tier1_resolved.json"


def _payloads(msg: Message):
    for field, value in msg.ListFields():
        if field.message_type is None:
            continue
        if field.message_type.GetOptions().map_entry:
            values = value.values() if field.message_type.fields_by_name["value"].message_type else []
        else:
            values = value if field.is_repeated else [value]
        for item in values:
            if isinstance(item, Payload):
                yield item
            else:
                yield from _payloads(item)


async def encrypted_copy(history: WorkflowHistory, codec: EncryptionCodec) -> WorkflowHistory:
    copy = WorkflowHistory.from_json(history.workflow_id, history.to_json())
    for event in copy.events:
        for payload in list(_payloads(event)):
            payload.CopyFrom((await codec.encode([payload]))[0])
    return copy


async def test_encrypted_history_exports_ciphertext_and_decodes_and_replays_with_the_key():
    key = base64.b64encode(os.urandom(32)).decode()
    plain = history_from_json(HISTORY.read_text(encoding="utf-8"))
    encrypted = await encrypted_copy(plain, EncryptionCodec.from_b64(key))

    raw = export_raw(encrypted)
    description = json.loads(json.dumps((await decode_history(plain, data_converter()))["events"][0]))
    text = description["workflowExecutionStartedEventAttributes"]["input"]["payloads"][0]["description"]
    assert (
        text
        and text not in raw
        and "binary/encrypted"
        in base64.b64decode(
            json.loads(raw)["events"][0]["workflowExecutionStartedEventAttributes"]["input"]["payloads"][0]["metadata"][
                "encoding"
            ]
        ).decode()
    )

    with_key = await decode_history(history_from_json(raw, plain.workflow_id), data_converter(key))
    assert with_key == await decode_history(plain, data_converter())

    without_key = await decode_history(encrypted, data_converter())
    first_input = without_key["events"][0]["workflowExecutionStartedEventAttributes"]["input"]["payloads"][0]
    assert "undecodable" in first_input

    verdict = await replay_verdict(encrypted, data_converter(key))
    assert verdict.replays_cleanly, verdict.reason
