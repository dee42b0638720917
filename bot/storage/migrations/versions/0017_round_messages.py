"""closed check-ins lose their buttons; a reminder replies to its question (issue 12)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "round_messages",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("message_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name="fk_round_messages_round_id_rounds"
        ),
        sa.PrimaryKeyConstraint("round_id", "user_id", "message_id", name="pk_round_messages"),
    )
    op.create_index("ix_round_messages_user_id", "round_messages", ["user_id"])
    # Plain ADD COLUMN (see 0013): the round a question message asks, the message a reply
    # points at, and an outbox row that removes a sent message's keyboard.
    op.add_column("outbox", sa.Column("round_id", sa.Integer(), nullable=True))
    op.add_column("outbox", sa.Column("round_position", sa.Integer(), nullable=True))
    op.add_column("outbox", sa.Column("reply_to", sa.Integer(), nullable=True))
    op.add_column("outbox", sa.Column("clear_markup_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("outbox", "clear_markup_id")
    op.drop_column("outbox", "reply_to")
    op.drop_column("outbox", "round_position")
    op.drop_column("outbox", "round_id")
    op.drop_index("ix_round_messages_user_id", table_name="round_messages")
    op.drop_table("round_messages")
