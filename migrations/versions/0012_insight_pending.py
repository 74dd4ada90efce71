"""insight_pending: the cases whose insights facts wait for the drain (the read-model writer no longer folds
them in its own transaction)

Every case's facts were current when this runs (the writer folded them), so the table starts empty.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 19:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

from models.types import UTCDateTime

revision: str = '0012'
down_revision: Union[str, None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'insight_pending',
        sa.Column('complaint_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('marked_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('complaint_id'),
    )


def downgrade() -> None:
    op.drop_table('insight_pending')
