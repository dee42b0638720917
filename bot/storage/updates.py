"""Update ids already handled (implements :class:`bot.domain.ports.UpdateLedger`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.tables import processed_updates


class SqlUpdateLedger:
    """The ``processed_updates`` table; each call is its own transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def claim(self, update_id: int, now: datetime) -> bool:
        """See :meth:`bot.domain.ports.UpdateLedger.claim`: an insert that does nothing on a
        conflict; its row count says whether this caller claimed the id."""
        ins = pg_insert if self._engine.dialect.name == "postgresql" else sqlite_insert
        stmt = (
            ins(processed_updates)
            .values(update_id=update_id, received_at=now)
            .on_conflict_do_nothing(index_elements=["update_id"])
        )
        async with self._engine.begin() as conn:
            result = await conn.execute(stmt)
        return result.rowcount == 1

    async def release(self, update_id: int) -> None:
        """See :meth:`bot.domain.ports.UpdateLedger.release`."""
        async with self._engine.begin() as conn:
            await conn.execute(
                delete(processed_updates).where(processed_updates.c.update_id == update_id)
            )

    async def prune(self, before: datetime) -> None:
        """See :meth:`bot.domain.ports.UpdateLedger.prune`."""
        async with self._engine.begin() as conn:
            await conn.execute(
                delete(processed_updates).where(processed_updates.c.received_at < before)
            )
