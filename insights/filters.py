"""The window and filters every insights figure is computed over, and their SQL clauses."""

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator
from sqlalchemy import func, literal_column, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from models.enums import Category, ComplaintType, DisputeClass, Severity
from models.insight_tables import InsightCase, InsightOrderDay
from models.types import UTCDateTime

# Ids are matched, never interpreted: any script, but no control characters (PostgreSQL refuses NUL).
SubjectId = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")]
MAX_WINDOW = timedelta(days=3 * 366)


class InsightFilter(BaseModel):
    """Complaints filed in [created_from, created_to), narrowed by any of the filters (each: match any)."""

    model_config = ConfigDict(extra="forbid")

    created_from: AwareDatetime | None = Field(None, description="inclusive; default 30 days before created_to")
    created_to: AwareDatetime | None = Field(None, description="exclusive; default now")
    merchant_id: SubjectId | None = None
    sku: SubjectId | None = None
    category: list[Category] = Field(default_factory=list)
    type: list[ComplaintType] = Field(default_factory=list)
    dispute_class: list[DisputeClass] = Field(default_factory=list)
    channel: list[SubjectId] = Field(default_factory=list, max_length=10)
    severity: list[Severity] = Field(default_factory=list)

    @model_validator(mode="after")
    def _window(self) -> "InsightFilter":
        if self.created_from is not None and self.created_to is not None:
            if self.created_to <= self.created_from:
                raise ValueError("created_to must be after created_from")
            if self.created_to - self.created_from > MAX_WINDOW:
                raise ValueError("the window may span at most three years")
        return self

    def window(self, now: datetime | None = None) -> tuple[datetime, datetime]:
        end = (self.created_to or now or datetime.now(UTC)).astimezone(UTC)
        start = (self.created_from or end - timedelta(days=30)).astimezone(UTC)
        return start, end

    def echo(self, now: datetime | None = None) -> dict[str, Any]:
        start, end = self.window(now)
        data = self.model_dump(mode="json", exclude_defaults=True)
        return {**data, "created_from": start.isoformat(), "created_to": end.isoformat()}

    @property
    def narrows_cases_only(self) -> bool:
        """Filters that order-line counts cannot follow: a rate is then per all order lines of the scope."""
        return bool(self.type or self.dispute_class or self.channel or self.severity)


def case_clauses(
    f: InsightFilter, now: datetime | None = None, *, session: Session | None = None
) -> list[ColumnElement[bool]]:
    start, end = f.window(now)
    filed = filed_at(session, f) if session is not None else col(InsightCase.created_at)
    where: list[ColumnElement[bool]] = [filed >= start, filed < end]
    if f.merchant_id is not None:
        where.append(col(InsightCase.merchant_id) == f.merchant_id)
    if f.sku is not None:
        where.append(col(InsightCase.sku) == f.sku)
    for column, values in (
        (InsightCase.category, f.category),
        (InsightCase.type, f.type),
        (InsightCase.dispute_class, f.dispute_class),
        (InsightCase.channel, f.channel),
        (InsightCase.severity, f.severity),
    ):
        if values:
            where.append(col(column).in_([str(v) for v in values]))
    return where


def filed_at(session: Session, f: InsightFilter) -> Any:
    """The filing-time column to filter on. Without a merchant or SKU filter most rows qualify, and on
    SQLite a plain table scan then beats the created_at index tenfold (no random lookup per row): the
    unary `+` (a no-op on the value) keeps SQLite's planner off the index. PostgreSQL has the statistics
    to choose by itself. A category with a severity is narrow enough for its own index
    (`category, severity, created_at`): the window bounds then range over it."""
    narrow = f.merchant_id is not None or f.sku is not None or bool(f.category and f.severity)
    if not narrow and session.get_bind().dialect.name == "sqlite":
        return literal_column(f"+{InsightCase.__tablename__}.created_at", UTCDateTime())
    return col(InsightCase.created_at)


def days_of(start: datetime, end: datetime) -> tuple[date, date]:
    """The UTC days a window touches (end exclusive): order lines are counted per whole day."""
    return start.date(), (end - timedelta(microseconds=1)).date()


def order_grain(f: InsightFilter) -> str:
    return "sku" if f.sku is not None else "merchant" if f.merchant_id is not None else "category"


def order_clauses(f: InsightFilter, now: datetime | None = None) -> list[ColumnElement[bool]]:
    first, last = days_of(*f.window(now))
    where: list[ColumnElement[bool]] = [
        col(InsightOrderDay.grain) == order_grain(f),
        col(InsightOrderDay.day) >= first,
        col(InsightOrderDay.day) <= last,
    ]
    if f.merchant_id is not None:
        where.append(col(InsightOrderDay.merchant_id) == f.merchant_id)
    if f.sku is not None:
        where.append(col(InsightOrderDay.sku) == f.sku)
    if f.category:
        where.append(col(InsightOrderDay.category).in_([str(c) for c in f.category]))
    return where


def order_lines(session: Session, f: InsightFilter, now: datetime | None = None) -> int:
    total = session.execute(
        select(func.coalesce(func.sum(InsightOrderDay.lines), 0)).where(*order_clauses(f, now))
    ).scalar_one()
    return int(total)
