"""rectification_interview: a repeat offender's interview, a supervisor task with its own deadline

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 01:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from models.types import UTCDateTime

_STR = sqlmodel.sql.sqltypes.AutoString

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rectification_interview",
        sa.Column("id", _STR(), nullable=False),
        sa.Column("complaint_id", _STR(), nullable=False),
        sa.Column("merchant_id", _STR(), nullable=False),
        sa.Column("due_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("held_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("held_by", _STR(), nullable=True),
        sa.Column("notes", _STR(), nullable=False),
        sa.Column("overdue_escalated_at", UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(held_at IS NULL AND held_by IS NULL) OR (held_at IS NOT NULL AND held_by IS NOT NULL)",
            name="interview_held_by_someone",
        ),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"]),
        sa.ForeignKeyConstraint(["merchant_id"], ["merchant.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_rectification_interview_complaint_id", "rectification_interview", ["complaint_id"])
    op.create_index("ix_rectification_interview_merchant_id", "rectification_interview", ["merchant_id"])
    op.create_index("ix_rectification_interview_due_at", "rectification_interview", ["due_at"])


def downgrade() -> None:
    op.drop_table("rectification_interview")
