"""Invites (implements :class:`bot.domain.ports.Invites`). Only a token's SHA-256 is stored."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.model import Invite, InviteKind, InviteStatus
from bot.storage.tables import invites


def invite_record(row: Any) -> Invite:
    """An ``invites`` row as an :class:`Invite`."""
    return Invite(
        id=int(row.id),
        inviter_id=int(row.inviter_id),
        kind=InviteKind(row.kind),
        status=InviteStatus(row.status),
        expires_at=row.expires_at,
        cohort_id=row.cohort_id,
        used_by=None if row.used_by is None else int(row.used_by),
    )


class SqlInvites:
    """Invites over one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(
        self,
        *,
        token_hash: str,
        inviter_id: int,
        kind: InviteKind,
        now: datetime,
        ttl: timedelta,
        cohort_id: int | None = None,
    ) -> int:
        """See :meth:`bot.domain.ports.Invites.add`."""
        invite_id = (
            await self._conn.execute(
                insert(invites)
                .values(
                    token_hash=token_hash,
                    inviter_id=inviter_id,
                    status=InviteStatus.OPEN.value,
                    kind=kind.value,
                    cohort_id=cohort_id,
                    created_at=now,
                    expires_at=now + ttl,
                )
                .returning(invites.c.id)
            )
        ).scalar_one()
        return int(invite_id)

    async def revoke_open(
        self, inviter_ids: Collection[int], kind: InviteKind, now: datetime | None = None
    ) -> int:
        """See :meth:`bot.domain.ports.Invites.revoke_open`."""
        revoked = await self._conn.execute(
            update(invites)
            .where(
                invites.c.inviter_id.in_(list(inviter_ids)),
                invites.c.status == InviteStatus.OPEN.value,
                invites.c.kind == kind.value,
            )
            .values(status=InviteStatus.REVOKED.value)
            .returning(invites.c.expires_at)
        )
        ends = revoked.scalars().all()
        return 0 if now is None else sum(1 for end in ends if end > now)

    async def get(self, invite_id: int) -> Invite | None:
        """See :meth:`bot.domain.ports.Invites.get`."""
        row = (await self._conn.execute(select(invites).where(invites.c.id == invite_id))).first()
        return None if row is None else invite_record(row)

    async def by_token_hash(self, token_hash: str) -> Invite | None:
        """See :meth:`bot.domain.ports.Invites.by_token_hash`."""
        row = (
            await self._conn.execute(select(invites).where(invites.c.token_hash == token_hash))
        ).first()
        return None if row is None else invite_record(row)

    async def claim(
        self, invite_id: int, status: InviteStatus, used_by: int, now: datetime
    ) -> bool:
        """See :meth:`bot.domain.ports.Invites.claim`: a conditional update on ``status``."""
        claimed = await self._conn.execute(
            update(invites)
            .where(invites.c.id == invite_id, invites.c.status == InviteStatus.OPEN.value)
            .values(status=status.value, used_by=used_by, used_at=now)
        )
        return claimed.rowcount == 1

    async def open_for_cohort(self, cohort_id: int, now: datetime) -> int:
        """See :meth:`bot.domain.ports.Invites.open_for_cohort`."""
        count = (
            await self._conn.execute(
                select(func.count())
                .select_from(invites)
                .where(
                    invites.c.cohort_id == cohort_id,
                    invites.c.kind == InviteKind.PAIR.value,
                    invites.c.status == InviteStatus.OPEN.value,
                    invites.c.expires_at > now,
                )
            )
        ).scalar_one()
        return int(count)

    async def delete_for_user(self, user_id: int) -> None:
        """See :meth:`bot.domain.ports.Invites.delete_for_user`."""
        await self._conn.execute(
            delete(invites).where(
                or_(invites.c.inviter_id == user_id, invites.c.used_by == user_id)
            )
        )
