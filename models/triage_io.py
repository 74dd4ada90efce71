"""Input and output of the urgency-at-filing activity (activities/triage.py)."""

from pydantic import BaseModel, Field

from models.policy import ClassificationPolicy


class UrgencyRequest(BaseModel):
    complaint_id: str
    description: str = Field(max_length=4000)
    policy: ClassificationPolicy


class Urgency(BaseModel):
    urgent: bool
    rules_fired: list[str] = []
