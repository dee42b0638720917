"""The send budget every process shares (issue 10): Telegram's overall limit of about 30
messages a second holds for the bot, not for one process, so the slots are handed out by a row
in the database that all processes move (``send_budget``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.database import begin_write
from bot.storage.tables import send_budget


class SqlSendBudget:
    """The send budget every process shares: per budget name, the next free sending slot.

    A process reserves ``count`` slots ``interval`` apart in one short transaction: the row
    moves from ``max(next_free, now)`` by ``count × interval`` only if nobody moved it since it
    was read (a compare-and-set, retried), so two processes never get the same slot on SQLite
    or PostgreSQL, with no lock held while sending."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def reserve(self, name: str, count: int, interval: timedelta, now: datetime) -> datetime:
        """Reserve ``count`` consecutive slots of budget ``name``; returns the first (aware
        UTC, never before ``now``); the others follow ``interval`` apart."""
        b = send_budget.c
        while True:
            async with begin_write(self._engine) as conn:
                found = (
                    await conn.execute(select(b.next_free).where(b.name == name))
                ).scalar_one_or_none()
                start = now if found is None or found < now else found
                end = start + interval * count
                if found is None:
                    ins = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
                    result = await conn.execute(
                        ins(send_budget)
                        .values(name=name, next_free=end)
                        .on_conflict_do_nothing(index_elements=["name"])
                    )
                else:
                    result = await conn.execute(
                        update(send_budget)
                        .where(b.name == name, b.next_free == found)
                        .values(next_free=end)
                    )
                if result.rowcount == 1:
                    return start
