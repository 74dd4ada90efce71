"""Per-case repeat limits that bound a case's Temporal history."""

from pydantic import Field, PositiveInt

from models.policy._base import _Strict


class LimitsPolicy(_Strict):
    """How often a step may repeat in one case. Each repeat adds to the case's Temporal history, so these
    bound its longest legal life far below Temporal's limits (see docs/RELIABILITY.md, history budget)."""

    joined_filings: PositiveInt = Field(20, description="duplicate filings joined to one case")
    evidence_per_party: PositiveInt = Field(20, description="evidence items one party may submit per case")
    evidence_requests_per_party: PositiveInt = Field(5, description="evidence requests to one party per case")
    clock_pauses: PositiveInt = Field(200, description="manual pauses of the SLA clock per case")
    assignments: PositiveInt = Field(100, description="assignments and claims per case")
