"""Insights activities: the periodic scan, and the merchant standing a case's decision uses."""

from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio import activity

from adapters.ports import Notifier
from insights.scan import ScanResult, run_scan
from insights.standing import Tier, standing_of
from models.policy import Policy


class ScanRequest(BaseModel):
    at: datetime | None = None  # the workflow passes workflow.now(): a retried scan evaluates the same instant


class StandingForCase(BaseModel):
    complaint_id: str
    merchant_id: str


class CaseStanding(BaseModel):
    """The standing a decision used: recorded with the decision, so replay and the timeline show it."""

    merchant_id: str
    tier: Tier
    reason: str
    since: datetime | None = None
    computed_at: datetime | None = None
    policy_version: str | None = None


class InsightsActivities:
    def __init__(
        self, engine: Engine, notifier: Notifier, policy: Callable[[], Policy], clock: Callable[[], datetime]
    ) -> None:
        self._engine = engine
        self._notifier = notifier
        self._policy = policy
        self._clock = clock

    @activity.defn(name="insights_scan")
    def scan(self, req: ScanRequest) -> ScanResult:
        return run_scan(self._engine, self._notifier, self._policy(), req.at or self._clock())

    @activity.defn(name="standing_for_case")
    def standing_for_case(self, q: StandingForCase) -> CaseStanding:
        with Session(self._engine) as session:
            record = standing_of(session, q.merchant_id)
        if record is None:
            return CaseStanding(merchant_id=q.merchant_id, tier=Tier.NORMAL, reason="never assessed")
        return CaseStanding(
            merchant_id=q.merchant_id,
            tier=Tier(record.tier),
            reason=record.reason,
            since=record.since,
            computed_at=record.computed_at,
            policy_version=record.policy_version,
        )
