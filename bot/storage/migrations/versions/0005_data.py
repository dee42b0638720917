"""your data is yours: each pair's retention and a proposal to keep rounds longer

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 20:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


# Plain ADD / DROP COLUMN (SQLite 3.35+ has both): a batch rebuild of ``pairs`` would drop the
# table that rounds, users and cohorts reference, which foreign keys refuse once it has rows.


def upgrade() -> None:
    op.add_column(
        "pairs",
        sa.Column("retention", sa.String(length=8), server_default="forever", nullable=False),
    )
    op.add_column("pairs", sa.Column("retention_proposal", sa.String(length=8), nullable=True))
    op.add_column("pairs", sa.Column("retention_proposed_by", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("pairs", "retention_proposed_by")
    op.drop_column("pairs", "retention_proposal")
    op.drop_column("pairs", "retention")
