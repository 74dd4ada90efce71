"""Insights tables: per-case facts, daily order counts, early-warning flags and merchant standing.

`insight_case` and `insight_order_day` are derived data (rollups): every value in them is recomputed
from the read model, the ledger and the order tables by insights.facts / insights.orders, so they can
be rebuilt at any time (`complaints insights rebuild`). Flags and standing are records of their own.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Date, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


# Any, as sqlmodel's Field is: the result stands in for a column of whatever type the field declares.
def _ts(nullable: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable))


class InsightCase(SQLModel, table=True):
    """One row per complaint: the figures insights adds up, flattened so one pass answers a query."""

    __tablename__ = "insight_case"
    __table_args__ = (
        # Covers the resolution times of a window: read from the index alone.
        Index("ix_insight_case_created", "created_at", "resolution_seconds"),
        # (stage last: the per-merchant and per-SKU counts of a window are read from the index alone)
        Index("ix_insight_case_merchant_created", "merchant_id", "created_at", "stage"),
        Index("ix_insight_case_sku_created", "sku", "created_at", "stage"),
        Index("ix_insight_case_category_created", "category", "created_at"),
        # A severity filter (with or without a category) reads only the matching rows.
        Index("ix_insight_case_category_severity_created", "category", "severity", "created_at"),
        # Percentiles: the k-th resolution time inside one histogram bin of a window, from the index alone.
        Index("ix_insight_case_resolution", "resolution_seconds", "created_at", "category"),
    )

    complaint_id: str = Field(primary_key=True, foreign_key="complaint.id")
    created_at: datetime = _ts()
    closed_at: datetime | None = _ts(nullable=True)
    merchant_id: str | None = None
    sku: str | None = None
    category: str | None = None
    type: str | None = None
    dispute_class: str | None = None
    channel: str = "app"
    severity: str | None = None
    stage: str
    root_cause: str | None = None
    resolution_seconds: int | None = Field(default=None, description="filing to close, closed cases only")
    escalated: bool = False
    reopened: bool = False
    breached_first_contact: bool = False
    breached_plan: bool = False
    breached_solution: bool = False
    breached_dispute_limit: bool = False
    breaches: int = 0
    survey_sent: bool = False
    survey_answered: bool = False
    resolved_score: int | None = None
    communication_score: int | None = None
    refund_minor: int = 0
    advance_minor: int = 0
    recovery_minor: int = 0
    penalty_minor: int = 0
    coupon_minor: int = 0
    points: int = 0
    source_updated_at: datetime = _ts()


class InsightPending(SQLModel, table=True):
    """A complaint whose facts wait to be folded: the read-model writer marks it in its own transaction, and
    the insights drain (insights/pending.py) claims marks, folds the cases and moves their rollups, many at
    once. A mark outlives any number of writes until its case is folded."""

    __tablename__ = "insight_pending"

    complaint_id: str = Field(primary_key=True)
    marked_at: datetime = Field(
        sa_column=Column(UTCDateTime(), nullable=False), description="the first write since the case was last folded"
    )


class InsightDayTotals(SQLModel, table=True):
    """Every additive figure of the complaints filed on one UTC day in one category, and in all of them
    (category '*'): a rollup of `insight_case`, moved by the insights drain whenever it folds cases of that day
    (insights/rollup_moves.py)."""

    __tablename__ = "insight_day_totals"

    day: date = Field(sa_column=Column(Date(), primary_key=True))
    category: str = Field(default="", primary_key=True, description="'*' is every category of the day")
    totals: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    layout: str = Field(default="", description="the layout of `totals`; rows of another are not read")


class InsightDayGroup(SQLModel, table=True):
    """The breakdown figures of one UTC filing day and category per value of one low-cardinality dimension
    (type, dispute class, channel, severity, root cause; dimension '' is every case of the day). Rejected
    cases are not counted, as in the breakdown. A rollup of `insight_case`, moved with the day's
    totals by the insights drain."""

    __tablename__ = "insight_day_group"
    __table_args__ = (
        # Refreshed per day and category; read per dimension over a range of days (the primary key).
        Index("ix_insight_day_group_day", "day", "category"),
        {"sqlite_with_rowid": False},
    )

    dimension: str = Field(default="", primary_key=True)
    day: date = Field(sa_column=Column(Date(), primary_key=True))
    category: str = Field(default="", primary_key=True, description="'*' is every category of the day")
    value: str = Field(default="", primary_key=True, description="'' when the case has no value yet")
    complaints: int = 0
    closed: int = 0
    escalated: int = 0
    reopened: int = 0
    breaches: int = 0
    resolution_n: int = 0
    resolution_sum: int = Field(default=0, sa_column=Column(BigInteger(), nullable=False))
    satisfaction_n: int = 0
    satisfaction_sum: int = Field(default=0, description="resolved + communication score, cases with both")
    refund_minor: int = Field(default=0, sa_column=Column(BigInteger(), nullable=False))
    advance_minor: int = Field(default=0, sa_column=Column(BigInteger(), nullable=False))
    recovery_minor: int = Field(default=0, sa_column=Column(BigInteger(), nullable=False))
    penalty_minor: int = Field(default=0, sa_column=Column(BigInteger(), nullable=False))
    coupon_minor: int = Field(default=0, sa_column=Column(BigInteger(), nullable=False))
    points: int = Field(default=0, sa_column=Column(BigInteger(), nullable=False))


class InsightOrderDay(SQLModel, table=True):
    """Order lines placed per day at three grains: 'sku', 'merchant' (sku '') and 'category' (both '')."""

    __tablename__ = "insight_order_day"
    __table_args__ = (
        UniqueConstraint("grain", "day", "merchant_id", "sku", "category", name="insight_order_day_key"),
        Index("ix_insight_order_day_merchant", "grain", "merchant_id", "day"),
        Index("ix_insight_order_day_sku", "grain", "sku", "day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    grain: str
    day: date = Field(sa_column=Column(Date(), nullable=False))
    merchant_id: str = ""
    sku: str = ""
    category: str = ""
    lines: int = 0


class InsightFlag(SQLModel, table=True):
    """An early warning on a merchant or a SKU: raised with its evidence, cleared with the evidence of its return."""

    __tablename__ = "insight_flag"
    __table_args__ = (
        # At most one active flag per subject, enforced by the database itself.
        Index(
            "ux_insight_flag_active",
            "subject_kind",
            "subject_id",
            unique=True,
            sqlite_where=text("cleared_at IS NULL"),
            postgresql_where=text("cleared_at IS NULL"),
        ),
        Index("ix_insight_flag_merchant", "merchant_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    subject_kind: str = Field(description="merchant or sku")
    subject_id: str
    merchant_id: str | None = None
    category: str | None = None
    raised_at: datetime = _ts()
    cleared_at: datetime | None = _ts(nullable=True)
    evidence: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    clear_evidence: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    last_evaluated_at: datetime = _ts()


class MerchantStandingRecord(SQLModel, table=True):
    """The standing tier a merchant has now, why, and what of its consequences is applied."""

    __tablename__ = "merchant_standing"

    merchant_id: str = Field(primary_key=True, foreign_key="merchant.id")
    tier: str
    reason: str
    since: datetime = _ts()
    computed_at: datetime = _ts()
    changes: int = 0
    deposit_multiplier: int = 1
    evidence: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    policy_version: str = "default"
