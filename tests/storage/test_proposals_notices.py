"""Contract of the Pairs port for schedule proposals and held change notices (issue 12):
decide-once settling, replacing, and taking held notices once, on every backend."""

from __future__ import annotations

import asyncio

from bot.domain.ports import Transactions
from tests.storage.conftest import seed_pair


async def test_a_schedule_proposal_is_settled_once(db: Transactions) -> None:
    pair = await seed_pair(db)
    assert (pair.proposal, pair.proposal_by, pair.proposal_seq) == (None, None, 0)
    async with db.write() as tx:
        seq = await tx.pairs.propose_schedule(pair.id, "t=02:00", 1001)
        waiting = await tx.pairs.get(pair.id)
        assert waiting is not None
        assert (waiting.proposal, waiting.proposal_by, waiting.proposal_seq) == (
            "t=02:00",
            1001,
            seq,
        )
        # Another number or another proposer is not the one waiting.
        assert await tx.pairs.settle_schedule_proposal(pair.id, seq + 1, 1001) is None
        assert await tx.pairs.settle_schedule_proposal(pair.id, seq, 1002) is None

    async def settle() -> str | None:
        async with db.write() as tx:
            return await tx.pairs.settle_schedule_proposal(pair.id, seq, 1001)

    results = await asyncio.gather(settle(), settle(), settle())
    assert sorted(results, key=str) == [None, None, "t=02:00"]
    async with db.read() as tx:
        settled = await tx.pairs.get(pair.id)
        assert settled is not None and settled.proposal is None
        assert settled.proposal_seq == seq  # answered, not replaced


async def test_a_newer_proposal_or_a_direct_change_replaces_the_waiting_one(
    db: Transactions,
) -> None:
    pair = await seed_pair(db)
    async with db.write() as tx:
        first = await tx.pairs.propose_schedule(pair.id, "t=02:00", 1001)
        second = await tx.pairs.propose_schedule(pair.id, "t=03:00", 1001)
        assert second == first + 1
        assert await tx.pairs.settle_schedule_proposal(pair.id, first, 1001) is None
        await tx.pairs.drop_schedule_proposal(pair.id)
        dropped = await tx.pairs.get(pair.id)
        assert dropped is not None and dropped.proposal is None
        assert dropped.proposal_seq == second + 1
        assert await tx.pairs.settle_schedule_proposal(pair.id, second, 1001) is None
        await tx.pairs.drop_schedule_proposal(pair.id)  # nothing waiting: nothing moves
        again = await tx.pairs.get(pair.id)
        assert again is not None and again.proposal_seq == second + 1


async def test_held_notices_are_held_by_one_and_taken_once(db: Transactions) -> None:
    pair = await seed_pair(db)
    async with db.write() as tx:
        assert await tx.pairs.hold_notice(pair.id, 1001, "before-1")
        assert not await tx.pairs.hold_notice(pair.id, 1001, "later")  # the first stays
        assert not await tx.pairs.hold_notice(pair.id, 1002, "other")
        held = await tx.pairs.get(pair.id)
        assert held is not None and (held.notice_by, held.notice_from) == (1001, "before-1")
        assert await tx.pairs.take_notice(pair.id, 1002) is None

    async def take() -> str | None:
        async with db.write() as tx:
            return await tx.pairs.take_notice(pair.id, 1001)

    results = await asyncio.gather(take(), take())
    assert sorted(results, key=str) == [None, "before-1"]
    async with db.write() as tx:
        taken = await tx.pairs.get(pair.id)
        assert taken is not None and taken.notice_by is None and taken.notice_from is None
        assert await tx.pairs.hold_notice(pair.id, 1002, "before-2")
