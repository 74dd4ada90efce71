"""Who a staff notification is addressed to: a queue (`queue:<name>`) or a person (`agent:<id>`).

An escalated or re-opened case sits in the supervisors' queue: its notifications go to that queue,
never to a made-up person called "supervisors". An unassigned case notifies the agents' queue.
"""

AGENTS_QUEUE = "agents"


def staff_recipient(assignee: str | None, supervisor_queue: str) -> str:
    if not assignee:
        return f"queue:{AGENTS_QUEUE}"
    if assignee == supervisor_queue:
        return f"queue:{supervisor_queue}"
    return f"agent:{assignee}"
