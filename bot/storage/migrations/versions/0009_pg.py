"""every statement a user's action runs reaches the rows it needs through an index; users'
pair foreign key on PostgreSQL

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 06:30:00

Indexes for the lookups that scanned a whole table growing with the number of pairs (found by
``EXPLAIN QUERY PLAN`` over everything the test suite runs; ``tests/storage/test_query_plans.py``
guards the hot ones): a reveal drops the round's unconfirmed typed answers (``typed_answers``
by round), ending a pair unlinks its users (``users`` by pair), a user's pairs, invites,
consents, picks and broadcasts (``/history``, re-pairing, ``/delete``), a broadcast's pending
messages, the offers of a removed round, and the start-up key check's typed answers (a partial
index: only answers with text).

0001 declared ``users.pair_id``'s foreign key ``use_alter``, which SQLite inlines but
PostgreSQL never received: a PostgreSQL database migrated before gets it here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

#: (index name, table, columns) added by this revision.
INDEXES = (
    ("ix_typed_answers_round_id", "typed_answers", ["round_id"]),
    ("ix_users_pair_id", "users", ["pair_id"]),
    ("ix_pairs_user_a", "pairs", ["user_a"]),
    ("ix_pairs_user_b", "pairs", ["user_b"]),
    ("ix_invites_used_by", "invites", ["used_by"]),
    ("ix_invites_cohort_id", "invites", ["cohort_id"]),
    ("ix_cohort_consents_user_id", "cohort_consents", ["user_id"]),
    ("ix_exercise_picks_user_id", "exercise_picks", ["user_id"]),
    ("ix_exercise_offers_round_id", "exercise_offers", ["round_id"]),
    ("ix_outbox_broadcast_id", "outbox", ["broadcast_id"]),
    ("ix_broadcasts_created_by", "broadcasts", ["created_by"]),
)
TYPED = sa.text("text IS NOT NULL")
USERS_PAIR_FK = "fk_users_pair_id_pairs"


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    op.create_index(
        "ix_answers_typed",
        "answers",
        ["round_id", "position", "user_id"],
        sqlite_where=TYPED,
        postgresql_where=TYPED,
    )
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        existing = {fk["name"] for fk in sa.inspect(bind).get_foreign_keys("users")}
        if USERS_PAIR_FK not in existing:
            op.create_foreign_key(USERS_PAIR_FK, "users", "pairs", ["pair_id"], ["id"])


def downgrade() -> None:
    # The foreign key stays: 0001 declares it (it only never reached PostgreSQL before).
    op.drop_index("ix_answers_typed", table_name="answers")
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
