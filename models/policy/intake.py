"""Intake and evidence: completing a filing, the after-sales window and the parties' evidence deadlines."""

from datetime import timedelta

from pydantic import Field, PositiveInt

from models.enums import Category, ComplaintType
from models.policy._base import _Strict


class IntakePolicy(_Strict):
    completion: timedelta = Field(
        timedelta(minutes=15),
        description="time an agent has to complete a filing's missing basic information (intake clock)",
    )
    supplement: timedelta = Field(
        timedelta(hours=24), description="time the consumer has to supply missing information before the one reminder"
    )
    supplement_reminder: timedelta = Field(
        timedelta(hours=12),
        description="grace after the one supplement reminder; an intake still incomplete then closes as invalid",
    )
    after_sales_window_days: dict[Category, PositiveInt] = Field(
        default={
            Category.FRESH: 7,
            Category.FOOD: 7,
            Category.CLOTHING: 15,
            Category.COSMETICS: 15,
            Category.ELECTRONICS: 30,
            Category.HOME: 15,
            Category.OTHER: 15,
        },
        description="days after delivery (or the order, if never delivered) in which a complaint can be filed, "
        "per category; a category left out has no limit",
    )
    evidence_required_for: list[ComplaintType] = Field(
        default=[
            ComplaintType.QUALITY_DEFECT,
            ComplaintType.COUNTERFEIT,
            ComplaintType.FOOD_SAFETY,
            ComplaintType.NOT_AS_DESCRIBED,
        ],
        description="complaint types that cannot leave intake without at least one piece of evidence",
    )


class EvidencePolicy(_Strict):
    deadlines: dict[str, timedelta] = Field(
        default={"consumer": timedelta(hours=72), "merchant": timedelta(hours=48), "carrier": timedelta(hours=48)},
        description="time each party has to answer an evidence request",
    )
    consumer_reminder_grace: timedelta = Field(
        timedelta(hours=24), description="grace after the one reminder to the consumer; then the request lapses"
    )
