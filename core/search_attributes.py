"""Custom search attributes: registered on the server before any worker runs. Never personal data."""

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


async def register(client) -> None:
    """Register every key on a server that lacks them (time-skipping test server, a fresh cluster)."""
    from temporalio.api.enums.v1 import IndexedValueType
    from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest

    from temporalio.service import RPCError, RPCStatusCode

    namespace = client.namespace
    try:
        listed = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=namespace))
        existing = set(listed.custom_attributes)
    except RPCError as err:  # the time-skipping test server cannot list, only add
        if err.status != RPCStatusCode.UNIMPLEMENTED:
            raise
        existing = set()
    missing = {k.name: IndexedValueType.ValueType(k.indexed_value_type) for k in ALL if k.name not in existing}
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=missing))
