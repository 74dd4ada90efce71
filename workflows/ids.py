"""Deterministic identifiers: a complaint id names its workflow; an order line names its complaint."""

WORKFLOW_PREFIX = "complaint-"


def workflow_id(complaint_id: str) -> str:
    return f"{WORKFLOW_PREFIX}{complaint_id}"


def complaint_id(line_key: str, seq: int) -> str:
    """The seq-th complaint ever filed on one order line (the line id, or the order id if unknown)."""
    return f"CMP-{line_key}-{seq}"


def complaint_id_from_workflow(wf_id: str) -> str:
    return wf_id.removeprefix(WORKFLOW_PREFIX)
