"""Users (implements :class:`bot.domain.ports.Users`)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.model import User
from bot.domain.subjects import Awaiting, answer_prefix, parse_awaiting
from bot.storage.tables import users

NAME_CHARS = 128
DEFAULT_NAME = "Partner"


def user_record(row: Any) -> User:
    """A ``users`` row as a :class:`User`."""
    return User(
        id=int(row.id),
        first_name=str(row.first_name),
        username=row.username,
        language_code=row.language_code,
        timezone=row.timezone,
        active=bool(row.active),
        inactive_since=row.inactive_since,
        pair_id=row.pair_id,
        awaiting=parse_awaiting(row.awaiting),
        pending_invite_id=row.pending_invite_id,
        pending_cohort_id=row.pending_cohort_id,
        quiet_hours=row.quiet_hours,
        language=row.language,
    )


# Built once (issue 10): SQLAlchemy then neither builds nor keys the statement per call.
_BY_ID = select(users).where(users.c.id == bindparam("id"))
_BY_IDS = select(users).where(users.c.id.in_(bindparam("ids", expanding=True)))


class SqlUsers:
    """Users over one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, user_id: int) -> User | None:
        """See :meth:`bot.domain.ports.Users.get`."""
        row = (await self._conn.execute(_BY_ID, {"id": user_id})).first()
        return None if row is None else user_record(row)

    async def get_many(self, user_ids: Collection[int]) -> dict[int, User]:
        """See :meth:`bot.domain.ports.Users.get_many`."""
        if not user_ids:
            return {}
        rows = await self._conn.execute(_BY_IDS, {"ids": list(user_ids)})
        return {int(r.id): user_record(r) for r in rows}

    async def touch(
        self,
        user_id: int,
        first_name: str,
        username: str | None,
        language_code: str | None,
        now: datetime,
    ) -> tuple[User | None, User]:
        """See :meth:`bot.domain.ports.Users.touch`."""
        before = await self.get(user_id)
        name = first_name[:NAME_CHARS]
        if before is None:
            await self._conn.execute(
                insert(users).values(
                    id=user_id,
                    first_name=name or DEFAULT_NAME,
                    username=username,
                    language_code=language_code,
                    active=True,
                    created_at=now,
                    updated_at=now,
                )
            )
        elif (before.first_name, before.username, before.language_code) != (
            name,
            username,
            language_code,
        ):
            await self._conn.execute(
                update(users)
                .where(users.c.id == user_id)
                .values(
                    first_name=name or before.first_name,
                    username=username,
                    language_code=language_code,
                    updated_at=now,
                )
            )
        else:
            return before, before
        after = await self.get(user_id)
        assert after is not None
        return before, after

    async def set_quiet_hours(self, user_id: int, stored: str | None, now: datetime) -> None:
        """See :meth:`bot.domain.ports.Users.set_quiet_hours`."""
        await self._conn.execute(
            update(users).where(users.c.id == user_id).values(quiet_hours=stored, updated_at=now)
        )

    async def set_language(self, user_id: int, language: str | None, now: datetime) -> None:
        """See :meth:`bot.domain.ports.Users.set_language`."""
        await self._conn.execute(
            update(users).where(users.c.id == user_id).values(language=language, updated_at=now)
        )

    async def set_timezone(self, user_id: int, zone: str, now: datetime) -> None:
        """See :meth:`bot.domain.ports.Users.set_timezone`."""
        await self._conn.execute(
            update(users).where(users.c.id == user_id).values(timezone=zone, updated_at=now)
        )

    async def set_awaiting(self, user_id: int, awaiting: Awaiting | None) -> None:
        """See :meth:`bot.domain.ports.Users.set_awaiting`."""
        stored = None if awaiting is None else awaiting.encode()
        await self._conn.execute(update(users).where(users.c.id == user_id).values(awaiting=stored))

    async def stop_awaiting(self, user_id: int, awaiting: Awaiting) -> None:
        """See :meth:`bot.domain.ports.Users.stop_awaiting`."""
        await self._conn.execute(
            update(users)
            .where(users.c.id == user_id, users.c.awaiting == awaiting.encode())
            .values(awaiting=None)
        )

    async def stop_awaiting_round(self, round_id: int, user_ids: Collection[int]) -> None:
        """See :meth:`bot.domain.ports.Users.stop_awaiting_round`."""
        if not user_ids:
            return
        await self._conn.execute(
            update(users)
            .where(
                users.c.id.in_(list(user_ids)),
                users.c.awaiting.startswith(answer_prefix(round_id), autoescape=True),
            )
            .values(awaiting=None)
        )

    async def set_pending_invite(self, user_id: int, invite_id: int | None) -> None:
        """See :meth:`bot.domain.ports.Users.set_pending_invite`."""
        await self._conn.execute(
            update(users).where(users.c.id == user_id).values(pending_invite_id=invite_id)
        )

    async def set_pending_cohort(self, user_id: int, cohort_id: int | None) -> None:
        """See :meth:`bot.domain.ports.Users.set_pending_cohort`."""
        await self._conn.execute(
            update(users).where(users.c.id == user_id).values(pending_cohort_id=cohort_id)
        )

    async def link_pair(self, user_ids: Collection[int], pair_id: int, now: datetime) -> bool:
        """See :meth:`bot.domain.ports.Users.link_pair`: one conditional update; its row
        count says whether every user was still unpaired."""
        linked = await self._conn.execute(
            update(users)
            .where(users.c.id.in_(list(user_ids)), users.c.pair_id.is_(None))
            .values(pair_id=pair_id, updated_at=now)
        )
        return linked.rowcount == len(set(user_ids))

    async def unlink_pair(self, pair_id: int, now: datetime) -> None:
        """See :meth:`bot.domain.ports.Users.unlink_pair`."""
        await self._conn.execute(
            update(users)
            .where(users.c.pair_id == pair_id)
            .values(pair_id=None, awaiting=None, updated_at=now)
        )

    async def deactivate(self, user_id: int, now: datetime) -> bool:
        """See :meth:`bot.domain.ports.Users.deactivate`: a conditional update on
        ``active``."""
        changed = await self._conn.execute(
            update(users)
            .where(users.c.id == user_id, users.c.active.is_(True))
            .values(active=False, awaiting=None, inactive_since=now, updated_at=now)
        )
        return changed.rowcount == 1

    async def reactivate(self, user_id: int, now: datetime) -> None:
        """See :meth:`bot.domain.ports.Users.reactivate`."""
        await self._conn.execute(
            update(users)
            .where(users.c.id == user_id)
            .values(active=True, inactive_since=None, updated_at=now)
        )

    async def delete(self, user_id: int) -> None:
        """See :meth:`bot.domain.ports.Users.delete`."""
        await self._conn.execute(delete(users).where(users.c.id == user_id))
