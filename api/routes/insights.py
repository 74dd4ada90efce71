"""Insights: attribution figures over any window and filter, early-warning flags, merchant standing.

Readers: supervisors (who act on flags and standings) and auditors (who verify them). Agents work
cases, not the shop-level picture, so they are not readers; a merchant may read its own standing
only. Every figure is an aggregate: no consumer, no personal data. JSON, or CSV with `format=csv`.
"""

import csv
import io
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field
from sqlmodel import col, select

from api.deps import EngineDep, Principal, SessionDep, SettingsDep, require_roles
from api.errors import error_responses, forbidden, not_found
from api.policy_store import current_policy
from insights import pending
from insights.breakdown import BreakdownRow, GroupBy, SortBy, breakdown
from insights.filters import InsightFilter, SubjectId
from insights.summary import InsightSummary, flatten, summarize
from models.enums import Role
from models.insight_tables import InsightFlag, MerchantStandingRecord
from models.tables import Merchant

router = APIRouter(prefix="/insights", tags=["insights"])

InsightReader = Annotated[Principal, Depends(require_roles(Role.SUPERVISOR, Role.AUDITOR))]
StandingReader = Annotated[Principal, Depends(require_roles(Role.SUPERVISOR, Role.AUDITOR, Role.MERCHANT))]
Format = Literal["json", "csv"]
_ERRORS = error_responses(401, 403, 422, 503)


def drained(engine: EngineDep, settings: SettingsDep) -> None:
    """Fold the cases still marked for insights first (insights/pending.py): the figures count every write
    committed before the request."""
    pending.drain(engine, settings.insights_drain_chunk, wait=True)


DrainedFirst = Annotated[None, Depends(drained)]


class SummaryParams(InsightFilter):
    format: Format = "json"


class BreakdownParams(SummaryParams):
    by: GroupBy = "merchant"
    sort: SortBy = "complaints"
    limit: int = Field(50, ge=1, le=1000)
    min_complaints: int = Field(5, ge=1, le=100_000, description="sort=rate ranks only groups with this many")


class FlagView(BaseModel):
    id: int
    subject_kind: str
    subject_id: str
    merchant_id: str | None
    category: str | None
    active: bool
    raised_at: datetime
    cleared_at: datetime | None
    evidence: dict[str, Any]
    clear_evidence: dict[str, Any] | None


class StandingView(BaseModel):
    merchant_id: str
    tier: str
    reason: str
    since: datetime | None
    computed_at: datetime | None
    changes: int
    deposit_multiplier: int
    evidence: dict[str, Any]


def _csv(header: list[str], rows: list[list[Any]], name: str) -> PlainTextResponse:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return PlainTextResponse(
        out.getvalue(), media_type="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}.csv"'}
    )


@router.get(
    "/summary",
    response_model=InsightSummary,
    responses=_ERRORS,
    summary="Counts, rates per order line, root causes, resolution times, SLA, escalation, reopen, "
    "satisfaction and money for a window and filter",
)
def insight_summary(
    session: SessionDep,
    settings: SettingsDep,
    _: InsightReader,
    p: Annotated[SummaryParams, Query()],
    _folded: DrainedFirst,
) -> Any:
    policy = current_policy(settings)
    f = InsightFilter(**p.model_dump(exclude={"format"}))
    result = summarize(
        session, f, satisfaction_threshold=policy.review.satisfaction_threshold, currency=policy.currency
    )
    if p.format == "csv":
        return _csv(["figure", "value"], [list(pair) for pair in flatten(result)], "insights-summary")
    return result


@router.get(
    "/breakdown",
    response_model=list[BreakdownRow],
    responses=_ERRORS,
    summary="The same figures per merchant, SKU, category, type, ..., or day (top N by complaints or rate)",
)
def insight_breakdown(
    session: SessionDep, _: InsightReader, p: Annotated[BreakdownParams, Query()], _folded: DrainedFirst
) -> Any:
    f = InsightFilter(**p.model_dump(exclude={"by", "sort", "limit", "min_complaints", "format"}))
    rows = breakdown(session, f, p.by, sort=p.sort, limit=p.limit, min_complaints=p.min_complaints)
    if p.format == "csv":
        fields = list(BreakdownRow.model_fields)
        return _csv([p.by, *fields[1:]], [[getattr(r, n) for n in fields] for r in rows], f"insights-by-{p.by}")
    return rows


