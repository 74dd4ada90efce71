"""Input of the classify activity (activities/classify.py)."""

from datetime import datetime

from pydantic import BaseModel, Field

from models.case import OrderFacts
from models.policy import ClassificationPolicy


class ClassifyRequest(BaseModel):
    complaint_id: str
    # Bounded like the filing's description: the text travels encrypted in the activity input.
    description: str = Field(max_length=4000)
    order: OrderFacts
    policy: ClassificationPolicy
    group_since: datetime | None = Field(
        None, description="start of the group-impact window; None classifies the text alone"
    )
