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
