"""what a queued message is about: a newer one of the same topic replaces it (issue 12)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

# Plain ADD / DROP COLUMN, as in 0013.


def upgrade() -> None:
    # "proposal:<pair>", "answered:<round>", "picked:<offer>": a still-queued message of a
    # topic is dropped when a newer one is queued or what it announces is settled.
    op.add_column("outbox", sa.Column("topic", sa.String(48), nullable=True))


def downgrade() -> None:
    op.drop_column("outbox", "topic")
