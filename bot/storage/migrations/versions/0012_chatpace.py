"""one message per second per chat across processes: the chat_pace table

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# A new table only; nothing else changes. Used on PostgreSQL (several processes); created on
# SQLite too so that both backends keep one schema.


def upgrade() -> None:
    op.create_table(
        "chat_pace",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        # Until when the chat's turn is taken (UTC); a past instant means the chat is free.
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_id"),
    )


def downgrade() -> None:
    op.drop_table("chat_pace")
