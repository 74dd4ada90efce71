"""insights: per-case facts, daily order counts, early-warning flags, merchant standing

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-01 21:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision: str = '0005'
down_revision: Union[str, None] = '0003'  # the lead re-chains at merge
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_STR = sqlmodel.sql.sqltypes.AutoString


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, models.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        'insight_case',
        sa.Column('complaint_id', _STR(), nullable=False),
        _ts('created_at'), _ts('closed_at', True),
        sa.Column('merchant_id', _STR(), nullable=True),
        sa.Column('sku', _STR(), nullable=True),
        sa.Column('category', _STR(), nullable=True),
        sa.Column('type', _STR(), nullable=True),
        sa.Column('dispute_class', _STR(), nullable=True),
        sa.Column('channel', _STR(), nullable=False),
        sa.Column('severity', _STR(), nullable=True),
        sa.Column('stage', _STR(), nullable=False),
        sa.Column('root_cause', _STR(), nullable=True),
        sa.Column('resolution_seconds', sa.Integer(), nullable=True),
        sa.Column('escalated', sa.Boolean(), nullable=False),
        sa.Column('reopened', sa.Boolean(), nullable=False),
        sa.Column('breached_first_contact', sa.Boolean(), nullable=False),
        sa.Column('breached_plan', sa.Boolean(), nullable=False),
        sa.Column('breached_solution', sa.Boolean(), nullable=False),
        sa.Column('breached_dispute_limit', sa.Boolean(), nullable=False),
        sa.Column('breaches', sa.Integer(), nullable=False),
        sa.Column('survey_sent', sa.Boolean(), nullable=False),
        sa.Column('survey_answered', sa.Boolean(), nullable=False),
        sa.Column('resolved_score', sa.Integer(), nullable=True),
        sa.Column('communication_score', sa.Integer(), nullable=True),
        sa.Column('refund_minor', sa.Integer(), nullable=False),
        sa.Column('advance_minor', sa.Integer(), nullable=False),
        sa.Column('recovery_minor', sa.Integer(), nullable=False),
        sa.Column('penalty_minor', sa.Integer(), nullable=False),
        sa.Column('coupon_minor', sa.Integer(), nullable=False),
        sa.Column('points', sa.Integer(), nullable=False),
        _ts('source_updated_at'),
        sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id']),
        sa.PrimaryKeyConstraint('complaint_id'),
    )
    op.create_index('ix_insight_case_created', 'insight_case', ['created_at', 'resolution_seconds'])
    op.create_index('ix_insight_case_merchant_created', 'insight_case', ['merchant_id', 'created_at', 'stage'])
    op.create_index('ix_insight_case_sku_created', 'insight_case', ['sku', 'created_at', 'stage'])
    op.create_index('ix_insight_case_category_created', 'insight_case', ['category', 'created_at'])

    op.create_table(
        'insight_day_totals',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('category', _STR(), nullable=False),
        sa.Column('totals', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('day', 'category'),
    )

    op.create_table(
        'insight_order_day',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('grain', _STR(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('merchant_id', _STR(), nullable=False),
        sa.Column('sku', _STR(), nullable=False),
        sa.Column('category', _STR(), nullable=False),
        sa.Column('lines', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('grain', 'day', 'merchant_id', 'sku', 'category', name='insight_order_day_key'),
    )
    op.create_index('ix_insight_order_day_merchant', 'insight_order_day', ['grain', 'merchant_id', 'day'])
    op.create_index('ix_insight_order_day_sku', 'insight_order_day', ['grain', 'sku', 'day'])

    op.create_table(
        'insight_flag',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('subject_kind', _STR(), nullable=False),
        sa.Column('subject_id', _STR(), nullable=False),
        sa.Column('merchant_id', _STR(), nullable=True),
        sa.Column('category', _STR(), nullable=True),
        _ts('raised_at'), _ts('cleared_at', True),
        sa.Column('evidence', sa.JSON(), nullable=False),
        sa.Column('clear_evidence', sa.JSON(), nullable=True),
        _ts('last_evaluated_at'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ux_insight_flag_active', 'insight_flag', ['subject_kind', 'subject_id'], unique=True,
                    sqlite_where=sa.text('cleared_at IS NULL'), postgresql_where=sa.text('cleared_at IS NULL'))
    op.create_index('ix_insight_flag_merchant', 'insight_flag', ['merchant_id'])

    op.create_table(
        'merchant_standing',
        sa.Column('merchant_id', _STR(), nullable=False),
        sa.Column('tier', _STR(), nullable=False),
        sa.Column('reason', _STR(), nullable=False),
        _ts('since'), _ts('computed_at'),
        sa.Column('changes', sa.Integer(), nullable=False),
        sa.Column('deposit_multiplier', sa.Integer(), nullable=False),
        sa.Column('evidence', sa.JSON(), nullable=False),
        sa.Column('policy_version', _STR(), nullable=False),
        sa.ForeignKeyConstraint(['merchant_id'], ['merchant.id']),
        sa.PrimaryKeyConstraint('merchant_id'),
    )


def downgrade() -> None:
    op.drop_table('merchant_standing')
    op.drop_index('ix_insight_flag_merchant', table_name='insight_flag')
    op.drop_index('ux_insight_flag_active', table_name='insight_flag')
    op.drop_table('insight_flag')
    op.drop_index('ix_insight_order_day_sku', table_name='insight_order_day')
    op.drop_index('ix_insight_order_day_merchant', table_name='insight_order_day')
    op.drop_table('insight_order_day')
    op.drop_table('insight_day_totals')
    for name in ('ix_insight_case_category_created', 'ix_insight_case_sku_created',
                 'ix_insight_case_merchant_created', 'ix_insight_case_created'):
        op.drop_index(name, table_name='insight_case')
    op.drop_table('insight_case')
