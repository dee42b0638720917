"""free text encrypted at rest

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 10:00:00

Adds ``answers.text`` (a typed answer, encrypted) and encrypts the free text already stored:
typed answers move there from ``answers.value``; queued messages (``outbox.text``,
``outbox.buttons``), broadcast texts, /cohort_new drafts and typed answers waiting to be
confirmed are encrypted in place. The keys are
the ones bound to the engine (``bot.storage.database.open_database``); a database with nothing
to encrypt needs none. Downgrading decrypts back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

from bot.storage.crypt import keyring_of

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

#: (table, column, primary key) encrypted in place.
IN_PLACE = (
    ("outbox", "text", ("id",)),
    ("outbox", "buttons", ("id",)),
    ("broadcasts", "text", ("id",)),
    ("cohort_drafts", "fields", ("user_id",)),
    ("typed_answers", "text", ("user_id",)),
)
ANSWER_KEY = ("round_id", "position", "user_id")


def _raw(name: str, *columns: str) -> Any:
    return sa.table(name, *(sa.column(c) for c in columns))


def _convert(change: Callable[[str], str]) -> None:
    """Apply ``change`` to every non-null value of the in-place columns."""
    bind = op.get_bind()
    for name, col, key in IN_PLACE:
        t = _raw(name, col, *key)
        rows = bind.execute(sa.select(t).where(t.c[col].is_not(None))).all()
        for row in rows:
            where = [t.c[k] == row._mapping[k] for k in key]
            bind.execute(sa.update(t).where(*where).values({col: change(row._mapping[col])}))


def _button_question_ids() -> set[str]:
    """Ids of the content's questions answered by buttons (scale, choice, wants): their values
    stay plain. Any other answer was typed, or belongs to a question no longer in the content,
    and is encrypted rather than left plain."""
    from content.loader import load_content

    return {q.id for q in load_content().questions.values() if q.kind != "open"}


def upgrade() -> None:
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text", sa.Text(), nullable=True))

    bind = op.get_bind()
    answers = _raw("answers", "value", "text", *ANSWER_KEY)
    asked = _raw("round_questions", "round_id", "position", "question_id")
    given = bind.execute(
        sa.select(answers, asked.c.question_id)
        .select_from(
            answers.outerjoin(
                asked,
                sa.and_(
                    asked.c.round_id == answers.c.round_id,
                    asked.c.position == answers.c.position,
                ),
            )
        )
        .where(answers.c.value.is_not(None))
    ).all()
    pending = any(
        bind.execute(sa.select(sa.func.count()).select_from(_raw(name, col))).scalar_one()
        for name, col, _ in IN_PLACE
    )
    if not given and not pending:
        return  # nothing stored yet: no key needed
    keyring = keyring_of(bind.dialect)
    if given:
        buttons = _button_question_ids()
        for row in given:
            if row.question_id in buttons:
                continue  # a button's value stays plain
            bind.execute(
                sa.update(answers)
                .where(*(answers.c[k] == row._mapping[k] for k in ANSWER_KEY))
                .values(value=None, text=keyring.encrypt(row.value))
            )
    _convert(keyring.encrypt)


def downgrade() -> None:
    bind = op.get_bind()
    answers = _raw("answers", "value", "text", *ANSWER_KEY)
    typed = bind.execute(sa.select(answers).where(answers.c.text.is_not(None))).all()
    pending = any(
        bind.execute(sa.select(sa.func.count()).select_from(_raw(name, col))).scalar_one()
        for name, col, _ in IN_PLACE
    )
    if typed or pending:
        keyring = keyring_of(bind.dialect)
        for row in typed:
            bind.execute(
                sa.update(answers)
                .where(*(answers.c[k] == row._mapping[k] for k in ANSWER_KEY))
                .values(value=keyring.decrypt(row.text))
            )
        _convert(keyring.decrypt)
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.drop_column("text")
