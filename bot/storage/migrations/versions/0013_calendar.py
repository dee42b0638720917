"""a pair's calendar: life-stage packs, anniversary, trip (issue 11)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 09:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# Plain ADD / DROP COLUMN (SQLite 3.35+ has both): a batch rebuild of ``pairs`` would drop the
# table that rounds, users and cohorts reference, which foreign keys refuse once it has rows.


def upgrade() -> None:
    # Comma-separated ids of the life-stage packs turned on (/packs), at most two.
    op.add_column("pairs", sa.Column("packs", sa.String(100), nullable=False, server_default=""))
    # "YYYY-MM-DD", or "--MM-DD" when the partners gave no year.
    op.add_column("pairs", sa.Column("anniversary", sa.String(10), nullable=True))
    op.add_column(
        "pairs",
        sa.Column("anniversary_mentioned", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("pairs", sa.Column("trip_start", sa.Date(), nullable=True))
    op.add_column("pairs", sa.Column("trip_end", sa.Date(), nullable=True))


def downgrade() -> None:
    for column in ("trip_end", "trip_start", "anniversary_mentioned", "anniversary", "packs"):
        op.drop_column("pairs", column)
