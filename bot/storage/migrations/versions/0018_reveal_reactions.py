"""reactions to a reveal: one per partner per round (issue 12)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reveal_reactions",
        sa.Column(
            "round_id",
            sa.Integer(),
            sa.ForeignKey("rounds.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("reaction", sa.String(16), nullable=False),  # thanks | talk | smile
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("round_id", "user_id"),
    )
    op.create_index("ix_reveal_reactions_user_id", "reveal_reactions", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_reveal_reactions_user_id", table_name="reveal_reactions")
    op.drop_table("reveal_reactions")
