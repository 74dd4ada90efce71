"""ledger: an entry is reversed at most once

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:00:00
"""
from typing import Sequence, Union

from alembic import op

revision: str = '0002'
down_revision: Union[str, None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # A unique index rather than a constraint: SQLite creates it in place, no table rebuild needed.
    op.create_index('ux_ledger_entry_reverses_key', 'ledger_entry', ['reverses_key'], unique=True)


def downgrade() -> None:
    op.drop_index('ux_ledger_entry_reverses_key', table_name='ledger_entry')
