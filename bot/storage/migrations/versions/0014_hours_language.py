"""each person's quiet hours and chosen language; silent messages (issue 12)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # "HH:MM-HH:MM" on the user's own clock; NULL = the default 22:00-08:00; "off" = none.
    op.add_column("users", sa.Column("quiet_hours", sa.String(11), nullable=True))
    # A language chosen with /language (a shipped locale such as "es"); NULL = Telegram's own.
    op.add_column("users", sa.Column("language", sa.String(16), nullable=True))
    # Sent with disable_notification (a check-in or reveal reaching someone in quiet hours).
    op.add_column(
        "outbox", sa.Column("silent", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    op.drop_column("outbox", "silent")
    op.drop_column("users", "language")
    op.drop_column("users", "quiet_hours")
