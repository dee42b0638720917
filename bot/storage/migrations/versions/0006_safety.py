"""safety: each partner's private opt-in to sensitive questions

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


# Plain ADD / DROP COLUMN (SQLite 3.35+ has both): a batch rebuild of ``pairs`` would drop the
# table that rounds, users and cohorts reference, which foreign keys refuse once it has rows.


def upgrade() -> None:
    op.add_column("pairs", sa.Column("deeper_a", sa.Boolean(), server_default="0", nullable=False))
    op.add_column("pairs", sa.Column("deeper_b", sa.Boolean(), server_default="0", nullable=False))


def downgrade() -> None:
    op.drop_column("pairs", "deeper_b")
    op.drop_column("pairs", "deeper_a")
