"""Contract of the Reactions port (issue 12): one reaction per partner per round, decided
once also when presses race; read by round; removed with the user's data and with the round
(retention's prune)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.domain.model import Origin, Pair, Round, RoundKind, RoundStatus
from bot.domain.ports import Transactions
from tests.storage.conftest import NOW, seed_pair


async def _revealed(db: Transactions, pair: Pair) -> Round:
    async with db.write() as tx:
        round_ = await tx.rounds.create(
            pair_id=pair.id,
            origin=Origin.CHECKIN,
            kind=RoundKind.LIGHT,
            opened_at=NOW,
            expires_at=NOW + timedelta(days=1),
            question_ids=["q-one"],
        )
        closed = await tx.rounds.close_if_open(round_.id, RoundStatus.REVEALED, NOW)
    assert closed is not None
    return closed


async def test_one_reaction_per_partner_per_round(db: Transactions) -> None:
    pair = await seed_pair(db)
    first, second = await _revealed(db, pair), await _revealed(db, pair)
    async with db.write() as tx:
        assert await tx.reactions.add(first.id, 1001, "thanks", NOW)
        assert not await tx.reactions.add(first.id, 1001, "thanks", NOW)  # the same again
        assert not await tx.reactions.add(first.id, 1001, "talk", NOW)  # another one
        assert await tx.reactions.add(first.id, 1002, "smile", NOW)
        assert await tx.reactions.add(second.id, 1001, "talk", NOW)
    async with db.read() as tx:
        found = await tx.reactions.of_rounds([first.id, second.id, 999_999])
        assert await tx.reactions.of_rounds([]) == {}
    assert found == {first.id: {1001: "thanks", 1002: "smile"}, second.id: {1001: "talk"}}


async def test_racing_presses_store_one(db: Transactions) -> None:
    pair = await seed_pair(db)
    round_ = await _revealed(db, pair)

    async def press(reaction: str) -> bool:
        async with db.write() as tx:
            return await tx.reactions.add(round_.id, 1001, reaction, NOW)

    results = await asyncio.gather(press("thanks"), press("talk"), press("smile"))
    assert results.count(True) == 1
    async with db.read() as tx:
        stored = (await tx.reactions.of_rounds([round_.id]))[round_.id]
    assert stored == {1001: ["thanks", "talk", "smile"][results.index(True)]}


async def test_gone_with_the_users_data_and_with_the_round(db: Transactions) -> None:
    pair = await seed_pair(db)
    old, kept = await _revealed(db, pair), await _revealed(db, pair)
    async with db.write() as tx:
        for round_ in (old, kept):
            await tx.reactions.add(round_.id, 1001, "thanks", NOW)
            await tx.reactions.add(round_.id, 1002, "talk", NOW)
        await tx.reactions.delete_for_user(1002)
    async with db.read() as tx:
        assert await tx.reactions.of_rounds([old.id, kept.id]) == {
            old.id: {1001: "thanks"},
            kept.id: {1001: "thanks"},
        }
    async with db.write() as tx:
        # The retention sweep: both rounds closed at NOW; the cutoff takes them both, then a
        # new round's reaction is untouched by a prune before it closed.
        assert await tx.rounds.prune(pair.id, NOW + timedelta(seconds=1)) == 2
    newer = await _revealed(db, pair)
    async with db.write() as tx:
        await tx.reactions.add(newer.id, 1001, "smile", NOW)
        assert await tx.rounds.prune(pair.id, NOW) == 0
    async with db.read() as tx:
        assert await tx.reactions.of_rounds([old.id, kept.id, newer.id]) == {
            newer.id: {1001: "smile"}
        }
