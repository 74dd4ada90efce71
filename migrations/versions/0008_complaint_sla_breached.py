"""complaint.sla_breached: a case holding a breached clock (re-armed or run out) stays on the overdue queue

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-01 22:10:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: Union[str, None] = '0005'  # the current head of main; the lead re-chains at merge
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sla_breached', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f('ix_complaint_sla_breached'), ['sla_breached'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_sla_breached'))
        batch_op.drop_column('sla_breached')
