"""nothing disclosed by accident: typed answers to confirm, sent messages that carry answers,
formatted and protected outbox messages, deletions through the outbox

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 20:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.storage.tables

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "typed_answers",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("created_at", bot.storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
            name=op.f("fk_typed_answers_round_id_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_typed_answers")),
    )
    op.create_table(
        "sent_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", bot.storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sent_messages")),
    )
    with op.batch_alter_table("sent_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sent_messages_pair_id"), ["pair_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sent_messages_sent_at"), ["sent_at"], unique=False)
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("entities", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("protect", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("carries", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("delete_message_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_carries"), ["carries"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_carries"))
        batch_op.drop_column("delete_message_id")
        batch_op.drop_column("carries")
        batch_op.drop_column("protect")
        batch_op.drop_column("entities")
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.drop_column("message_id")
    with op.batch_alter_table("sent_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sent_messages_sent_at"))
        batch_op.drop_index(batch_op.f("ix_sent_messages_pair_id"))
    op.drop_table("sent_messages")
    op.drop_table("typed_answers")
