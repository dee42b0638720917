"""Exercise offers and picks (implements :class:`bot.domain.ports.Offers`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.model import Offer, OfferStatus
from bot.storage.tables import exercise_offers, exercise_picks
from content.schema import Dimension, Trigger

_OPEN = OfferStatus.OPEN.value
#: Offers nothing waits on any more: retention may remove them.
_SETTLED = (
    OfferStatus.FOLLOWED,
    OfferStatus.DIFFERED,
    OfferStatus.DECLINED,
    OfferStatus.CANCELLED,
)


def offer_record(row: Any) -> Offer:
    """An ``exercise_offers`` row as an :class:`Offer`."""
    return Offer(
        id=int(row.id),
        pair_id=int(row.pair_id),
        round_id=row.round_id,
        trigger=Trigger(row.trigger),
        dimension=Dimension(row.dimension),
        options=tuple(o for o in str(row.options).split(",") if o),
        status=OfferStatus(row.status),
        chosen=row.chosen,
        remind_at=row.remind_at,
    )


class SqlOffers:
    """Offers over one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, offer_id: int) -> Offer | None:
        """See :meth:`bot.domain.ports.Offers.get`."""
        row = (
            await self._conn.execute(
                select(exercise_offers).where(exercise_offers.c.id == offer_id)
            )
        ).first()
        return None if row is None else offer_record(row)

    async def open_of(self, pair_id: int) -> Offer | None:
        """See :meth:`bot.domain.ports.Offers.open_of`."""
        row = (
            await self._conn.execute(
                select(exercise_offers).where(
                    exercise_offers.c.pair_id == pair_id, exercise_offers.c.status == _OPEN
                )
            )
        ).first()
        return None if row is None else offer_record(row)

    async def create(
        self,
        *,
        pair_id: int,
        round_id: int,
        trigger: Trigger,
        dimension: Dimension,
        options: Sequence[str],
        now: datetime,
    ) -> int:
        """See :meth:`bot.domain.ports.Offers.create`."""
        await self._conn.execute(
            update(exercise_offers)
            .where(exercise_offers.c.pair_id == pair_id, exercise_offers.c.status == _OPEN)
            .values(status=OfferStatus.CANCELLED.value, closed_at=now)
        )
        offer_id = (
            await self._conn.execute(
                insert(exercise_offers)
                .values(
                    pair_id=pair_id,
                    round_id=round_id,
                    trigger=trigger.value,
                    dimension=dimension.value,
                    options=",".join(options),
                    status=_OPEN,
                    created_at=now,
                )
                .returning(exercise_offers.c.id)
            )
        ).scalar_one()
        return int(offer_id)

    async def offer_history(self, pair_id: int, since: datetime) -> dict[str, tuple[int, datetime]]:
        """See :meth:`bot.domain.ports.Offers.offer_history`."""
        counts: Counter[str] = Counter()
        last: dict[str, datetime] = {}
        rows = await self._conn.execute(
            select(exercise_offers.c.options, exercise_offers.c.created_at).where(
                exercise_offers.c.pair_id == pair_id, exercise_offers.c.created_at >= since
            )
        )
        for options, created_at in rows:
            for exercise_id in (o for o in str(options).split(",") if o):
                counts[exercise_id] += 1
                if exercise_id not in last or created_at > last[exercise_id]:
                    last[exercise_id] = created_at
        return {e: (n, last[e]) for e, n in counts.items()}

    async def mismatches_since_of(
        self, pair_ids: Collection[int], since: datetime
    ) -> dict[int, list[tuple[Dimension, datetime]]]:
        """See :meth:`bot.domain.ports.Offers.mismatches_since_of`."""
        found: dict[int, list[tuple[Dimension, datetime]]] = {}
        if not pair_ids:
            return found
        rows = await self._conn.execute(
            select(
                exercise_offers.c.pair_id, exercise_offers.c.dimension, exercise_offers.c.created_at
            )
            .where(
                exercise_offers.c.pair_id.in_(list(pair_ids)),
                exercise_offers.c.created_at >= since,
                exercise_offers.c.trigger.in_([Trigger.MISMATCH.value, Trigger.REPEATED.value]),
            )
            .order_by(exercise_offers.c.created_at, exercise_offers.c.id)
        )
        for pair_id, dimension, at in rows:
            found.setdefault(int(pair_id), []).append((Dimension(dimension), at))
        return found

    async def hold_if_open(self, offer_id: int) -> bool:
        """See :meth:`bot.domain.ports.Offers.hold_if_open`: a no-op update that takes the
        row lock where the offer is open."""
        held = await self._conn.execute(
            update(exercise_offers)
            .where(exercise_offers.c.id == offer_id, exercise_offers.c.status == _OPEN)
            .values(status=_OPEN)
        )
        return held.rowcount == 1

    async def move(
        self, offer_id: int, was: OfferStatus, to: OfferStatus, chosen: str | None, now: datetime
    ) -> bool:
        """See :meth:`bot.domain.ports.Offers.move`: a conditional update on ``status``."""
        won = await self._conn.execute(
            update(exercise_offers)
            .where(exercise_offers.c.id == offer_id, exercise_offers.c.status == was.value)
            .values(status=to.value, chosen=chosen, closed_at=now)
        )
        return won.rowcount == 1

    async def set_reminder(self, offer_id: int, at: datetime | None) -> None:
        """See :meth:`bot.domain.ports.Offers.set_reminder`."""
        await self._conn.execute(
            update(exercise_offers).where(exercise_offers.c.id == offer_id).values(remind_at=at)
        )

    async def picks(self, offer_id: int) -> dict[int, str]:
        """See :meth:`bot.domain.ports.Offers.picks`."""
        rows = await self._conn.execute(
            select(exercise_picks.c.user_id, exercise_picks.c.pick).where(
                exercise_picks.c.offer_id == offer_id
            )
        )
        return {int(u): str(p) for u, p in rows}

    async def save_pick(self, offer_id: int, user_id: int, pick: str, now: datetime) -> bool:
        """See :meth:`bot.domain.ports.Offers.save_pick`."""
        changed = await self._conn.execute(
            update(exercise_picks)
            .where(exercise_picks.c.offer_id == offer_id, exercise_picks.c.user_id == user_id)
            .values(pick=pick, picked_at=now)
        )
        if changed.rowcount == 1:
            return False
        await self._conn.execute(
            insert(exercise_picks).values(
                offer_id=offer_id, user_id=user_id, pick=pick, picked_at=now
            )
        )
        return True

    async def delete_picks_of(self, user_id: int) -> None:
        """See :meth:`bot.domain.ports.Offers.delete_picks_of`."""
        await self._conn.execute(delete(exercise_picks).where(exercise_picks.c.user_id == user_id))

    async def prune(self, pair_id: int, before: datetime) -> int:
        """See :meth:`bot.domain.ports.Offers.prune`."""
        settled = [s.value for s in _SETTLED]
        ids = [
            int(i)
            for i in (
                await self._conn.execute(
                    select(exercise_offers.c.id).where(
                        exercise_offers.c.pair_id == pair_id,
                        exercise_offers.c.status.in_(settled),
                        exercise_offers.c.closed_at < before,
                    )
                )
            ).scalars()
        ]
        if ids:
            await self._conn.execute(
                delete(exercise_picks).where(exercise_picks.c.offer_id.in_(ids))
            )
            await self._conn.execute(delete(exercise_offers).where(exercise_offers.c.id.in_(ids)))
        return len(ids)
