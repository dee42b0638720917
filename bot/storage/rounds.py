"""Rounds, the questions each asked, and answers (implements
:class:`bot.domain.ports.Rounds` and :class:`bot.domain.ports.Answers`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.model import (
    Answer,
    Asked,
    NewRound,
    Origin,
    Round,
    RoundKind,
    RoundStatus,
    TypedDraft,
)
from bot.storage.round_messages import forget_rounds
from bot.storage.tables import (
    answers,
    exercise_offers,
    reveal_reactions,
    round_questions,
    rounds,
    typed_answers,
)

_OPEN = RoundStatus.OPEN.value
_REVEALED = RoundStatus.REVEALED.value
_FOLLOWUP = RoundKind.FOLLOWUP.value


def round_record(row: Any) -> Round:
    """A ``rounds`` row as a :class:`Round`."""
    return Round(
        id=int(row.id),
        pair_id=int(row.pair_id),
        origin=Origin(row.origin),
        kind=RoundKind(row.kind),
        status=RoundStatus(row.status),
        opened_at=row.opened_at,
        expires_at=row.expires_at,
        closed_at=row.closed_at,
        offer_id=row.offer_id,
        cohort_id=row.cohort_id,
        cohort_week=row.cohort_week,
    )


# Built once (issue 10): SQLAlchemy then neither builds nor keys the statement per call.
_BY_ID = select(rounds).where(rounds.c.id == bindparam("id"))
_ASKED = (
    select(round_questions.c.position, round_questions.c.question_id)
    .where(round_questions.c.round_id == bindparam("round"))
    .order_by(round_questions.c.position)
)
_HOLD = (
    update(rounds)
    .where(
        rounds.c.id == bindparam("round"),
        rounds.c.status == _OPEN,
        rounds.c.expires_at > bindparam("now", type_=rounds.c.expires_at.type),
    )
    .values(version=rounds.c.version + 1)
)
_OPEN_OF = (
    select(rounds)
    .where(rounds.c.pair_id == bindparam("pair"), rounds.c.status == _OPEN)
    .order_by(rounds.c.id)
)
_OPEN_OF_MANY = (
    select(rounds)
    .where(rounds.c.pair_id.in_(bindparam("pairs", expanding=True)), rounds.c.status == _OPEN)
    .order_by(rounds.c.id)
)
#: Many rounds in one multi-row INSERT … RETURNING (SQLAlchemy's "insertmanyvalues"); each
#: row comes back with its pair, which is unique in a batch, so the order does not matter.
_CREATE_MANY = insert(rounds).returning(rounds.c.id, rounds.c.pair_id)
_ADD_QUESTIONS = insert(round_questions)
_QUESTION_HISTORY_OF = (
    select(
        rounds.c.pair_id,
        round_questions.c.question_id,
        func.count(),
        func.max(rounds.c.opened_at),
    )
    .join(rounds, rounds.c.id == round_questions.c.round_id)
    .where(rounds.c.pair_id.in_(bindparam("pairs", expanding=True)))
    .group_by(rounds.c.pair_id, round_questions.c.question_id)
)
_REVEALED_COUNTS_OF = (
    select(rounds.c.pair_id, func.count())
    .where(
        rounds.c.pair_id.in_(bindparam("pairs", expanding=True)),
        rounds.c.status == RoundStatus.REVEALED.value,
    )
    .group_by(rounds.c.pair_id)
)
_ADD_ANSWER = {
    postgres: (pg_insert if postgres else sqlite_insert)(answers).on_conflict_do_nothing(
        index_elements=["round_id", "position", "user_id"]
    )
    for postgres in (False, True)
}
_ASKED_OF = (
    select(round_questions.c.round_id, round_questions.c.position, round_questions.c.question_id)
    .where(round_questions.c.round_id.in_(bindparam("rounds", expanding=True)))
    .order_by(round_questions.c.round_id, round_questions.c.position)
)
_ANSWERS_OF = select(answers).where(answers.c.round_id.in_(bindparam("rounds", expanding=True)))
_POSITIONS = select(answers.c.position).where(
    answers.c.round_id == bindparam("round"), answers.c.user_id == bindparam("user")
)

_MEMBER_POSITIONS = select(answers.c.user_id, answers.c.position).where(
    answers.c.round_id == bindparam("round")
)


def _round_values(new: NewRound) -> dict[str, Any]:
    """The ``rounds`` row of a round being opened."""
    return {
        "pair_id": new.pair_id,
        "origin": new.origin.value,
        "kind": new.kind.value,
        "offer_id": new.offer_id,
        "cohort_id": new.cohort_id,
        "cohort_week": new.cohort_week,
        "status": _OPEN,
        "opened_at": new.opened_at,
        "expires_at": new.expires_at,
        "version": 0,
    }


class SqlRounds:
    """Rounds over one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def _rounds(self, query: Any) -> list[Round]:
        return [round_record(r) for r in await self._conn.execute(query)]

    async def _ids(self, query: Any) -> list[int]:
        return [int(i) for i in (await self._conn.execute(query)).scalars()]

    async def get(self, round_id: int) -> Round | None:
        """See :meth:`bot.domain.ports.Rounds.get`."""
        row = (await self._conn.execute(_BY_ID, {"id": round_id})).first()
        return None if row is None else round_record(row)

    async def open_of(self, pair_id: int) -> list[Round]:
        """See :meth:`bot.domain.ports.Rounds.open_of`."""
        return [round_record(r) for r in await self._conn.execute(_OPEN_OF, {"pair": pair_id})]

    async def open_of_many(self, pair_ids: Collection[int]) -> dict[int, list[Round]]:
        """See :meth:`bot.domain.ports.Rounds.open_of_many`."""
        found: dict[int, list[Round]] = {}
        if pair_ids:
            for row in await self._conn.execute(_OPEN_OF_MANY, {"pairs": list(pair_ids)}):
                found.setdefault(int(row.pair_id), []).append(round_record(row))
        return found

    async def create_many(self, new: Sequence[NewRound]) -> list[Round]:
        """See :meth:`bot.domain.ports.Rounds.create_many`: one INSERT … RETURNING for the
        rounds, one executemany for their questions."""
        if len({n.pair_id for n in new}) != len(new):
            raise ValueError("create_many opens at most one round per pair")
        if not new:
            return []
        rows = await self._conn.execute(_CREATE_MANY, [_round_values(n) for n in new])
        ids = {int(r.pair_id): int(r.id) for r in rows}
        asked = [
            {"round_id": ids[n.pair_id], "position": position, "question_id": question_id}
            for n in new
            for position, question_id in enumerate(n.question_ids)
        ]
        if asked:
            await self._conn.execute(_ADD_QUESTIONS, asked)
        return [
            Round(
                id=ids[n.pair_id],
                pair_id=n.pair_id,
                origin=n.origin,
                kind=n.kind,
                status=RoundStatus.OPEN,
                opened_at=n.opened_at,
                expires_at=n.expires_at,
                offer_id=n.offer_id,
                cohort_id=n.cohort_id,
                cohort_week=n.cohort_week,
            )
            for n in new
        ]

    async def create(
        self,
        *,
        pair_id: int,
        origin: Origin,
        kind: RoundKind,
        opened_at: datetime,
        expires_at: datetime,
        question_ids: Sequence[str],
        offer_id: int | None = None,
        cohort_id: int | None = None,
        cohort_week: int | None = None,
    ) -> Round:
        """See :meth:`bot.domain.ports.Rounds.create`."""
        new = NewRound(
            pair_id=pair_id,
            origin=origin,
            kind=kind,
            opened_at=opened_at,
            expires_at=expires_at,
            question_ids=tuple(question_ids),
            offer_id=offer_id,
            cohort_id=cohort_id,
            cohort_week=cohort_week,
        )
        return (await self.create_many([new]))[0]

    async def asked(self, round_id: int) -> list[Asked]:
        """See :meth:`bot.domain.ports.Rounds.asked`."""
        rows = await self._conn.execute(_ASKED, {"round": round_id})
        return [Asked(int(r.position), str(r.question_id)) for r in rows]

    async def asked_of(self, round_ids: Collection[int]) -> dict[int, list[Asked]]:
        """See :meth:`bot.domain.ports.Rounds.asked_of`."""
        found: dict[int, list[Asked]] = {}
        if not round_ids:
            return found
        rows = await self._conn.execute(_ASKED_OF, {"rounds": list(round_ids)})
        for r in rows:
            found.setdefault(int(r.round_id), []).append(Asked(int(r.position), str(r.question_id)))
        return found

    async def asked_ids(self, round_ids: Collection[int]) -> list[str]:
        """See :meth:`bot.domain.ports.Rounds.asked_ids`."""
        if not round_ids:
            return []
        rows = await self._conn.execute(
            select(round_questions.c.question_id).where(
                round_questions.c.round_id.in_(list(round_ids))
            )
        )
        return [str(q) for q in rows.scalars()]

    async def hold_if_answerable(self, round_id: int, now: datetime) -> bool:
        """See :meth:`bot.domain.ports.Rounds.hold_if_answerable`: bumps ``version`` where the
        round is open and before its closing time (the update takes the row lock)."""
        bumped = await self._conn.execute(_HOLD, {"round": round_id, "now": now})
        return bumped.rowcount == 1

    async def close_if_open(
        self, round_id: int, status: RoundStatus, now: datetime
    ) -> Round | None:
        """See :meth:`bot.domain.ports.Rounds.close_if_open`: a conditional update on
        ``status`` that returns the row it closed, so only the winner gets one (one statement:
        ``RETURNING``, SQLite 3.35+ and PostgreSQL)."""
        won = await self._conn.execute(
            update(rounds)
            .where(rounds.c.id == round_id, rounds.c.status == _OPEN)
            .values(status=status.value, closed_at=now)
            .returning(*rounds.c)
        )
        row = won.first()
        return None if row is None else round_record(row)

    async def cancel_open(self, pair_id: int, now: datetime) -> list[int]:
        """See :meth:`bot.domain.ports.Rounds.cancel_open`."""
        ids = await self._ids(
            select(rounds.c.id).where(rounds.c.pair_id == pair_id, rounds.c.status == _OPEN)
        )
        if ids:
            await self._conn.execute(
                update(rounds)
                .where(rounds.c.id.in_(ids), rounds.c.status == _OPEN)
                .values(status=RoundStatus.CANCELLED.value, closed_at=now)
            )
        return ids

    async def checkins_since(self, pair_id: int, since: datetime) -> int:
        """See :meth:`bot.domain.ports.Rounds.checkins_since`."""
        count = (
            await self._conn.execute(
                select(func.count())
                .select_from(rounds)
                .where(
                    rounds.c.pair_id == pair_id,
                    rounds.c.origin == Origin.CHECKIN.value,
                    rounds.c.opened_at >= since,
                )
            )
        ).scalar_one()
        return int(count)

    async def question_history_of(
        self, pair_ids: Collection[int]
    ) -> dict[int, dict[str, tuple[int, datetime]]]:
        """See :meth:`bot.domain.ports.Rounds.question_history_of`."""
        found: dict[int, dict[str, tuple[int, datetime]]] = {}
        if pair_ids:
            rows = await self._conn.execute(_QUESTION_HISTORY_OF, {"pairs": list(pair_ids)})
            for pair_id, question_id, count, last in rows:
                found.setdefault(int(pair_id), {})[str(question_id)] = (int(count), last)
        return found

    async def revealed_counts_of(self, pair_ids: Collection[int]) -> dict[int, int]:
        """See :meth:`bot.domain.ports.Rounds.revealed_counts_of`."""
        if not pair_ids:
            return {}
        rows = await self._conn.execute(_REVEALED_COUNTS_OF, {"pairs": list(pair_ids)})
        return {int(pair_id): int(n) for pair_id, n in rows}

    async def revealed_since(self, pair_id: int, since: datetime) -> list[int]:
        """See :meth:`bot.domain.ports.Rounds.revealed_since`."""
        return await self._ids(
            select(rounds.c.id)
            .where(
                rounds.c.pair_id == pair_id,
                rounds.c.status == _REVEALED,
                rounds.c.closed_at >= since,
            )
            .order_by(rounds.c.id)
        )

    async def revealed_count(self, pair_ids: Collection[int]) -> int:
        """See :meth:`bot.domain.ports.Rounds.revealed_count`."""
        if not pair_ids:
            return 0
        count = (
            await self._conn.execute(
                select(func.count())
                .select_from(rounds)
                .where(rounds.c.pair_id.in_(list(pair_ids)), rounds.c.status == _REVEALED)
            )
        ).scalar_one()
        return int(count)

    async def revealed_page(
        self, pair_ids: Collection[int], offset: int, limit: int
    ) -> list[Round]:
        """See :meth:`bot.domain.ports.Rounds.revealed_page`."""
        if not pair_ids:
            return []
        return await self._rounds(
            select(rounds)
            .where(rounds.c.pair_id.in_(list(pair_ids)), rounds.c.status == _REVEALED)
            .order_by(rounds.c.closed_at.desc(), rounds.c.id.desc())
            .offset(offset)
            .limit(limit)
        )

    async def revealed_window(self, pair_id: int, since: datetime) -> list[int]:
        """See :meth:`bot.domain.ports.Rounds.revealed_window`."""
        return await self._ids(
            select(rounds.c.id)
            .where(
                rounds.c.pair_id == pair_id,
                rounds.c.status == _REVEALED,
                rounds.c.kind != _FOLLOWUP,
                rounds.c.closed_at >= since,
            )
            .order_by(rounds.c.id)
        )

    async def revealed_before(self, pair_id: int, before: int, limit: int) -> list[int]:
        """See :meth:`bot.domain.ports.Rounds.revealed_before`."""
        return await self._ids(
            select(rounds.c.id)
            .where(
                rounds.c.pair_id == pair_id,
                rounds.c.status == _REVEALED,
                rounds.c.kind != _FOLLOWUP,
                rounds.c.id < before,
            )
            .order_by(rounds.c.id.desc())
            .limit(limit)
        )

    async def closed_statuses(self, pair_id: int, limit: int) -> list[RoundStatus]:
        """See :meth:`bot.domain.ports.Rounds.closed_statuses`."""
        rows = await self._conn.execute(
            select(rounds.c.status)
            .where(
                rounds.c.pair_id == pair_id,
                rounds.c.status.in_((_REVEALED, RoundStatus.EXPIRED.value)),
                rounds.c.kind != _FOLLOWUP,
            )
            .order_by(rounds.c.closed_at.desc(), rounds.c.id.desc())
            .limit(limit)
        )
        return [RoundStatus(s) for s in rows.scalars()]

    async def program_rounds(self, pair_id: int, cohort_id: int, week: int) -> list[Round]:
        """See :meth:`bot.domain.ports.Rounds.program_rounds`."""
        return await self._rounds(
            select(rounds)
            .where(
                rounds.c.pair_id == pair_id,
                rounds.c.origin == Origin.PROGRAM.value,
                rounds.c.cohort_id == cohort_id,
                rounds.c.cohort_week == week,
            )
            .order_by(rounds.c.id)
        )

    async def of_pair(self, pair_id: int) -> list[Round]:
        """See :meth:`bot.domain.ports.Rounds.of_pair`."""
        return await self._rounds(
            select(rounds).where(rounds.c.pair_id == pair_id).order_by(rounds.c.id)
        )

    async def prune(self, pair_id: int, before: datetime) -> int:
        """See :meth:`bot.domain.ports.Rounds.prune`: answers and questions first (not left
        to the foreign keys' cascade), and offers let go of the rounds they followed."""
        ids = await self._ids(
            select(rounds.c.id).where(
                rounds.c.pair_id == pair_id,
                rounds.c.status != _OPEN,
                rounds.c.closed_at < before,
            )
        )
        if ids:
            await forget_rounds(self._conn, ids)
            await self._conn.execute(delete(answers).where(answers.c.round_id.in_(ids)))
            await self._conn.execute(
                delete(reveal_reactions).where(reveal_reactions.c.round_id.in_(ids))
            )
            await self._conn.execute(
                delete(round_questions).where(round_questions.c.round_id.in_(ids))
            )
            await self._conn.execute(
                update(exercise_offers)
                .where(exercise_offers.c.round_id.in_(ids))
                .values(round_id=None)
            )
            await self._conn.execute(delete(rounds).where(rounds.c.id.in_(ids)))
        return len(ids)


