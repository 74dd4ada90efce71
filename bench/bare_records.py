"""The bare deadlines' one activity: write one `sla_breach` row (bench/bare_deadlines.py)."""

from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio import activity

from models.tables import SlaBreach

BARE_CLOCK = "bare"


class BareBreach(BaseModel):
    id: str
    complaint_id: str
    level: int
    due_at: datetime
    breached_at: datetime


class BareRecords:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @activity.defn(name="record_bare_breach")
    def record_breach(self, breach: BareBreach) -> None:
        """One row, idempotent on its id (a retried activity finds it written)."""
        with Session(self.engine) as session:
            if session.get(SlaBreach, breach.id) is not None:
                return
            session.add(
                SlaBreach(
                    id=breach.id,
                    complaint_id=breach.complaint_id,
                    clock=BARE_CLOCK,
                    level=breach.level,
                    due_at=breach.due_at,
                    breached_at=breach.breached_at,
                    recorded_at=datetime.now(UTC),
                )
            )
            session.commit()
