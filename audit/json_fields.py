"""JSON values the replay's decision check compares (audit/decisions.py): field-by-field differences, the audit
records inside an activity input, an audit row in a record's shape, and the writes of a step batch."""

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel

# Audit row columns that an audit-record input carries under the same name.
ROW_COLUMNS = ("complaint_id", "at", "actor_kind", "actor_id", "action", "reason", "stage_before", "stage_after")


class FieldDifference(BaseModel):
    field: str
    recorded: Any
    replayed: Any
    kind: str = "changed"  # "added": a field the recorded input lacked; "redacted": text the code now leaves empty


ABSENT = "<absent>"
INDEX = re.compile(r"\[\d+\]")  # a list index in a field path
_EMPTY = (None, [], {}, "", False)


def json_differences(recorded: Any, replayed: Any, path: str = "") -> list[FieldDifference]:
    """Every leaf where two JSON values differ, named by its dotted path.

    A field only one side has is a difference unless its value is empty (None, [], {}, "", false): a model
    that gained or lost an empty optional field has not changed a decision.
    """
    if isinstance(recorded, dict) and isinstance(replayed, dict):
        out: list[FieldDifference] = []
        for key in list(recorded) + [k for k in replayed if k not in recorded]:
            sub = f"{path}.{key}" if path else str(key)
            mine, theirs = recorded.get(key, ABSENT), replayed.get(key, ABSENT)
            if ABSENT in (mine, theirs) and (mine if theirs == ABSENT else theirs) in _EMPTY:
                continue
            if mine == ABSENT:
                out.append(FieldDifference(field=sub, recorded=mine, replayed=theirs, kind="added"))
                continue
            out += json_differences(mine, theirs, sub)
        return out
    if isinstance(recorded, str) and recorded and replayed == "":
        return [FieldDifference(field=path, recorded=recorded, replayed=replayed, kind="redacted")]
    if isinstance(recorded, list) and isinstance(replayed, list) and len(recorded) == len(replayed):
        out = []
        for index, (a, b) in enumerate(zip(recorded, replayed, strict=True)):
            out += json_differences(a, b, f"{path}[{index}]")
        return out
    return (
        []
        if recorded == replayed
        else [FieldDifference(field=path or "(whole input)", recorded=recorded, replayed=replayed)]
    )


def audit_records_in(value: Any) -> list[dict[str, Any]]:
    """The audit records inside an activity input: one record, or a batch of them (a list, or the
    `writes` of a step batch, each write a dict naming its kind)."""
    if isinstance(value, dict):
        if {"complaint_id", "seq", "action"} <= value.keys():
            return [value]
        return [r for v in value.values() if isinstance(v, list | dict) for r in audit_records_in(v)]
    if isinstance(value, list):
        return [r for item in value for r in audit_records_in(item)]
    return []


def row_as_record(row: Mapping[str, Any], like: Mapping[str, Any]) -> dict[str, Any]:
    """The audit row in the shape of the replayed record: only the fields the record has."""
    details = dict(row.get("details") or {})
    out: dict[str, Any] = {}
    for key in like:
        if key in ROW_COLUMNS:
            out[key] = row.get(key)
        elif key == "seq":
            out[key] = details.get("seq")
        elif key == "snapshot":
            out[key] = details.get("snapshot", ABSENT)
        elif key == "details":
            out[key] = {k: v for k, v in details.items() if k not in ("seq", "snapshot")}
        else:
            out[key] = details.get(key, ABSENT)
    return out


def same_instant(recorded: Any, replayed: Any) -> bool:
    """Times read back from a database column and from JSON differ only in spelling ('Z' or '+00:00')."""
    try:
        return datetime.fromisoformat(str(recorded)) == datetime.fromisoformat(str(replayed))
    except ValueError:
        return False


def writes_of(value: Any) -> list[dict[str, Any]]:
    """The writes of a step batch's JSON (StepWrites), each a dict with one kind set; [] if it is none."""
    writes = value.get("writes") if isinstance(value, dict) else None
    if not isinstance(writes, list) or not all(isinstance(w, dict) and kind_of(w) for w in writes):
        return []
    return writes


def kind_of(write: dict[str, Any]) -> str:
    return next((k for k, v in write.items() if v is not None), "")
