"""delivery under Telegram's limits: outbox priority, failures, lateness bound; send budget

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 06:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# Plain ADD / DROP COLUMN on ``outbox`` (no batch rebuild); a new table for the shared budget.


def upgrade() -> None:
    # 0 interactive, 1 normal, 2 bulk (bot.domain.messages.Priority): claimed in this order.
    op.add_column("outbox", sa.Column("priority", sa.Integer(), nullable=False, server_default="1"))
    # Real send attempts that failed (network, 5xx): the backoff grows with it; a claim, a 429
    # or a halted flush does not count.
    op.add_column("outbox", sa.Column("failures", sa.Integer(), nullable=False, server_default="0"))
    # A scheduled question is not sent after this instant (the lateness rule).
    op.add_column("outbox", sa.Column("not_after", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_outbox_priority_id", "outbox", ["priority", "id"])
    op.create_table(
        "send_budget",
        sa.Column("name", sa.String(16), primary_key=True),
        # The next free sending slot of this budget (UTC): every process reserves slots here.
        sa.Column("next_free", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("send_budget")
    op.drop_index("ix_outbox_priority_id", table_name="outbox")
    op.drop_column("outbox", "not_after")
    op.drop_column("outbox", "failures")
    op.drop_column("outbox", "priority")
