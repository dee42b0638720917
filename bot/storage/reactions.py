"""Reactions to reveals (implements :class:`bot.domain.ports.Reactions`; issue 12)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.tables import reveal_reactions


class SqlReactions:
    """The ``reveal_reactions`` table: one row per partner per round."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, round_id: int, user_id: int, reaction: str, now: datetime) -> bool:
        """See :meth:`bot.domain.ports.Reactions.add`: an insert that does nothing on a
        conflict with the (round, user) key; its row count says who stored it (a concurrent
        press waits for the first one's transaction: the write lock on SQLite, the key's row
        lock on PostgreSQL)."""
        insert = pg_insert if self._conn.dialect.name == "postgresql" else sqlite_insert
        stmt = (
            insert(reveal_reactions)
            .values(round_id=round_id, user_id=user_id, reaction=reaction, at=now)
            .on_conflict_do_nothing(index_elements=["round_id", "user_id"])
        )
        result = await self._conn.execute(stmt)
        return result.rowcount == 1

    async def of_rounds(self, round_ids: Collection[int]) -> dict[int, dict[int, str]]:
        """See :meth:`bot.domain.ports.Reactions.of_rounds`."""
        found: dict[int, dict[int, str]] = {}
        if not round_ids:
            return found
        rows = await self._conn.execute(
            select(reveal_reactions).where(reveal_reactions.c.round_id.in_(list(round_ids)))
        )
        for row in rows:
            found.setdefault(int(row.round_id), {})[int(row.user_id)] = str(row.reaction)
        return found

    async def delete_for_user(self, user_id: int) -> None:
        """See :meth:`bot.domain.ports.Reactions.delete_for_user`."""
        await self._conn.execute(
            delete(reveal_reactions).where(reveal_reactions.c.user_id == user_id)
        )
