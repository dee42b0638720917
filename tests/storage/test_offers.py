"""Contract of the Offers port: one open offer per pair, picks private per user, status moves
decided once."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from bot.domain.model import NOT_NOW, OfferStatus
from bot.domain.ports import Transactions
from content.schema import Dimension, Trigger
from tests.storage.conftest import NOW, seed_pair


async def _offer(
    db: Transactions,
    pair_id: int,
    options: tuple[str, ...] = ("a", "b"),
    now: datetime = NOW,
    trigger: Trigger = Trigger.MISMATCH,
) -> int:
    async with db.write() as tx:
        return await tx.offers.create(
            pair_id=pair_id,
            round_id=None,  # type: ignore[arg-type]
            trigger=trigger,
            dimension=Dimension.TRUST,
            options=list(options),
            now=now,
        )


async def test_a_new_offer_cancels_the_open_one_and_counts_options(db: Transactions) -> None:
    pair = await seed_pair(db)
    first = await _offer(db, pair.id)
    second = await _offer(db, pair.id)
    async with db.read() as tx:
        old = await tx.offers.get(first)
        current = await tx.offers.open_of(pair.id)
        history = await tx.offers.offer_history(pair.id, NOW)
    assert old is not None and old.status is OfferStatus.CANCELLED
    assert current is not None and current.id == second and current.options == ("a", "b")
    assert history == {"a": (2, NOW), "b": (2, NOW)}


async def test_offer_history_counts_each_exercise_and_its_newest_offer_in_utc(
    db: Transactions,
) -> None:
    pair = await seed_pair(db)
    other = (await seed_pair(db, 3001, 3002)).id
    later = NOW + timedelta(days=3)
    await _offer(db, pair.id, ("a", "b", "c"), NOW)
    await _offer(db, pair.id, ("c", "d"), later, Trigger.SHARED_CONCERN)
    await _offer(db, pair.id, ("e", "f"), later, Trigger.IMBALANCE)
    await _offer(db, other, ("a",), later + timedelta(days=1))
    async with db.read() as tx:
        history = await tx.offers.offer_history(pair.id, NOW)
        recent = await tx.offers.offer_history(pair.id, later)
        offer = await tx.offers.open_of(pair.id)
    assert history == {
        "a": (1, NOW),
        "b": (1, NOW),
        "c": (2, later),
        "d": (1, later),
        "e": (1, later),
        "f": (1, later),
    }
    assert recent == {"c": (1, later), "d": (1, later), "e": (1, later), "f": (1, later)}
    assert all(
        at.tzinfo is not None and at.utcoffset() == timedelta(0) for _, at in history.values()
    )
    assert offer is not None and offer.trigger is Trigger.IMBALANCE
    async with db.read() as tx:
        cancelled = await tx.offers.get(offer.id - 1)
    # The shared concern keeps its stored value, so offers written before it read back.
    assert cancelled is not None and cancelled.trigger is Trigger.BOTH_LOW


async def test_picks_are_per_user_and_replaced(db: Transactions) -> None:
    pair = await seed_pair(db)
    offer = await _offer(db, pair.id)
    async with db.write() as tx:
        assert await tx.offers.hold_if_open(offer)
        assert await tx.offers.save_pick(offer, 1001, "a", NOW)
        assert not await tx.offers.save_pick(offer, 1001, NOT_NOW, NOW)
        assert await tx.offers.picks(offer) == {1001: NOT_NOW}
        await tx.offers.delete_picks_of(1001)
        assert await tx.offers.picks(offer) == {}


async def test_a_status_move_has_one_winner_and_a_closed_offer_is_not_held(
    db: Transactions,
) -> None:
    pair = await seed_pair(db)
    offer = await _offer(db, pair.id)

    async def move(to: OfferStatus, chosen: str | None) -> bool:
        async with db.write() as tx:
            return await tx.offers.move(offer, OfferStatus.OPEN, to, chosen, NOW)

    results = await asyncio.gather(move(OfferStatus.AGREED, "a"), move(OfferStatus.DIFFERED, None))
    assert sorted(results) == [False, True]
    async with db.write() as tx:
        assert not await tx.offers.hold_if_open(offer)
        await tx.offers.set_reminder(offer, NOW)
        stored = await tx.offers.get(offer)
    assert stored is not None and stored.remind_at == NOW


async def test_prune_removes_settled_offers_and_their_picks_only(db: Transactions) -> None:
    pair = await seed_pair(db)
    cancelled = await _offer(db, pair.id)
    agreed = await _offer(db, pair.id)  # cancels the first
    async with db.write() as tx:
        await tx.offers.save_pick(cancelled, 1001, "a", NOW)
        await tx.offers.save_pick(agreed, 1001, "a", NOW)
        assert await tx.offers.move(agreed, OfferStatus.OPEN, OfferStatus.AGREED, "a", NOW)
        opened = await tx.offers.create(
            pair_id=pair.id,
            round_id=None,  # type: ignore[arg-type]
            trigger=Trigger.MISMATCH,
            dimension=Dimension.TRUST,
            options=["a"],
            now=NOW,
        )
    async with db.write() as tx:
        assert await tx.offers.prune(pair.id, NOW) == 0  # settled at NOW: not before it
        assert await tx.offers.prune(pair.id, NOW + timedelta(seconds=1)) == 1
        assert await tx.offers.get(cancelled) is None
        assert await tx.offers.picks(cancelled) == {}
        assert await tx.offers.get(agreed) is not None and await tx.offers.get(opened) is not None
        assert await tx.offers.picks(agreed) == {1001: "a"}