def _answer(row: Any) -> Answer:
    """An ``answers`` row as an :class:`Answer`."""
    return Answer(
        round_id=int(row.round_id),
        position=int(row.position),
        user_id=int(row.user_id),
        value=row.value if row.text is None else row.text,
        skipped=bool(row.skipped),
        typed=row.text is not None,
    )


class SqlAnswers:
    """Answers over one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def of_round(self, round_id: int) -> list[Answer]:
        """See :meth:`bot.domain.ports.Answers.of_round`."""
        rows = await self._conn.execute(select(answers).where(answers.c.round_id == round_id))
        return [_answer(r) for r in rows]

    async def of_rounds(self, round_ids: Collection[int]) -> dict[int, list[Answer]]:
        """See :meth:`bot.domain.ports.Answers.of_rounds`."""
        found: dict[int, list[Answer]] = {}
        if not round_ids:
            return found
        for r in await self._conn.execute(_ANSWERS_OF, {"rounds": list(round_ids)}):
            found.setdefault(int(r.round_id), []).append(_answer(r))
        return found

    async def positions(self, round_id: int, user_id: int) -> set[int]:
        """See :meth:`bot.domain.ports.Answers.positions`."""
        rows = await self._conn.execute(_POSITIONS, {"round": round_id, "user": user_id})
        return {int(p) for p in rows.scalars()}

    async def positions_by_member(self, round_id: int) -> dict[int, set[int]]:
        """See :meth:`bot.domain.ports.Answers.positions_by_member`."""
        rows = await self._conn.execute(_MEMBER_POSITIONS, {"round": round_id})
        found: dict[int, set[int]] = {}
        for user_id, position in rows:
            found.setdefault(int(user_id), set()).add(int(position))
        return found

    async def save(self, answer: Answer, now: datetime, message_id: int | None = None) -> bool:
        """See :meth:`bot.domain.ports.Answers.save`."""
        key = (
            answers.c.round_id == answer.round_id,
            answers.c.position == answer.position,
            answers.c.user_id == answer.user_id,
        )
        # Typed text goes to the encrypted column, a button's value to the plain one.
        value, text = (None, answer.value) if answer.typed else (answer.value, None)
        # The first answer (the usual case) is one insert; a changed answer finds the row
        # there and updates it.
        added = await self._conn.execute(
            _ADD_ANSWER[self._conn.dialect.name == "postgresql"],
            {
                "round_id": answer.round_id,
                "position": answer.position,
                "user_id": answer.user_id,
                "value": value,
                "text": text,
                "skipped": answer.skipped,
                "answered_at": now,
                "updated_at": now,
                "message_id": message_id,
            },
        )
        if added.rowcount == 1:
            return True
        await self._conn.execute(
            update(answers)
            .where(*key)
            .values(
                value=value,
                text=text,
                skipped=answer.skipped,
                updated_at=now,
                message_id=message_id,
            )
        )
        return False

    async def typed_in(self, user_id: int, message_id: int) -> tuple[int, int] | None:
        """See :meth:`bot.domain.ports.Answers.typed_in`."""
        row = (
            await self._conn.execute(
                select(answers.c.round_id, answers.c.position).where(
                    answers.c.user_id == user_id, answers.c.message_id == message_id
                )
            )
        ).first()
        return None if row is None else (int(row.round_id), int(row.position))

    async def put_draft(self, draft: TypedDraft, now: datetime) -> None:
        """See :meth:`bot.domain.ports.Answers.put_draft`."""
        await self.drop_draft(draft.user_id)
        await self._conn.execute(
            insert(typed_answers).values(
                user_id=draft.user_id,
                round_id=draft.round_id,
                position=draft.position,
                text=draft.text,
                message_id=draft.message_id,
                created_at=now,
            )
        )

    async def draft_of(self, user_id: int) -> TypedDraft | None:
        """See :meth:`bot.domain.ports.Answers.draft_of`."""
        t = typed_answers.c
        row = (await self._conn.execute(select(typed_answers).where(t.user_id == user_id))).first()
        if row is None:
            return None
        return TypedDraft(
            user_id=int(row.user_id),
            round_id=int(row.round_id),
            position=int(row.position),
            text=row.text,
            message_id=int(row.message_id),
        )

    async def drop_draft(self, user_id: int) -> None:
        """See :meth:`bot.domain.ports.Answers.drop_draft`."""
        await self._conn.execute(delete(typed_answers).where(typed_answers.c.user_id == user_id))

    async def drop_drafts_of_round(self, round_id: int) -> None:
        """See :meth:`bot.domain.ports.Answers.drop_drafts_of_round`."""
        await self._conn.execute(delete(typed_answers).where(typed_answers.c.round_id == round_id))

    async def delete_for_user(self, user_id: int) -> None:
        """See :meth:`bot.domain.ports.Answers.delete_for_user`."""
        await self._conn.execute(delete(answers).where(answers.c.user_id == user_id))
        await self.drop_draft(user_id)

    async def of_user(self, user_id: int) -> list[Answer]:
        """See :meth:`bot.domain.ports.Answers.of_user`."""
        rows = await self._conn.execute(
            select(answers)
            .where(answers.c.user_id == user_id)
            .order_by(answers.c.round_id, answers.c.position)
        )
        return [_answer(r) for r in rows]