def _flag_view(flag: InsightFlag) -> FlagView:
    return FlagView(
        id=flag.id or 0,
        subject_kind=flag.subject_kind,
        subject_id=flag.subject_id,
        merchant_id=flag.merchant_id,
        category=flag.category,
        active=flag.cleared_at is None,
        raised_at=flag.raised_at,
        cleared_at=flag.cleared_at,
        evidence=flag.evidence,
        clear_evidence=flag.clear_evidence,
    )


@router.get(
    "/flags",
    response_model=list[FlagView],
    responses=_ERRORS,
    summary="Early-warning flags, newest first, each with its evidence (rate, baseline, test figures)",
)
def list_flags(
    session: SessionDep,
    _: InsightReader,
    active: bool | None = None,
    merchant_id: Annotated[SubjectId | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[FlagView]:
    stmt = select(InsightFlag)
    if active is not None:
        stmt = stmt.where(col(InsightFlag.cleared_at).is_(None) if active else col(InsightFlag.cleared_at).is_not(None))
    if merchant_id is not None:
        stmt = stmt.where(col(InsightFlag.merchant_id) == merchant_id)
    rows = session.exec(stmt.order_by(col(InsightFlag.raised_at).desc(), col(InsightFlag.id).desc()).limit(limit))
    return [_flag_view(f) for f in rows.all()]


@router.get(
    "/flags/{flag_id}",
    response_model=FlagView,
    responses=error_responses(401, 403, 404, 422, 503),
    summary="One early-warning flag",
)
def get_flag(session: SessionDep, _: InsightReader, flag_id: Annotated[int, Path(ge=1, le=2**62)]) -> FlagView:
    flag = session.get(InsightFlag, flag_id)
    if flag is None:
        raise not_found(f"no flag {flag_id}")
    return _flag_view(flag)


def _standing_view(r: MerchantStandingRecord) -> StandingView:
    return StandingView(
        merchant_id=r.merchant_id,
        tier=r.tier,
        reason=r.reason,
        since=r.since,
        computed_at=r.computed_at,
        changes=r.changes,
        deposit_multiplier=r.deposit_multiplier,
        evidence=r.evidence,
    )


@router.get(
    "/standing",
    response_model=list[StandingView],
    responses=_ERRORS,
    summary="Merchants' standing tiers (merchants never assessed stand as normal and are not listed)",
)
def list_standing(
    session: SessionDep,
    _: InsightReader,
    tier: Literal["trusted", "normal", "watch", "high_risk"] | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[StandingView]:
    stmt = select(MerchantStandingRecord)
    if tier is not None:
        stmt = stmt.where(col(MerchantStandingRecord.tier) == tier)
    rows = session.exec(stmt.order_by(col(MerchantStandingRecord.merchant_id)).limit(limit)).all()
    return [_standing_view(r) for r in rows]


@router.get(
    "/standing/{merchant_id}",
    response_model=StandingView,
    responses=error_responses(401, 403, 404, 422, 503),
    summary="One merchant's standing and why",
)
def get_standing(db: SessionDep, principal: StandingReader, merchant_id: Annotated[SubjectId, Path()]) -> StandingView:
    if principal.role == Role.MERCHANT and principal.merchant_id != merchant_id:
        raise forbidden("merchants may read only their own standing")
    record = db.get(MerchantStandingRecord, merchant_id)
    if record is None:
        if db.get(Merchant, merchant_id) is None:
            raise not_found(f"no merchant {merchant_id!r}")
        return StandingView(
            merchant_id=merchant_id,
            tier="normal",
            reason="never assessed",
            since=None,
            computed_at=None,
            changes=0,
            deposit_multiplier=1,
            evidence={},
        )
    return _standing_view(record)
