"""Update ids already handled (implements :class:`bot.domain.ports.UpdateLedger`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.storage.database import READ_ONLY
from bot.storage.tables import processed_updates, users


async def claim_in(conn: AsyncConnection, update_id: int, now: datetime) -> bool:
    """Insert ``update_id`` (received ``now``, aware UTC) in the caller's transaction unless it
    is there: an insert that does nothing on a conflict, whose row count says whether this
    caller claimed the id. Of concurrent callers one gets True (the others wait for its
    transaction: the write lock on SQLite, the unique index's row lock on PostgreSQL)."""
    stmt = _CLAIMS[conn.dialect.name == "postgresql"]
    result = await conn.execute(stmt, {"update_id": update_id, "received_at": now})
    return result.rowcount == 1


# Built once (issue 10): every update runs one of these.
_CLAIMS = {
    postgres: (pg_insert if postgres else sqlite_insert)(processed_updates).on_conflict_do_nothing(
        index_elements=["update_id"]
    )
    for postgres in (False, True)
}
_SEEN = select(processed_updates.c.update_id).where(
    processed_updates.c.update_id == bindparam("update_id")
)
# The duplicate check and the sender's /language choice in one statement (issue 12): two
# primary-key lookups, one round trip.
_ARRIVAL = select(
    _SEEN.scalar_subquery().label("seen"),
    select(users.c.language)
    .where(users.c.id == bindparam("sender_id"))
    .scalar_subquery()
    .label("language"),
)


class SqlUpdateLedger:
    """The ``processed_updates`` table; each call is its own transaction (the claim that goes
    with an update's work is made by the unit of work, see ``uow.py``)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def seen(self, update_id: int) -> bool:
        """See :meth:`bot.domain.ports.UpdateLedger.seen`."""
        async with self._engine.connect() as conn:
            await conn.execution_options(**{READ_ONLY: True})
            found = await conn.scalar(_SEEN, {"update_id": update_id})
            await conn.rollback()
        return found is not None

    async def arrival(self, update_id: int, sender_id: int | None) -> tuple[bool, str | None]:
        """See :meth:`bot.domain.ports.UpdateLedger.arrival`."""
        async with self._engine.connect() as conn:
            await conn.execution_options(**{READ_ONLY: True})
            row = (
                await conn.execute(_ARRIVAL, {"update_id": update_id, "sender_id": sender_id})
            ).one()
            await conn.rollback()
        return row.seen is not None, None if row.language is None else str(row.language)

    async def claim(self, update_id: int, now: datetime) -> bool:
        """See :meth:`bot.domain.ports.UpdateLedger.claim`."""
        async with self._engine.begin() as conn:
            return await claim_in(conn, update_id, now)

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
