"""ledger: money to the consumer per order line never above what was paid; points in their own unit

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 21:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0003'
down_revision: Union[str, None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('consumer_line_total',
    sa.Column('order_line_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('paid_minor', sa.Integer(), nullable=False),
    sa.Column('refunded_minor', sa.Integer(), nullable=False),
    sa.CheckConstraint('refunded_minor >= 0', name='consumer_line_refunded_nonneg'),
    sa.CheckConstraint('refunded_minor <= paid_minor', name='consumer_line_refunded_le_paid'),
    sa.PrimaryKeyConstraint('order_line_id')
    )
    # Points booked before this revision were stored as if they were CNY minor units.
    op.execute("UPDATE ledger_entry SET currency = 'POINTS' WHERE kind = 'points'")
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('order_line_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.create_index(batch_op.f('ix_ledger_entry_order_line_id'), ['order_line_id'], unique=False)
        batch_op.create_check_constraint('ledger_points_unit', "kind = 'reversal' OR ((kind = 'points') = (currency = 'POINTS'))")


def downgrade() -> None:
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.drop_constraint('ledger_points_unit', type_='check')
        batch_op.drop_index(batch_op.f('ix_ledger_entry_order_line_id'))
        batch_op.drop_column('order_line_id')
    op.execute("UPDATE ledger_entry SET currency = 'CNY' WHERE kind = 'points'")
    op.drop_table('consumer_line_total')
