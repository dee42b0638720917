"""Cohorts, their facilitators, consents, member pairs, frozen snapshots, and set-up drafts
(implements :class:`bot.domain.ports.Cohorts` and :class:`bot.domain.ports.Drafts`)."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.model import (
    BroadcastStatus,
    Cohort,
    CohortStatus,
    Draft,
    Member,
    Membership,
    Pair,
    PairStatus,
    Person,
    StoredSnapshot,
)
from bot.storage.pairs import pair_record, stored_time, wall_time
from bot.storage.tables import (
    broadcasts,
    cohort_consents,
    cohort_drafts,
    cohort_facilitators,
    cohort_pairs,
    cohort_snapshots,
    cohorts,
    pairs,
    users,
)

_ENROLLED = Membership.ENROLLED.value


def cohort_record(row: Any) -> Cohort:
    """A ``cohorts`` row as a :class:`Cohort`."""
    return Cohort(
        id=int(row.id),
        name=str(row.name),
        program_id=str(row.program_id),
        start_date=row.start_date,
        checkin_days=tuple(sorted(int(d) for d in str(row.checkin_days).split(",") if d)),
        timezone=str(row.timezone),
        status=CohortStatus(row.status),
        session_weekday=row.session_weekday,
        session_time=None if row.session_time is None else wall_time(row.session_time),
        created_by=None if row.created_by is None else int(row.created_by),
    )


# Built once (issue 10): asked for every pair at every scheduled opening.
_RUNNING_OF = (
    select(cohorts)
    .join(cohort_pairs, cohort_pairs.c.cohort_id == cohorts.c.id)
    .where(
        cohort_pairs.c.pair_id == bindparam("pair"),
        cohort_pairs.c.status == _ENROLLED,
        cohorts.c.status != CohortStatus.ENDED.value,
    )
)

_ENROLLED_AMONG = (
    select(cohort_pairs.c.pair_id)
    .join(cohorts, cohort_pairs.c.cohort_id == cohorts.c.id)
    .where(
        cohort_pairs.c.pair_id.in_(bindparam("pairs", expanding=True)),
        cohort_pairs.c.status == _ENROLLED,
        cohorts.c.status != CohortStatus.ENDED.value,
    )
)


class SqlCohorts:
    """Cohorts over one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def _one(self, query: Any) -> Cohort | None:
        row = (await self._conn.execute(query)).first()
        return None if row is None else cohort_record(row)

    async def get(self, cohort_id: int) -> Cohort | None:
        """See :meth:`bot.domain.ports.Cohorts.get`."""
        return await self._one(select(cohorts).where(cohorts.c.id == cohort_id))

    async def by_token_hash(self, token_hash: str) -> Cohort | None:
        """See :meth:`bot.domain.ports.Cohorts.by_token_hash`."""
        return await self._one(select(cohorts).where(cohorts.c.enrol_token_hash == token_hash))

    async def create(
        self,
        *,
        name: str,
        program_id: str,
        start_date: date,
        checkin_days: Sequence[int],
        timezone: str,
        session_weekday: int | None,
        session_time: time | None,
        token_hash: str,
        created_by: int,
        now: datetime,
    ) -> Cohort:
        """See :meth:`bot.domain.ports.Cohorts.create`."""
        cohort_id = (
            await self._conn.execute(
                insert(cohorts)
                .values(
                    name=name,
                    program_id=program_id,
                    start_date=start_date,
                    checkin_days=",".join(str(d) for d in sorted(checkin_days)),
                    timezone=timezone,
                    session_weekday=session_weekday,
                    session_time=None if session_time is None else stored_time(session_time),
                    status=CohortStatus.ACTIVE.value,
                    enrol_token_hash=token_hash,
                    created_by=created_by,
                    created_at=now,
                )
                .returning(cohorts.c.id)
            )
        ).scalar_one()
        await self.add_facilitator(int(cohort_id), created_by, now)
        created = await self.get(int(cohort_id))
        assert created is not None
        return created

    async def listed(self, facilitator_id: int | None) -> list[Cohort]:
        """See :meth:`bot.domain.ports.Cohorts.listed`."""
        query = select(cohorts).order_by(cohorts.c.id.desc())
        if facilitator_id is not None:
            query = query.join(
                cohort_facilitators, cohort_facilitators.c.cohort_id == cohorts.c.id
            ).where(cohort_facilitators.c.user_id == facilitator_id)
        return [cohort_record(r) for r in await self._conn.execute(query)]

    async def run_by(self, cohort_id: int, user_id: int) -> Cohort | None:
        """See :meth:`bot.domain.ports.Cohorts.run_by`."""
        return await self._one(
            select(cohorts)
            .join(cohort_facilitators, cohort_facilitators.c.cohort_id == cohorts.c.id)
            .where(cohorts.c.id == cohort_id, cohort_facilitators.c.user_id == user_id)
        )

    async def set_status(self, cohort_id: int, status: CohortStatus) -> Cohort:
        """See :meth:`bot.domain.ports.Cohorts.set_status`."""
        await self._conn.execute(
            update(cohorts).where(cohorts.c.id == cohort_id).values(status=status.value)
        )
        found = await self.get(cohort_id)
        assert found is not None
        return found

    async def end(self, cohort_id: int, now: datetime) -> bool:
        """See :meth:`bot.domain.ports.Cohorts.end`: a conditional update on ``status``."""
        won = await self._conn.execute(
            update(cohorts)
            .where(cohorts.c.id == cohort_id, cohorts.c.status != CohortStatus.ENDED.value)
            .values(status=CohortStatus.ENDED.value, ended_at=now)
        )
        return won.rowcount == 1

    async def add_facilitator(self, cohort_id: int, user_id: int, now: datetime) -> None:
        """See :meth:`bot.domain.ports.Cohorts.add_facilitator`."""
        await self._conn.execute(
            insert(cohort_facilitators).values(cohort_id=cohort_id, user_id=user_id, added_at=now)
        )

    async def facilitators(self, cohort_id: int) -> list[Person]:
        """See :meth:`bot.domain.ports.Cohorts.facilitators`."""
        rows = await self._conn.execute(
            select(users.c.id, users.c.first_name)
            .join(cohort_facilitators, cohort_facilitators.c.user_id == users.c.id)
            .where(cohort_facilitators.c.cohort_id == cohort_id)
            .order_by(users.c.first_name)
        )
        return [Person(int(r.id), str(r.first_name)) for r in rows]

    async def leave_all_staff(self, user_id: int) -> None:
        """See :meth:`bot.domain.ports.Cohorts.leave_all_staff`."""
        await self._conn.execute(
            delete(cohort_facilitators).where(cohort_facilitators.c.user_id == user_id)
        )

    async def running_of(self, pair_id: int) -> Cohort | None:
        """See :meth:`bot.domain.ports.Cohorts.running_of`."""
        row = (await self._conn.execute(_RUNNING_OF, {"pair": pair_id})).first()
        return None if row is None else cohort_record(row)

    async def enrolled_among(self, pair_ids: Collection[int]) -> set[int]:
        """See :meth:`bot.domain.ports.Cohorts.enrolled_among`."""
        if not pair_ids:
            return set()
        rows = await self._conn.execute(_ENROLLED_AMONG, {"pairs": list(pair_ids)})
        return {int(p) for p in rows.scalars()}

    async def enrol(self, cohort_id: int, pair_id: int, now: datetime) -> None:
        """See :meth:`bot.domain.ports.Cohorts.enrol`."""
        changed = await self._conn.execute(
            update(cohort_pairs)
            .where(cohort_pairs.c.cohort_id == cohort_id, cohort_pairs.c.pair_id == pair_id)
            .values(status=_ENROLLED, joined_at=now, left_at=None)
        )
        if changed.rowcount == 0:
            await self._conn.execute(
                insert(cohort_pairs).values(
                    cohort_id=cohort_id, pair_id=pair_id, status=_ENROLLED, joined_at=now
                )
            )

    async def set_membership(
        self, cohort_id: int, pair_id: int, membership: Membership, now: datetime
    ) -> None:
        """See :meth:`bot.domain.ports.Cohorts.set_membership`."""
        await self._conn.execute(
            update(cohort_pairs)
            .where(cohort_pairs.c.cohort_id == cohort_id, cohort_pairs.c.pair_id == pair_id)
            .values(status=membership.value, left_at=now)
        )

    async def leave_every(self, pair_id: int, now: datetime) -> None:
        """See :meth:`bot.domain.ports.Cohorts.leave_every`."""
        await self._conn.execute(
            update(cohort_pairs)
            .where(cohort_pairs.c.pair_id == pair_id, cohort_pairs.c.status == _ENROLLED)
            .values(status=Membership.LEFT.value, left_at=now)
        )

    async def enrolled(self, cohort_id: int) -> list[Pair]:
        """See :meth:`bot.domain.ports.Cohorts.enrolled`."""
        rows = await self._conn.execute(
            select(pairs)
            .join(cohort_pairs, cohort_pairs.c.pair_id == pairs.c.id)
            .where(
                cohort_pairs.c.cohort_id == cohort_id,
                cohort_pairs.c.status == _ENROLLED,
                pairs.c.status == PairStatus.ACTIVE.value,
            )
            .order_by(pairs.c.id)
        )
        return [pair_record(r) for r in rows]

    async def members(self, cohort_id: int) -> list[Member]:
        """See :meth:`bot.domain.ports.Cohorts.members`."""
        rows = await self._conn.execute(
            select(
                pairs,
                cohort_pairs.c.status.label("membership"),
                cohort_pairs.c.joined_at.label("joined_at"),
            )
            .join(cohort_pairs, cohort_pairs.c.pair_id == pairs.c.id)
            .where(cohort_pairs.c.cohort_id == cohort_id)
            .order_by(pairs.c.id)
        )
        return [Member(pair_record(r), Membership(r.membership), r.joined_at) for r in rows]

    async def membership_counts(self, cohort_id: int) -> dict[Membership, int]:
        """See :meth:`bot.domain.ports.Cohorts.membership_counts`."""
        rows = await self._conn.execute(
            select(cohort_pairs.c.status, func.count())
            .where(cohort_pairs.c.cohort_id == cohort_id)
            .group_by(cohort_pairs.c.status)
        )
        return {Membership(s): int(n) for s, n in rows}

    async def staff_pairs(self, cohort_id: int, staff: Collection[int]) -> frozenset[int]:
        """See :meth:`bot.domain.ports.Cohorts.staff_pairs`."""
        people = list(staff)
        rows = await self._conn.execute(
            select(pairs.c.id)
            .join(cohort_pairs, cohort_pairs.c.pair_id == pairs.c.id)
            .where(
                cohort_pairs.c.cohort_id == cohort_id,
                pairs.c.user_a.in_(people) | pairs.c.user_b.in_(people),
            )
        )
        return frozenset(int(r) for r in rows.scalars())

    async def has_consented(self, cohort_id: int, user_id: int) -> bool:
        """See :meth:`bot.domain.ports.Cohorts.has_consented`."""
        row = (
            await self._conn.execute(
                select(cohort_consents.c.user_id).where(
                    cohort_consents.c.cohort_id == cohort_id,
                    cohort_consents.c.user_id == user_id,
                )
            )
        ).first()
        return row is not None

    async def consent(self, cohort_id: int, user_id: int, now: datetime) -> None:
        """See :meth:`bot.domain.ports.Cohorts.consent`."""
        if not await self.has_consented(cohort_id, user_id):
            await self._conn.execute(
                insert(cohort_consents).values(
                    cohort_id=cohort_id, user_id=user_id, accepted_at=now
                )
            )

    async def consenting(self, cohort_id: int) -> list[int]:
        """See :meth:`bot.domain.ports.Cohorts.consenting`."""
        rows = await self._conn.execute(
            select(cohort_consents.c.user_id).where(cohort_consents.c.cohort_id == cohort_id)
        )
        return [int(u) for u in rows.scalars()]

    async def withdraw(self, user_ids: Collection[int], cohort_id: int | None = None) -> None:
        """See :meth:`bot.domain.ports.Cohorts.withdraw`."""
        query = delete(cohort_consents).where(cohort_consents.c.user_id.in_(list(user_ids)))
        if cohort_id is not None:
            query = query.where(cohort_consents.c.cohort_id == cohort_id)
        await self._conn.execute(query)

    async def withdraw_others(self, user_ids: Collection[int], keep: int) -> None:
        """See :meth:`bot.domain.ports.Cohorts.withdraw_others`."""
        await self._conn.execute(
            delete(cohort_consents).where(
                cohort_consents.c.user_id.in_(list(user_ids)),
                cohort_consents.c.cohort_id != keep,
            )
        )

    async def has_snapshot(self, cohort_id: int, week: int) -> bool:
        """See :meth:`bot.domain.ports.Cohorts.has_snapshot`."""
        row = (
            await self._conn.execute(
                select(cohort_snapshots.c.week).where(
                    cohort_snapshots.c.cohort_id == cohort_id, cohort_snapshots.c.week == week
                )
            )
        ).first()
        return row is not None

    async def save_snapshot(self, cohort_id: int, week: int, data: str, now: datetime) -> None:
        """See :meth:`bot.domain.ports.Cohorts.save_snapshot`."""
        await self._conn.execute(
            insert(cohort_snapshots).values(
                cohort_id=cohort_id, week=week, frozen_at=now, data=data
            )
        )

    async def snapshots(self, cohort_id: int) -> list[StoredSnapshot]:
        """See :meth:`bot.domain.ports.Cohorts.snapshots`."""
        rows = await self._conn.execute(
            select(cohort_snapshots.c.week, cohort_snapshots.c.data)
            .where(cohort_snapshots.c.cohort_id == cohort_id)
            .order_by(cohort_snapshots.c.week)
        )
        return [StoredSnapshot(int(r.week), str(r.data)) for r in rows]

    async def forget_user(self, user_id: int) -> None:
        """See :meth:`bot.domain.ports.Cohorts.forget_user`."""
        await self._conn.execute(
            delete(cohort_consents).where(cohort_consents.c.user_id == user_id)
        )
        await self.leave_all_staff(user_id)
        # Their unsent drafts go; what was sent stays with the cohort, authored by nobody.
        mine = broadcasts.c.created_by == user_id
        await self._conn.execute(
            delete(broadcasts).where(mine, broadcasts.c.status == BroadcastStatus.DRAFT.value)
        )
        await self._conn.execute(update(broadcasts).where(mine).values(created_by=None))
        await self._conn.execute(
            update(cohorts).where(cohorts.c.created_by == user_id).values(created_by=None)
        )


class SqlDrafts:
    """``/cohort_new`` drafts over one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def save(self, user_id: int, step: str, fields: dict[str, object], now: datetime) -> None:
        """See :meth:`bot.domain.ports.Drafts.save`."""
        await self.delete(user_id)
        await self._conn.execute(
            insert(cohort_drafts).values(
                user_id=user_id, step=step, fields=json.dumps(fields), updated_at=now
            )
        )

    async def get(self, user_id: int) -> Draft | None:
        """See :meth:`bot.domain.ports.Drafts.get`."""
        row = (
            await self._conn.execute(
                select(cohort_drafts).where(cohort_drafts.c.user_id == user_id)
            )
        ).first()
        if row is None:
            return None
        return Draft(str(row.step), dict(json.loads(str(row.fields))), row.updated_at)

    async def delete(self, user_id: int) -> None:
        """See :meth:`bot.domain.ports.Drafts.delete`."""
        await self._conn.execute(delete(cohort_drafts).where(cohort_drafts.c.user_id == user_id))
