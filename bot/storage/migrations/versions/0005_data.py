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


def upgrade() -> None:
    with op.batch_alter_table("pairs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("retention", sa.String(length=8), server_default="forever", nullable=False)
        )
        batch_op.add_column(sa.Column("retention_proposal", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("retention_proposed_by", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pairs", schema=None) as batch_op:
        batch_op.drop_column("retention_proposed_by")
        batch_op.drop_column("retention_proposal")
        batch_op.drop_column("retention")
