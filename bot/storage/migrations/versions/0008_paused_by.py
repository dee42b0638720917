"""a pause is its author's: pairs.paused_by

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 21:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Plain ADD / DROP COLUMN (SQLite 3.35+ has both): a batch rebuild of ``pairs`` would drop the
# table that rounds, users and cohorts reference, which foreign keys refuse once it has rows.


def upgrade() -> None:
    op.add_column("pairs", sa.Column("paused_by", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("pairs", "paused_by")
