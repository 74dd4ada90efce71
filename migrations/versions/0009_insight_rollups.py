"""insight rollups: breakdown sums per day, category and dimension value; the day totals' layout; indexes for
severity filters and percentiles

Derived data: `insight_day_group` starts empty and the day totals' rows are of the old layout (''), so the
summaries and breakdowns they would serve read the facts (insights.cube checks the layout) until
`complaints insights rebuild` re-aggregates both, with the all-category rows ('*').

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 01:10:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0009'
down_revision: Union[str, None] = '0008'  # the lead re-chains at merge
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_STR = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        'insight_day_group',
        sa.Column('dimension', _STR(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('category', _STR(), nullable=False),
        sa.Column('value', _STR(), nullable=False),
        sa.Column('complaints', sa.Integer(), nullable=False),
        sa.Column('closed', sa.Integer(), nullable=False),
        sa.Column('escalated', sa.Integer(), nullable=False),
        sa.Column('reopened', sa.Integer(), nullable=False),
        sa.Column('breaches', sa.Integer(), nullable=False),
        sa.Column('resolution_n', sa.Integer(), nullable=False),
        sa.Column('resolution_sum', sa.BigInteger(), nullable=False),
        sa.Column('satisfaction_n', sa.Integer(), nullable=False),
        sa.Column('satisfaction_sum', sa.Integer(), nullable=False),
        sa.Column('refund_minor', sa.BigInteger(), nullable=False),
        sa.Column('advance_minor', sa.BigInteger(), nullable=False),
        sa.Column('recovery_minor', sa.BigInteger(), nullable=False),
        sa.Column('penalty_minor', sa.BigInteger(), nullable=False),
        sa.Column('coupon_minor', sa.BigInteger(), nullable=False),
        sa.Column('points', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('dimension', 'day', 'category', 'value'),
        sqlite_with_rowid=False,
    )
    op.create_index('ix_insight_day_group_day', 'insight_day_group', ['day', 'category'])
    with op.batch_alter_table('insight_day_totals') as batch_op:
        batch_op.add_column(sa.Column('layout', _STR(), nullable=False, server_default=''))
    op.create_index(
        'ix_insight_case_category_severity_created', 'insight_case', ['category', 'severity', 'created_at']
    )
    op.create_index(
        'ix_insight_case_resolution', 'insight_case', ['resolution_seconds', 'created_at', 'category']
    )


def downgrade() -> None:
    with op.batch_alter_table('insight_day_totals') as batch_op:
        batch_op.drop_column('layout')
    op.drop_index('ix_insight_case_resolution', table_name='insight_case')
    op.drop_index('ix_insight_case_category_severity_created', table_name='insight_case')
    op.drop_index('ix_insight_day_group_day', table_name='insight_day_group')
    op.drop_table('insight_day_group')
