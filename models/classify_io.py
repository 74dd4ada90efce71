"""Input of the classify activity (activities/classify.py)."""

from pydantic import BaseModel, Field

from models.case import OrderFacts
from models.policy import ClassificationPolicy
from policy.group_impact import GroupVolumes


class ClassifyRequest(BaseModel):
    complaint_id: str
    # Bounded like the filing's description: the text travels encrypted in the activity input.
    description: str = Field(max_length=4000)
    order: OrderFacts
    volumes: GroupVolumes | None = Field(None, description="group-impact counts in the window; None skips it")
    policy: ClassificationPolicy
