"""Per-case bounds on repeatable steps (policy.limits): past one, the validator refuses and nothing is written.

Every accepted step adds events and payloads to the case's history; these bounds make the longest case
the policy allows a known, small fraction of Temporal's history limits.
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.enums import Party
    from workflows.case import Case
    from workflows.guards import conflict


def _refuse(what: str, limit: int) -> None:
    raise conflict(f"this case has reached its limit of {limit} {what}", limit=limit)


def check_joined_filing(case: Case) -> None:
    if case.state.joined_filings >= case.policy.limits.joined_filings:
        _refuse("repeat filings", case.policy.limits.joined_filings)


def check_evidence(case: Case, party: Party) -> None:
    limit = case.policy.limits.evidence_per_party
    if sum(1 for e in case.state.evidence if e.party == party) >= limit:
        _refuse(f"evidence items from the {party.value}", limit)


def check_evidence_request(case: Case, party: Party) -> None:
    limit = case.policy.limits.evidence_requests_per_party
    if sum(1 for r in case.state.evidence_requests if r.party == party) >= limit:
        _refuse(f"evidence requests to the {party.value}", limit)


def check_pause(case: Case) -> None:
    if case.facts.manual_pauses >= case.policy.limits.clock_pauses:
        _refuse("clock pauses", case.policy.limits.clock_pauses)


def check_assignment(case: Case) -> None:
    if case.facts.assignments >= case.policy.limits.assignments:
        _refuse("assignments", case.policy.limits.assignments)
