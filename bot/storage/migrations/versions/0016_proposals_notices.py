"""schedule proposals waiting for the partner; coalesced change notices (issue 12)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A schedule change waiting for the other partner (it lands in their quiet hours): the
    # change as the domain encodes it, who proposed it, and a counter naming the proposal
    # (its buttons carry it; a newer proposal or a direct change moves it on).
    op.add_column("pairs", sa.Column("proposal", sa.String(120), nullable=True))
    op.add_column("pairs", sa.Column("proposal_by", sa.BigInteger(), nullable=True))
    op.add_column(
        "pairs", sa.Column("proposal_seq", sa.Integer(), nullable=False, server_default="0")
    )
    # Changes one partner made in the last few minutes, not yet told to the other: who made
    # them and the pair's settings before the first of them (the domain's encoding).
    op.add_column("pairs", sa.Column("notice_by", sa.BigInteger(), nullable=True))
    op.add_column("pairs", sa.Column("notice_from", sa.String(600), nullable=True))


def downgrade() -> None:
    op.drop_column("pairs", "notice_from")
    op.drop_column("pairs", "notice_by")
    op.drop_column("pairs", "proposal_seq")
    op.drop_column("pairs", "proposal_by")
    op.drop_column("pairs", "proposal")
