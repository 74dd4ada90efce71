"""Custom search attributes: registered on the server before any worker runs. Never personal data."""

from dataclasses import dataclass

from temporalio.common import SearchAttributeKey

STAGE = SearchAttributeKey.for_keyword("CaseStage")
SEVERITY = SearchAttributeKey.for_keyword("CaseSeverity")
TIER = SearchAttributeKey.for_keyword("CaseTier")
ESCALATION = SearchAttributeKey.for_int("CaseEscalationLevel")
MERCHANT = SearchAttributeKey.for_keyword("CaseMerchant")
ASSIGNEE = SearchAttributeKey.for_keyword("CaseAssignee")

ALL = [STAGE, SEVERITY, TIER, ESCALATION, MERCHANT, ASSIGNEE]


def cli_flags() -> list[str]:
    """`temporal server start-dev` flags registering every key."""
    kinds = {"KEYWORD": "Keyword", "INT": "Int"}
    flags: list[str] = []
    for key in ALL:
        flags += ["--search-attribute", f"{key.name}={kinds[key.indexed_value_type.name]}"]
    return flags


class SearchAttributeConflict(RuntimeError):
    """A key exists on the server with another type: only an operator can resolve that."""


@dataclass(frozen=True)
class SetupResult:
    added: list[str]
    present: list[str]


async def register(client, namespace: str | None = None, keys: list[SearchAttributeKey] | None = None) -> SetupResult:
    """Register the missing keys, idempotently; refuse a key registered with another type.

    The time-skipping test server cannot list keys, only add them: there every key is added.
    """
    from temporalio.api.enums.v1 import IndexedValueType
    from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
    from temporalio.service import RPCError, RPCStatusCode

    namespace = namespace or client.namespace
    keys = list(ALL if keys is None else keys)
    try:
        listed = await client.operator_service.list_search_attributes(ListSearchAttributesRequest(namespace=namespace))
        existing = dict(listed.custom_attributes)
    except RPCError as err:
        if err.status != RPCStatusCode.UNIMPLEMENTED:
            raise
        existing = {}
    missing: dict[str, int] = {}
    present: list[str] = []
    for key in keys:
        wanted = int(key.indexed_value_type)  # the SDK's enum mirrors the API's numbers
        if key.name not in existing:
            missing[key.name] = wanted
        elif existing[key.name] != wanted:
            raise SearchAttributeConflict(
                f"search attribute {key.name} is registered as {IndexedValueType.Name(existing[key.name])}, "
                f"the code needs {IndexedValueType.Name(wanted)}"
            )
        else:
            present.append(key.name)
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=missing)
        )
    return SetupResult(added=sorted(missing), present=sorted(present))
