"""Broadcasts (implements :class:`bot.domain.ports.Broadcasts`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.model import Broadcast, BroadcastStatus, Membership, PairStatus, User
from bot.storage.tables import broadcasts, cohort_pairs, pairs, users
from bot.storage.users import user_record


def broadcast_record(row: Any) -> Broadcast:
    """A ``broadcasts`` row as a :class:`Broadcast`."""
    return Broadcast(
        id=int(row.id),
        cohort_id=int(row.cohort_id),
        created_by=None if row.created_by is None else int(row.created_by),
        text=str(row.text),
        status=BroadcastStatus(row.status),
        recipients=int(row.recipients or 0),
        delivered=int(row.delivered or 0),
        blocked=int(row.blocked or 0),
        not_started=int(row.not_started or 0),
    )


class SqlBroadcasts:
    """Broadcasts over one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def create(self, cohort_id: int, created_by: int, text: str, now: datetime) -> int:
        """See :meth:`bot.domain.ports.Broadcasts.create`."""
        broadcast_id = (
            await self._conn.execute(
                insert(broadcasts)
                .values(
                    cohort_id=cohort_id,
                    created_by=created_by,
                    text=text,
                    status=BroadcastStatus.DRAFT.value,
                    created_at=now,
                )
                .returning(broadcasts.c.id)
            )
        ).scalar_one()
        return int(broadcast_id)

    async def get(self, broadcast_id: int) -> Broadcast | None:
        """See :meth:`bot.domain.ports.Broadcasts.get`."""
        row = (
            await self._conn.execute(select(broadcasts).where(broadcasts.c.id == broadcast_id))
        ).first()
        return None if row is None else broadcast_record(row)

    async def sending_in(self, cohort_id: int) -> bool:
        """See :meth:`bot.domain.ports.Broadcasts.sending_in`."""
        row = (
            await self._conn.execute(
                select(broadcasts.c.id).where(
                    broadcasts.c.cohort_id == cohort_id,
                    broadcasts.c.status == BroadcastStatus.SENDING.value,
                )
            )
        ).first()
        return row is not None

    async def move(self, broadcast_id: int, was: BroadcastStatus, to: BroadcastStatus) -> bool:
        """See :meth:`bot.domain.ports.Broadcasts.move`: a conditional update."""
        won = await self._conn.execute(
            update(broadcasts)
            .where(broadcasts.c.id == broadcast_id, broadcasts.c.status == was.value)
            .values(status=to.value)
        )
        return won.rowcount == 1

    async def set_counts(
        self, broadcast_id: int, *, recipients: int, blocked: int, not_started: int
    ) -> None:
        """See :meth:`bot.domain.ports.Broadcasts.set_counts`."""
        await self._conn.execute(
            update(broadcasts)
            .where(broadcasts.c.id == broadcast_id)
            .values(recipients=recipients, blocked=blocked, not_started=not_started)
        )

    async def finish(self, broadcast_id: int, blocked: int, now: datetime) -> None:
        """See :meth:`bot.domain.ports.Broadcasts.finish`."""
        await self._conn.execute(
            update(broadcasts)
            .where(broadcasts.c.id == broadcast_id)
            .values(status=BroadcastStatus.DONE.value, blocked=blocked, finished_at=now)
        )

    async def recipients(self, cohort_id: int) -> list[User]:
        """See :meth:`bot.domain.ports.Broadcasts.recipients`."""
        rows = await self._conn.execute(
            select(users)
            .join(pairs, (pairs.c.user_a == users.c.id) | (pairs.c.user_b == users.c.id))
            .join(cohort_pairs, cohort_pairs.c.pair_id == pairs.c.id)
            .where(
                cohort_pairs.c.cohort_id == cohort_id,
                cohort_pairs.c.status == Membership.ENROLLED.value,
                pairs.c.status == PairStatus.ACTIVE.value,
            )
            .order_by(users.c.id)
        )
        return [user_record(r) for r in rows]
