"""your data is yours: each pair's retention, a proposal to keep rounds longer, and protected
outbox messages

Revision ID: 0004_data
Revises: 0003
Create Date: 2026-12-02 20:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_data"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pairs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("retention", sa.String(length=8), server_default="forever", nullable=False)
        )
        batch_op.add_column(sa.Column("retention_proposal", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("retention_proposed_by", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("protected", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("protected")
    with op.batch_alter_table("pairs", schema=None) as batch_op:
        batch_op.drop_column("retention_proposed_by")
        batch_op.drop_column("retention_proposal")
        batch_op.drop_column("retention")
