"""One insights scan: re-count recent orders, fold marked and stale facts, evaluate warnings, re-assess standing.

Run by the scheduled InsightsScanWorkflow through InsightsActivities.scan (docs/INSIGHTS.md), or by
an operator with `complaints insights scan`. Every step is idempotent: a repeated scan at the same
instant changes nothing, and a scan that dies half-way is completed by the next one.
"""

from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy.engine import Engine

from adapters.db_interviews import escalate_overdue
from adapters.ports import Notifier
from core.db import session_scope
from insights import facts, orders, pending
from insights.early_warning import scan_warnings
from insights.standing import scan_standing
from models.policy import Policy


class ScanResult(BaseModel):
    at: datetime
    order_rows: int
    facts_refreshed: int
    evaluated: int
    raised: list[str]
    cleared: list[str]
    active_flags: int
    standings_assessed: int
    standing_changes: list[str]
    interviews_overdue: list[str] = []  # rectification interviews escalated by this scan


def run_scan(engine: Engine, notifier: Notifier, policy: Policy, now: datetime) -> ScanResult:
    last = now.date()
    order_rows = orders.refresh_days(engine, last - timedelta(days=policy.insights.order_refresh_days - 1), last)
    with session_scope(engine) as session:
        stale = facts.stale_ids(session)  # missed by the writer's marks (written before 0012, or by hand)
        for complaint_id in stale:
            pending.mark(session, complaint_id, now)
    refreshed = pending.drain(engine, wait=True)
    warnings = scan_warnings(engine, notifier, policy, now)
    standing = scan_standing(engine, notifier, policy, now)
    overdue = escalate_overdue(engine, notifier, f"queue:{policy.escalation.supervisor_queue}", now)
    return ScanResult(
        at=now,
        order_rows=order_rows,
        facts_refreshed=refreshed,
        evaluated=warnings.evaluated,
        raised=warnings.raised,
        cleared=warnings.cleared,
        active_flags=warnings.active,
        standings_assessed=standing.assessed,
        standing_changes=standing.changed,
        interviews_overdue=overdue,
    )
