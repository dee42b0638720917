"""Facilitator roles (implements :class:`bot.domain.ports.Facilitators`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.model import Person
from bot.storage.tables import facilitators, users

_ACTIVE = "active"


class SqlFacilitators:
    """Facilitators over one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def is_active(self, user_id: int) -> bool:
        """See :meth:`bot.domain.ports.Facilitators.is_active`."""
        status = (
            await self._conn.execute(
                select(facilitators.c.status).where(facilitators.c.user_id == user_id)
            )
        ).scalar_one_or_none()
        return status == _ACTIVE

    async def grant(self, user_id: int, granted_by: int, now: datetime) -> None:
        """See :meth:`bot.domain.ports.Facilitators.grant`."""
        values = {"status": _ACTIVE, "granted_by": granted_by, "granted_at": now}
        changed = await self._conn.execute(
            update(facilitators)
            .where(facilitators.c.user_id == user_id)
            .values(revoked_at=None, **values)
        )
        if changed.rowcount == 0:
            await self._conn.execute(insert(facilitators).values(user_id=user_id, **values))

    async def revoke(self, user_id: int, now: datetime) -> bool:
        """See :meth:`bot.domain.ports.Facilitators.revoke`: a conditional update."""
        done = await self._conn.execute(
            update(facilitators)
            .where(facilitators.c.user_id == user_id, facilitators.c.status == _ACTIVE)
            .values(status="revoked", revoked_at=now)
        )
        return done.rowcount == 1

    async def active(self) -> list[Person]:
        """See :meth:`bot.domain.ports.Facilitators.active`."""
        rows = await self._conn.execute(
            select(facilitators.c.user_id, users.c.first_name)
            .join(users, users.c.id == facilitators.c.user_id)
            .where(facilitators.c.status == _ACTIVE)
            .order_by(users.c.first_name)
        )
        return [Person(int(r.user_id), str(r.first_name)) for r in rows]

    async def delete(self, user_id: int) -> None:
        """See :meth:`bot.domain.ports.Facilitators.delete`."""
        await self._conn.execute(delete(facilitators).where(facilitators.c.user_id == user_id))
        await self._conn.execute(
            update(facilitators).where(facilitators.c.granted_by == user_id).values(granted_by=None)
        )
