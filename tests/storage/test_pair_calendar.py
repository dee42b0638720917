"""Contract of the Pairs port for a pair's calendar: life-stage packs (a compare-and-set),
the anniversary and its one mention (decide-once), the trip."""

from __future__ import annotations

import asyncio
from datetime import date

from bot.domain.model import Anniversary, Trip
from bot.domain.ports import Transactions
from tests.storage.conftest import NOW, seed_pair


async def test_a_new_pair_has_no_calendar(db: Transactions) -> None:
    pair = await seed_pair(db)
    assert pair.packs == () and pair.anniversary is None and pair.trip is None
    assert not pair.anniversary_mentioned


async def test_packs_change_only_from_what_the_caller_read(db: Transactions) -> None:
    pair = await seed_pair(db)
    async with db.write() as tx:
        assert await tx.pairs.set_packs(pair.id, (), ("moving-in",))
        assert await tx.pairs.set_packs(pair.id, ("moving-in",), ("moving-in", "long-distance"))
        assert not await tx.pairs.set_packs(pair.id, ("moving-in",), ())  # stale read
        stored = await tx.pairs.get(pair.id)
    assert stored is not None and stored.packs == ("moving-in", "long-distance")
    async with db.write() as tx:
        assert await tx.pairs.set_packs(pair.id, stored.packs, ())
        back = await tx.pairs.get(pair.id)
    assert back is not None and back.packs == ()


async def test_two_partners_turning_packs_on_at_once_change_them_once(db: Transactions) -> None:
    pair = await seed_pair(db)

    async def turn_on(pack: str) -> bool:
        async with db.write() as tx:
            read = await tx.pairs.get(pair.id)
            assert read is not None
            return await tx.pairs.set_packs(pair.id, read.packs, (*read.packs, pack))

    results = await asyncio.gather(turn_on("a"), turn_on("b"))
    async with db.write() as tx:
        stored = await tx.pairs.get(pair.id)
    assert stored is not None and any(results)
    # No change is lost unseen: the packs stored are exactly those whose caller was told yes.
    assert sorted(stored.packs) == [p for p, ok in zip("ab", results, strict=True) if ok]


async def test_the_anniversary_round_trips_with_or_without_a_year(db: Transactions) -> None:
    pair = await seed_pair(db)
    for anniversary in (Anniversary(6, 14, 2019), Anniversary(2, 29), None):
        async with db.write() as tx:
            await tx.pairs.set_anniversary(pair.id, anniversary)
            stored = await tx.pairs.get(pair.id)
        assert stored is not None and stored.anniversary == anniversary


async def test_the_anniversary_is_mentioned_once_in_a_pairs_life(db: Transactions) -> None:
    pair = await seed_pair(db)

    async def mention() -> bool:
        async with db.write() as tx:
            return await tx.pairs.mention_anniversary(pair.id)

    assert sorted(await asyncio.gather(mention(), mention())) == [False, True]
    assert not await mention()
    async with db.write() as tx:
        stored = await tx.pairs.get(pair.id)
    assert stored is not None and stored.anniversary_mentioned


async def test_one_trip_at_a_time(db: Transactions) -> None:
    pair = await seed_pair(db)
    first = Trip(date(2026, 5, 3), date(2026, 5, 10))
    second = Trip(date(2026, 6, 1), date(2026, 6, 1))
    for trip in (first, second, None):
        async with db.write() as tx:
            await tx.pairs.set_trip(pair.id, trip)
            stored = await tx.pairs.get(pair.id)
        assert stored is not None and stored.trip == trip
    assert NOW.date() < first.start
