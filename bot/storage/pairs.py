"""Pairs and their schedules (implements :class:`bot.domain.ports.Pairs`)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import and_, bindparam, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.model import Anniversary, Lane, Pair, PairStatus, Retention, Trip
from bot.storage.tables import pairs
from content.schema import Dimension
from scheduler.cadence import Frequency

_DIMENSIONS = {d.value: d for d in Dimension}


def wall_time(stored: object) -> time:
    """A stored ``"HH:MM"`` as a naive wall time."""
    hh, mm = str(stored).split(":")
    return time(int(hh), int(mm))


def stored_time(at: time) -> str:
    """A wall time as stored, ``"HH:MM"``."""
    return at.strftime("%H:%M")


def stored_anniversary(anniversary: Anniversary | None) -> str | None:
    """An anniversary as stored: ``"YYYY-MM-DD"``, or ``"--MM-DD"`` without a year."""
    if anniversary is None:
        return None
    year = "-" if anniversary.year is None else f"{anniversary.year:04d}"
    return f"{year}-{anniversary.month:02d}-{anniversary.day:02d}"


def anniversary_record(stored: object) -> Anniversary | None:
    """A stored anniversary (see :func:`stored_anniversary`); None for none or anything
    unreadable."""
    if not stored:
        return None
    year, _, rest = str(stored).rpartition("-")
    year, _, month = year.rpartition("-")
    try:
        return Anniversary(int(month), int(rest), None if year in ("", "-") else int(year))
    except ValueError:
        return None


def pair_record(row: Any) -> Pair:
    """A ``pairs`` row as a :class:`Pair` (focus names unknown to the content are dropped;
    pack ids are kept as stored: the domain skips those the content no longer has)."""
    focus = frozenset(_DIMENSIONS[v] for v in str(row.focus or "").split(",") if v in _DIMENSIONS)
    return Pair(
        id=int(row.id),
        user_a=None if row.user_a is None else int(row.user_a),
        user_b=None if row.user_b is None else int(row.user_b),
        status=PairStatus(row.status),
        timezone=str(row.timezone),
        frequency=Frequency(row.frequency),
        time_of_day=wall_time(row.time_of_day),
        weekday=int(row.weekday),
        paused=bool(row.paused),
        paused_by=row.paused_by,
        last_round_date=row.last_round_date,
        weekly_weekday=row.weekly_weekday,
        weekly_time=None if row.weekly_time is None else wall_time(row.weekly_time),
        last_weekly_date=row.last_weekly_date,
        focus=focus,
        followup_offer_id=row.followup_offer_id,
        created_at=row.created_at,
        ended_at=row.ended_at,
        retention=Retention(row.retention),
        retention_proposal=None
        if row.retention_proposal is None
        else Retention(row.retention_proposal),
        retention_proposed_by=row.retention_proposed_by,
        deeper_a=bool(row.deeper_a),
        deeper_b=bool(row.deeper_b),
        packs=tuple(p for p in str(row.packs or "").split(",") if p),
        anniversary=anniversary_record(row.anniversary),
        anniversary_mentioned=bool(row.anniversary_mentioned),
        trip=None
        if row.trip_start is None or row.trip_end is None
        else Trip(row.trip_start, row.trip_end),
        proposal=row.proposal,
        proposal_by=row.proposal_by,
        proposal_seq=int(row.proposal_seq or 0),
        notice_by=row.notice_by,
        notice_from=row.notice_from,
    )


# Built once (issue 10): SQLAlchemy then neither builds nor keys the statement per call.
_BY_ID = select(pairs).where(pairs.c.id == bindparam("id"))
_BY_IDS = select(pairs).where(pairs.c.id.in_(bindparam("ids", expanding=True)))
#: One statement run for many rows (executemany) per lane's column.
_MARK_SLOTS = {
    lane: update(pairs)
    .where(pairs.c.id == bindparam("pair"))
    .values({column: bindparam("day", type_=pairs.c[column].type)})
    for lane, column in ((Lane.DAILY, "last_round_date"), (Lane.WEEKLY, "last_weekly_date"))
}


class SqlPairs:
    """Pairs over one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, pair_id: int) -> Pair | None:
        """See :meth:`bot.domain.ports.Pairs.get`."""
        row = (await self._conn.execute(_BY_ID, {"id": pair_id})).first()
        return None if row is None else pair_record(row)

    async def get_many(self, pair_ids: Collection[int]) -> dict[int, Pair]:
        """See :meth:`bot.domain.ports.Pairs.get_many`."""
        if not pair_ids:
            return {}
        rows = await self._conn.execute(_BY_IDS, {"ids": list(pair_ids)})
        return {int(r.id): pair_record(r) for r in rows}

    async def _fetch(self, pair_id: int) -> Pair:
        found = await self.get(pair_id)
        if found is None:
            raise LookupError(f"pair {pair_id} not found")
        return found

    async def create(
        self,
        *,
        user_a: int,
        user_b: int,
        timezone: str,
        frequency: Frequency,
        time_of_day: time,
        now: datetime,
    ) -> Pair:
        """See :meth:`bot.domain.ports.Pairs.create`."""
        pair_id = (
            await self._conn.execute(
                insert(pairs)
                .values(
                    user_a=user_a,
                    user_b=user_b,
                    status=PairStatus.ACTIVE.value,
                    timezone=timezone,
                    frequency=frequency.value,
                    weekday=0,
                    time_of_day=stored_time(time_of_day),
                    paused=False,
                    paused_by=None,
                    created_at=now,
                )
                .returning(pairs.c.id)
            )
        ).scalar_one()
        return await self._fetch(int(pair_id))

    async def set_schedule(
        self,
        pair_id: int,
        *,
        frequency: Frequency | None = None,
        weekday: int | None = None,
        time_of_day: time | None = None,
        timezone: str | None = None,
        paused: bool | None = None,
        paused_by: int | None = None,
    ) -> Pair:
        """See :meth:`bot.domain.ports.Pairs.set_schedule`."""
        values: dict[str, object] = {}
        if frequency is not None:
            values["frequency"] = frequency.value
        if weekday is not None:
            values["weekday"] = weekday
        if time_of_day is not None:
            values["time_of_day"] = stored_time(time_of_day)
        if timezone is not None:
            values["timezone"] = timezone
        if paused is not None:
            values["paused"] = paused
            values["paused_by"] = paused_by if paused else None
        if values:
            await self._conn.execute(update(pairs).where(pairs.c.id == pair_id).values(**values))
        return await self._fetch(pair_id)

    async def set_weekly(self, pair_id: int, weekday: int | None, at: time | None) -> Pair:
        """See :meth:`bot.domain.ports.Pairs.set_weekly`."""
        await self._conn.execute(
            update(pairs)
            .where(pairs.c.id == pair_id)
            .values(weekly_weekday=weekday, weekly_time=None if at is None else stored_time(at))
        )
        return await self._fetch(pair_id)

    async def set_focus(self, pair_id: int, focus: frozenset[Dimension]) -> None:
        """See :meth:`bot.domain.ports.Pairs.set_focus`."""
        value = ",".join(d.value for d in Dimension if d in focus) or None
        await self._conn.execute(update(pairs).where(pairs.c.id == pair_id).values(focus=value))

    async def set_packs(
        self, pair_id: int, before: tuple[str, ...], after: tuple[str, ...]
    ) -> bool:
        """See :meth:`bot.domain.ports.Pairs.set_packs`: a conditional update on ``packs``."""
        changed = await self._conn.execute(
            update(pairs)
            .where(pairs.c.id == pair_id, pairs.c.packs == ",".join(before))
            .values(packs=",".join(after))
        )
        return changed.rowcount == 1

    async def set_anniversary(self, pair_id: int, anniversary: Anniversary | None) -> None:
        """See :meth:`bot.domain.ports.Pairs.set_anniversary`."""
        await self._conn.execute(
            update(pairs)
            .where(pairs.c.id == pair_id)
            .values(anniversary=stored_anniversary(anniversary))
        )

    async def mention_anniversary(self, pair_id: int) -> bool:
        """See :meth:`bot.domain.ports.Pairs.mention_anniversary`: a conditional update."""
        marked = await self._conn.execute(
            update(pairs)
            .where(pairs.c.id == pair_id, pairs.c.anniversary_mentioned.is_(False))
            .values(anniversary_mentioned=True)
        )
        return marked.rowcount == 1

    async def set_trip(self, pair_id: int, trip: Trip | None) -> None:
        """See :meth:`bot.domain.ports.Pairs.set_trip`."""
        await self._conn.execute(
            update(pairs)
            .where(pairs.c.id == pair_id)
            .values(
                trip_start=None if trip is None else trip.start,
                trip_end=None if trip is None else trip.end,
            )
        )

    async def set_deeper(self, pair_id: int, user_id: int, yes: bool) -> None:
        """See :meth:`bot.domain.ports.Pairs.set_deeper`."""
        for column, member in (("deeper_a", pairs.c.user_a), ("deeper_b", pairs.c.user_b)):
            await self._conn.execute(
                update(pairs).where(pairs.c.id == pair_id, member == user_id).values({column: yes})
            )

    async def mark_slot(self, pair_id: int, lane: Lane, day: date) -> None:
        """See :meth:`bot.domain.ports.Pairs.mark_slot`."""
        column = "last_weekly_date" if lane is Lane.WEEKLY else "last_round_date"
        await self._conn.execute(update(pairs).where(pairs.c.id == pair_id).values({column: day}))

    async def mark_slots(self, lane: Lane, days: Mapping[int, date]) -> None:
        """See :meth:`bot.domain.ports.Pairs.mark_slots` (one executemany)."""
        if days:
            rows = [{"pair": pair_id, "day": day} for pair_id, day in days.items()]
            await self._conn.execute(_MARK_SLOTS[lane], rows)

    async def park_followup(self, pair_id: int, offer_id: int) -> None:
        """See :meth:`bot.domain.ports.Pairs.park_followup`."""
        await self._conn.execute(
            update(pairs).where(pairs.c.id == pair_id).values(followup_offer_id=offer_id)
        )

    async def take_followup(self, pair_id: int, offer_id: int) -> None:
        """See :meth:`bot.domain.ports.Pairs.take_followup`."""
        await self._conn.execute(
            update(pairs)
            .where(pairs.c.id == pair_id, pairs.c.followup_offer_id == offer_id)
            .values(followup_offer_id=None)
        )

    async def end(self, pair_id: int, now: datetime) -> bool:
        """See :meth:`bot.domain.ports.Pairs.end`: a conditional update on ``status``."""
        ended = await self._conn.execute(
            update(pairs)
            .where(pairs.c.id == pair_id, pairs.c.status == PairStatus.ACTIVE.value)
            .values(status=PairStatus.ENDED.value, ended_at=now)
        )
        return ended.rowcount == 1

    async def reopen(
        self,
        pair_id: int,
        *,
        user_a: int,
        user_b: int,
        timezone: str,
        frequency: Frequency,
        time_of_day: time,
        now: datetime,
    ) -> Pair | None:
        """See :meth:`bot.domain.ports.Pairs.reopen`: a conditional update on ``status``."""
        reopened = await self._conn.execute(
            update(pairs)
            .where(pairs.c.id == pair_id, pairs.c.status == PairStatus.ENDED.value)
            .values(
                user_a=user_a,
                user_b=user_b,
                status=PairStatus.ACTIVE.value,
                timezone=timezone,
                frequency=frequency.value,
                weekday=0,
                time_of_day=stored_time(time_of_day),
                paused=False,
                weekly_weekday=None,
                weekly_time=None,
                followup_offer_id=None,
                ended_at=None,
                # Each partner's /deeper yes is asked again: a private choice is never
                # carried into a new start (and the members' order may have swapped).
                deeper_a=False,
                deeper_b=False,
                # Nothing proposed or noted before the pair ended carries over.
                proposal=None,
                proposal_by=None,
                proposal_seq=pairs.c.proposal_seq + 1,
                notice_by=None,
                notice_from=None,
            )
        )
        if reopened.rowcount != 1:
            return None
        return await self._fetch(pair_id)

    async def between(self, user_id: int, other_id: int) -> Pair | None:
        """See :meth:`bot.domain.ports.Pairs.between`."""
        row = (
            await self._conn.execute(
                select(pairs)
                .where(
                    or_(
                        and_(pairs.c.user_a == user_id, pairs.c.user_b == other_id),
                        and_(pairs.c.user_a == other_id, pairs.c.user_b == user_id),
                    )
                )
                .order_by(pairs.c.id.desc())
                .limit(1)
            )
        ).first()
        return None if row is None else pair_record(row)

    async def of_member(self, user_id: int) -> list[Pair]:
        """See :meth:`bot.domain.ports.Pairs.of_member`."""
        rows = await self._conn.execute(
            select(pairs)
            .where(or_(pairs.c.user_a == user_id, pairs.c.user_b == user_id))
            .order_by(pairs.c.id.desc())
        )
        return [pair_record(r) for r in rows]

    async def set_retention(self, pair_id: int, retention: Retention) -> Pair:
        """See :meth:`bot.domain.ports.Pairs.set_retention`."""
        await self._conn.execute(
            update(pairs)
            .where(pairs.c.id == pair_id)
            .values(retention=retention.value, retention_proposal=None, retention_proposed_by=None)
        )
        return await self._fetch(pair_id)

    async def propose_retention(self, pair_id: int, retention: Retention, by: int) -> Pair:
        """See :meth:`bot.domain.ports.Pairs.propose_retention`."""
        await self._conn.execute(
            update(pairs)
            .where(pairs.c.id == pair_id)
            .values(retention_proposal=retention.value, retention_proposed_by=by)
        )
        return await self._fetch(pair_id)

    async def settle_proposal(
        self, pair_id: int, retention: Retention, proposer: int, accept: bool
    ) -> bool:
        """See :meth:`bot.domain.ports.Pairs.settle_proposal`: a conditional update on the
        proposal."""
        values: dict[str, object] = {"retention_proposal": None, "retention_proposed_by": None}
        if accept:
            values["retention"] = retention.value
        settled = await self._conn.execute(
            update(pairs)
            .where(
                pairs.c.id == pair_id,
                pairs.c.retention_proposal == retention.value,
                pairs.c.retention_proposed_by == proposer,
            )
            .values(**values)
        )
        return settled.rowcount == 1

    async def propose_schedule(self, pair_id: int, change: str, by: int) -> int:
        """See :meth:`bot.domain.ports.Pairs.propose_schedule`."""
        await self._conn.execute(
            update(pairs)
            .where(pairs.c.id == pair_id)
            .values(proposal=change, proposal_by=by, proposal_seq=pairs.c.proposal_seq + 1)
        )
        return (await self._fetch(pair_id)).proposal_seq

    async def drop_schedule_proposal(self, pair_id: int) -> None:
        """See :meth:`bot.domain.ports.Pairs.drop_schedule_proposal`."""
        await self._conn.execute(
            update(pairs)
            .where(pairs.c.id == pair_id, pairs.c.proposal.is_not(None))
            .values(proposal=None, proposal_by=None, proposal_seq=pairs.c.proposal_seq + 1)
        )

    async def settle_schedule_proposal(self, pair_id: int, seq: int, proposer: int) -> str | None:
        """See :meth:`bot.domain.ports.Pairs.settle_schedule_proposal`: a conditional update
        on the proposal's counter, proposer and presence."""
        waiting = (
            pairs.c.id == pair_id,
            pairs.c.proposal_seq == seq,
            pairs.c.proposal_by == proposer,
            pairs.c.proposal.is_not(None),
        )
        change = (await self._conn.execute(select(pairs.c.proposal).where(*waiting))).scalar()
        if change is None:
            return None
        settled = await self._conn.execute(
            update(pairs).where(*waiting).values(proposal=None, proposal_by=None)
        )
        return str(change) if settled.rowcount == 1 else None

    async def hold_notice(self, pair_id: int, by: int, before: str) -> bool:
        """See :meth:`bot.domain.ports.Pairs.hold_notice`: a conditional update on
        ``notice_by``."""
        held = await self._conn.execute(
            update(pairs)
            .where(pairs.c.id == pair_id, pairs.c.notice_by.is_(None))
            .values(notice_by=by, notice_from=before)
        )
        return held.rowcount == 1

    async def take_notice(self, pair_id: int, by: int) -> str | None:
        """See :meth:`bot.domain.ports.Pairs.take_notice`: a conditional update on
        ``notice_by``."""
        held = (pairs.c.id == pair_id, pairs.c.notice_by == by)
        before = (await self._conn.execute(select(pairs.c.notice_from).where(*held))).scalar()
        if before is None:
            return None
        taken = await self._conn.execute(
            update(pairs).where(*held).values(notice_by=None, notice_from=None)
        )
        return str(before) if taken.rowcount == 1 else None

    async def ended_since(self, user_id: int, since: datetime) -> Pair | None:
        """See :meth:`bot.domain.ports.Pairs.ended_since`."""
        row = (
            await self._conn.execute(
                select(pairs)
                .where(
                    or_(pairs.c.user_a == user_id, pairs.c.user_b == user_id),
                    pairs.c.status == PairStatus.ENDED.value,
                    pairs.c.ended_at >= since,
                )
                .order_by(pairs.c.ended_at.desc())
            )
        ).first()
        return None if row is None else pair_record(row)

    async def ids_with_member(self, user_id: int) -> list[int]:
        """See :meth:`bot.domain.ports.Pairs.ids_with_member`."""
        rows = await self._conn.execute(
            select(pairs.c.id).where(or_(pairs.c.user_a == user_id, pairs.c.user_b == user_id))
        )
        return [int(pair_id) for pair_id in rows.scalars()]

    async def forget_member(self, user_id: int) -> None:
        """See :meth:`bot.domain.ports.Pairs.forget_member`."""
        await self._conn.execute(
            update(pairs).where(pairs.c.user_a == user_id).values(user_a=None, deeper_a=False)
        )
        await self._conn.execute(
            update(pairs).where(pairs.c.user_b == user_id).values(user_b=None, deeper_b=False)
        )
