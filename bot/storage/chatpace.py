"""One message per second per chat, across processes (``chat_pace``): Telegram's per-chat
limit holds for the bot, not for one process, so with several processes on one PostgreSQL
database a chat's turn is taken in the database before anything is sent to it.

A row says until when a chat's turn is taken (``next_at``, aware UTC). Taking the turn is one
statement, a compare-and-set like the shared budget's (``bot/storage/budget.py``):

    INSERT INTO chat_pace (chat_id, next_at) VALUES (:chat, :until)
    ON CONFLICT (chat_id) DO UPDATE SET next_at = excluded.next_at
    WHERE chat_pace.next_at <= :now RETURNING chat_id

A row comes back only to the caller that took the turn: of any number of processes racing for
one chat, one wins (the row lock of the upsert serialises them on PostgreSQL; SQLite's write
lock does the same). The loser reads when the chat frees. The winner holds the turn for a
little longer than it needs (``until``), and once Telegram accepted the message, moves the row
to *accepted + 1 s* if it is still its own hold (:meth:`SqlChatPace.settle`). So the next
message, from whichever process, arrives at least a second after the accepted one, however
long the send took, up to the hold.

Old rows are harmless (an instant in the past means the chat is free, and the upsert reuses
the row); :meth:`SqlChatPace.prune` deletes those more than a minute old, so the table holds
about the chats that got a message in the last minute.

SQLite keeps no such state: only one process can run on an SQLite file (the flock of
``bot/storage/lock.py``), and that process's pacer already knows every chat's turn in memory
(:func:`shared_chat_pace` returns None there).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.dml import ReturningInsert

from bot.storage.database import begin_write
from bot.storage.tables import chat_pace

_AT = chat_pace.c.next_at.type


def _take_statement(postgres: bool) -> ReturningInsert[Any]:
    """The upsert that takes a chat's turn (bind parameters ``chat``, ``until``, ``now``)."""
    ins = (pg_insert if postgres else sqlite_insert)(chat_pace).values(
        chat_id=bindparam("chat"), next_at=bindparam("until", type_=_AT)
    )
    return ins.on_conflict_do_update(
        index_elements=["chat_id"],
        set_={"next_at": ins.excluded.next_at},
        where=chat_pace.c.next_at <= bindparam("now", type_=_AT),
    ).returning(chat_pace.c.chat_id)


#: Built once per dialect (a hot statement: one per message sent on PostgreSQL).
_TAKE = {postgres: _take_statement(postgres) for postgres in (False, True)}
_FREE_AT = select(chat_pace.c.next_at).where(chat_pace.c.chat_id == bindparam("chat"))
#: Move a hold that is still the caller's (its own instant) to when the chat really frees.
_SETTLE = (
    update(chat_pace)
    .where(
        chat_pace.c.chat_id == bindparam("chat"),
        chat_pace.c.next_at == bindparam("held", type_=_AT),
    )
    .values(next_at=bindparam("free", type_=_AT))
)
_PRUNE = delete(chat_pace).where(chat_pace.c.next_at < bindparam("before", type_=_AT))


class SqlChatPace:
    """Each chat's turn, shared by every process on the database (implements
    :class:`bot.domain.ports.ChatPace`)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"

    async def reserve(self, chat_id: int, now: datetime, until: datetime) -> datetime | None:
        """Take ``chat_id``'s turn at ``now`` and hold it until ``until`` (both aware UTC,
        ``until`` after ``now``). Returns None when taken; else the instant (aware UTC, after
        ``now``) until which another caller holds the chat, nothing changed. Of callers racing
        for one chat, in any processes, exactly one gets None while the turn is free.
        Raises SQLAlchemy errors when the database is unreachable."""
        params = {"chat": chat_id, "until": until, "now": now}
        for _ in range(3):
            async with begin_write(self._engine) as conn:
                taken = (await conn.execute(_TAKE[self._postgres], params)).first()
                if taken is not None:
                    return None
                free: datetime | None = (
                    await conn.execute(_FREE_AT, {"chat": chat_id})
                ).scalar_one_or_none()
            if free is not None and free > now:
                return free
            # Freed (or pruned) between the two statements: try again.
        return until  # freed and taken again three times meanwhile: wait as long as a hold

    async def settle(self, holds: Sequence[tuple[int, datetime, datetime]]) -> None:
        """For each ``(chat_id, held, free)``: a hold taken by :meth:`reserve` with ``until ==
        held`` now ends at ``free`` (aware UTC; earlier or later), unless it is no longer
        the caller's (another caller took the turn after it ran out: nothing changes).
        One transaction. Raises SQLAlchemy errors when the database is unreachable."""
        if not holds:
            return
        async with begin_write(self._engine) as conn:
            await conn.execute(
                _SETTLE, [{"chat": chat, "held": held, "free": free} for chat, held, free in holds]
            )

    async def prune(self, before: datetime) -> int:
        """Forget turns that ended before ``before`` (aware UTC); returns how many rows went.
        Raises SQLAlchemy errors when the database is unreachable."""
        async with begin_write(self._engine) as conn:
            gone = await conn.execute(_PRUNE, {"before": before})
        return int(gone.rowcount or 0)


def shared_chat_pace(engine: AsyncEngine) -> SqlChatPace | None:
    """The chats' turns in the database when several processes may send (PostgreSQL); None on
    SQLite, where one process runs (``bot/storage/lock.py``) and keeps them in memory."""
    return SqlChatPace(engine) if engine.dialect.name == "postgresql" else None
