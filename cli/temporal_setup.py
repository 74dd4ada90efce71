"""Register the custom search attributes on an external Temporal server, idempotently.

Production runs this once per deploy (the compose `temporal-setup` one-shot) before any worker starts:
a workflow that upserts an unregistered key fails its task forever. The key list is
core.search_attributes.ALL, so the server and the code can never disagree.
"""

from dataclasses import dataclass

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeKey

from core import search_attributes


class SearchAttributeConflict(RuntimeError):
    """A key exists on the server with another type: only an operator can resolve that."""


@dataclass(frozen=True)
class SetupResult:
    added: list[str]
    present: list[str]


def _wire_type(key: SearchAttributeKey) -> int:
    return int(key.indexed_value_type)  # the SDK's enum mirrors the API's IndexedValueType numbers


async def register_search_attributes(client: Client, namespace: str,
                                     keys: list[SearchAttributeKey] | None = None) -> SetupResult:
    keys = list(search_attributes.ALL if keys is None else keys)
    listed = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=namespace))
    existing = dict(listed.custom_attributes)
    missing: dict[str, int] = {}
    present: list[str] = []
    for key in keys:
        wanted = _wire_type(key)
        if key.name not in existing:
            missing[key.name] = wanted
        elif existing[key.name] != wanted:
            raise SearchAttributeConflict(
                f"search attribute {key.name} is registered as {IndexedValueType.Name(existing[key.name])}, "
                f"the code needs {IndexedValueType.Name(wanted)}")
        else:
            present.append(key.name)
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=missing))
    return SetupResult(added=sorted(missing), present=sorted(present))
