"""Register the custom search attributes on an external Temporal server, idempotently.

Production runs this once per deploy (the compose `temporal-setup` one-shot) before any worker starts:
a workflow that upserts an unregistered key fails its task forever. The key list is
core.search_attributes.ALL, so the server and the code can never disagree.
"""

from temporalio.client import Client
from temporalio.common import SearchAttributeKey

from core.search_attributes import SearchAttributeConflict, SetupResult, register

__all__ = ["SearchAttributeConflict", "SetupResult", "register_search_attributes"]


async def register_search_attributes(
    client: Client, namespace: str, keys: list[SearchAttributeKey] | None = None
) -> SetupResult:
    return await register(client, namespace, keys)
