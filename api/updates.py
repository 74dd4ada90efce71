"""The complaint workflow's updates as typed references: the method is the handle, its name and payload follow.

The API's step table and audit's what-if replays both call updates by method (never by a typed-in name), so
each call can be followed to its handler by go-to-definition, and the payload type is the method's own.
"""

from typing import Any, TypeAlias, TypeVar

from pydantic import BaseModel
from temporalio.workflow import UpdateMethodMultiParam

from models.case import CaseState
from workflows.complaint import ComplaintWorkflow

P = TypeVar("P", bound=BaseModel)
# An update of the complaint workflow taking payload P; a human step answers with the case state.
Update: TypeAlias = UpdateMethodMultiParam[[ComplaintWorkflow, P], Any]
CaseUpdate: TypeAlias = UpdateMethodMultiParam[[ComplaintWorkflow, P], CaseState]


def update_name(update: Update[Any]) -> str:
    """The update's name in Temporal, as the workflow registers it."""
    # temporalio keeps the update's definition on the decorated method (declared by UpdateMethodMultiParam).
    name = update._defn.name
    if name is None:
        raise TypeError(f"{update!r} is a dynamic update: every call here names one update")
    return name


def update_payload(update: Update[P]) -> type[P]:
    """The payload model of the update, read from the method's parameter annotation."""
    arg_types = update._defn.arg_types or []
    if len(arg_types) != 1:
        raise TypeError(f"update {update_name(update)} must take exactly one payload, takes {arg_types}")
    payload: type[P] = arg_types[0]
    if not issubclass(payload, BaseModel):
        raise TypeError(f"update {update_name(update)} must take a pydantic payload, takes {payload}")
    return payload


def complaint_updates() -> dict[str, Update[Any]]:
    """Every update method of the complaint workflow by its registered name (to replay recorded updates)."""
    methods = (m for m in vars(ComplaintWorkflow).values() if isinstance(m, UpdateMethodMultiParam))
    return {update_name(method): method for method in methods}
