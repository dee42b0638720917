"""a message held for the end of its recipient's quiet hours (issue 12)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# Plain ADD / DROP COLUMN, as in 0013.


def upgrade() -> None:
    # Not sent before this instant (the end of the recipient's quiet hours). A held row does
    # not hold its chat's later messages back while it waits (bot/storage/outbox.py).
    op.add_column("outbox", sa.Column("not_before", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("outbox", "not_before")
