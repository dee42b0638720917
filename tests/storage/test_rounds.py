"""Contract of the Rounds and Answers ports: the reveal and the answer hold are decided once,
and the read views see only what they promise."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.domain.model import Answer, Origin, Pair, Round, RoundKind, RoundStatus
from bot.domain.ports import Transactions
from content.schema import Dimension, Trigger
from tests.storage.conftest import NOW, seed_pair


async def _open(db: Transactions, pair: Pair, *, origin: Origin = Origin.SCHEDULED) -> Round:
    async with db.write() as tx:
        return await tx.rounds.create(
            pair_id=pair.id,
            origin=origin,
            kind=RoundKind.LIGHT,
            opened_at=NOW,
            expires_at=NOW + timedelta(days=1),
            question_ids=["q-one", "q-two"],
        )


async def test_a_round_and_its_questions_round_trip(db: Transactions) -> None:
    pair = await seed_pair(db)
    created = await _open(db, pair)
    async with db.read() as tx:
        stored = await tx.rounds.get(created.id)
        asked = await tx.rounds.asked(created.id)
        open_ = await tx.rounds.open_of(pair.id)
        history = await tx.rounds.question_history_of([pair.id])
    counts = {q: n for q, (n, _) in history[pair.id].items()}
    assert stored == created and stored.status is RoundStatus.OPEN
    assert [(a.position, a.question_id) for a in asked] == [(0, "q-one"), (1, "q-two")]
    assert open_ == [created] and counts == {"q-one": 1, "q-two": 1}


async def test_close_if_open_has_exactly_one_winner(db: Transactions) -> None:
    pair = await seed_pair(db)
    round_ = await _open(db, pair)

    async def close(status: RoundStatus) -> Round | None:
        async with db.write() as tx:
            return await tx.rounds.close_if_open(round_.id, status, NOW)

    results = await asyncio.gather(
        close(RoundStatus.REVEALED), close(RoundStatus.EXPIRED), close(RoundStatus.REVEALED)
    )
    winners = [r for r in results if r is not None]
    assert len(winners) == 1 and winners[0].closed_at == NOW
    async with db.read() as tx:
        stored = await tx.rounds.get(round_.id)
    assert stored is not None and stored.status is winners[0].status


async def test_the_answer_hold_refuses_after_the_closing_time_or_once_closed(
    db: Transactions,
) -> None:
    pair = await seed_pair(db)
    round_ = await _open(db, pair)
    async with db.write() as tx:
        assert await tx.rounds.hold_if_answerable(round_.id, NOW)
        assert not await tx.rounds.hold_if_answerable(round_.id, NOW + timedelta(days=2))
        await tx.rounds.close_if_open(round_.id, RoundStatus.REVEALED, NOW)
        assert not await tx.rounds.hold_if_answerable(round_.id, NOW)


async def test_answers_are_replaced_not_duplicated(db: Transactions) -> None:
    pair = await seed_pair(db)
    round_ = await _open(db, pair)
    async with db.write() as tx:
        assert await tx.answers.save(Answer(round_.id, 0, 1001, "4", False), NOW)
        assert not await tx.answers.save(Answer(round_.id, 0, 1001, None, True), NOW)
        assert await tx.answers.save(Answer(round_.id, 1, 1001, "free text", False), NOW)
        assert await tx.answers.positions(round_.id, 1001) == {0, 1}
        assert await tx.answers.positions(round_.id, 1002) == set()
        assert await tx.answers.positions_by_member(round_.id) == {1001: {0, 1}}
        assert await tx.answers.positions_by_member(round_.id + 1) == {}
        given = sorted(await tx.answers.of_round(round_.id), key=lambda a: a.position)
        assert given == [
            Answer(round_.id, 0, 1001, None, True),
            Answer(round_.id, 1, 1001, "free text", False),
        ]
        await tx.answers.delete_for_user(1001)
        assert await tx.answers.of_round(round_.id) == []


async def test_views_of_revealed_rounds_count_and_page_newest_first(db: Transactions) -> None:
    pair = await seed_pair(db)
    ids = []
    for day in range(4):
        async with db.write() as tx:
            created = await tx.rounds.create(
                pair_id=pair.id,
                origin=Origin.CHECKIN,
                kind=RoundKind.FOLLOWUP if day == 3 else RoundKind.LIGHT,
                opened_at=NOW + timedelta(days=day),
                expires_at=NOW + timedelta(days=day + 1),
                question_ids=["q"],
            )
            status = RoundStatus.EXPIRED if day == 1 else RoundStatus.REVEALED
            await tx.rounds.close_if_open(created.id, status, NOW + timedelta(days=day, hours=1))
            ids.append(created.id)
    async with db.read() as tx:
        assert await tx.rounds.revealed_count([pair.id]) == 3
        assert await tx.rounds.revealed_count([pair.id + 1]) == 0
        assert await tx.rounds.revealed_count([]) == 0
        page = await tx.rounds.revealed_page([pair.id], 0, 2)
        assert [r.id for r in page] == [ids[3], ids[2]]
        assert await tx.rounds.revealed_page([], 0, 2) == []
        assert await tx.rounds.revealed_window(pair.id, NOW) == [ids[0], ids[2]]  # no follow-up
        assert await tx.rounds.revealed_before(pair.id, ids[3], 12) == [ids[2], ids[0]]
        statuses = await tx.rounds.closed_statuses(pair.id, 10)
        assert statuses == [RoundStatus.REVEALED, RoundStatus.EXPIRED, RoundStatus.REVEALED]
        assert await tx.rounds.revealed_since(pair.id, NOW + timedelta(days=2)) == [ids[2], ids[3]]
        assert await tx.rounds.checkins_since(pair.id, NOW + timedelta(days=2)) == 2


async def test_cancel_open_cancels_only_open_rounds(db: Transactions) -> None:
    pair = await seed_pair(db)
    first = await _open(db, pair)
    second = await _open(db, pair)
    async with db.write() as tx:
        await tx.rounds.close_if_open(first.id, RoundStatus.REVEALED, NOW)
        assert await tx.rounds.cancel_open(pair.id, NOW) == [second.id]
        assert await tx.rounds.open_of(pair.id) == []
        first_now = await tx.rounds.get(first.id)
    assert first_now is not None and first_now.status is RoundStatus.REVEALED


async def test_program_rounds_are_the_cohorts_of_that_week(db: Transactions) -> None:
    pair = await seed_pair(db)
    async with db.write() as tx:
        for cohort, week in ((1, 0), (1, 0), (1, 1), (2, 0)):
            await tx.rounds.create(
                pair_id=pair.id,
                origin=Origin.PROGRAM,
                kind=RoundKind.LIGHT,
                opened_at=NOW,
                expires_at=NOW + timedelta(days=1),
                question_ids=["q"],
                cohort_id=cohort,
                cohort_week=week,
            )
        assert len(await tx.rounds.program_rounds(pair.id, 1, 0)) == 2
        assert len(await tx.rounds.program_rounds(pair.id, 2, 0)) == 1


async def test_prune_removes_closed_rounds_before_the_cutoff_with_their_answers(
    db: Transactions,
) -> None:
    pair = await seed_pair(db)
    old, recent, still_open = [await _open(db, pair) for _ in range(3)]
    async with db.write() as tx:
        for round_ in (old, recent, still_open):
            await tx.answers.save(Answer(round_.id, 0, 1001, "3", False), NOW)
        offer = await tx.offers.create(
            pair_id=pair.id,
            round_id=old.id,
            trigger=Trigger.MISMATCH,
            dimension=Dimension.TRUST,
            options=["a"],
            now=NOW,
        )
        await tx.rounds.close_if_open(old.id, RoundStatus.REVEALED, NOW)
        await tx.rounds.close_if_open(recent.id, RoundStatus.EXPIRED, NOW + timedelta(days=2))
    async with db.write() as tx:
        assert await tx.rounds.prune(pair.id, NOW + timedelta(days=1)) == 1
        assert await tx.rounds.prune(pair.id + 1, NOW + timedelta(days=9)) == 0
    async with db.read() as tx:
        assert [r.id for r in await tx.rounds.of_pair(pair.id)] == [recent.id, still_open.id]
        assert await tx.answers.of_round(old.id) == []
        assert await tx.rounds.asked(old.id) == []
        assert [a.round_id for a in await tx.answers.of_user(1001)] == [recent.id, still_open.id]
        kept = await tx.offers.get(offer)
    assert kept is not None and kept.round_id is None  # the offer lets go of the round
    async with db.write() as tx:  # an open round is never removed, however old
        assert await tx.rounds.prune(pair.id, NOW + timedelta(days=30)) == 1
        assert [r.id for r in await tx.rounds.of_pair(pair.id)] == [still_open.id]


async def test_questions_and_answers_of_several_rounds_read_at_once(db: Transactions) -> None:
    """The look-back of the reveal's triggers reads many rounds in two statements: the same
    records as round by round."""
    pair = await seed_pair(db)
    first, second, empty = [await _open(db, pair) for _ in range(3)]
    async with db.write() as tx:
        for round_ in (first, second):
            for user in pair.members:
                await tx.answers.save(Answer(round_.id, 1, user, "3", False), NOW)
        await tx.answers.save(Answer(second.id, 0, pair.members[0], None, True), NOW)
    ids = [first.id, second.id, empty.id]
    async with db.read() as tx:
        asked = await tx.rounds.asked_of(ids)
        given = await tx.answers.of_rounds(ids)
        for i in ids:
            assert asked[i] == await tx.rounds.asked(i)
            key = lambda a: (a.position, a.user_id)  # noqa: E731
            assert sorted(given.get(i, []), key=key) == sorted(
                await tx.answers.of_round(i), key=key
            )
    assert empty.id not in given and len(given[second.id]) == 3
    async with db.read() as tx:
        assert await tx.rounds.asked_of([]) == {} and await tx.answers.of_rounds([]) == {}


async def test_each_members_positions_come_in_one_read(db: Transactions) -> None:
    pair = await seed_pair(db)
    round_ = await _open(db, pair)
    async with db.write() as tx:
        await tx.answers.save(Answer(round_.id, 0, 1001, "4", False), NOW)
        await tx.answers.save(Answer(round_.id, 1, 1002, None, True), NOW)
        await tx.answers.save(Answer(round_.id, 0, 1002, "2", False), NOW)
        assert await tx.answers.positions_by_member(round_.id) == {1001: {0}, 1002: {0, 1}}
