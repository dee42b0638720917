"""Contract of the ports' batch methods a wave opens with (issue 10): each gives what the
method it batches gives, one call per pair, for several pairs at once."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.messages import Button, Message
from bot.domain.model import Lane, NewRound, Origin, RoundKind
from bot.domain.ports import Transactions
from bot.domain.sending import acting, bulk_until
from bot.domain.subjects import DueKind, MemberSubject, PairSubject, RoundSubject
from bot.storage.outbox import SqlOutboxQueue
from bot.storage.queues import SqlDueWorkStore
from tests.storage.conftest import NOW, seed_pair
from tests.storage.test_cohorts import _cohort

LEASE = timedelta(seconds=60)


def _new(pair_id: int, *questions: str, hours: int = 24) -> NewRound:
    return NewRound(
        pair_id=pair_id,
        origin=Origin.SCHEDULED,
        kind=RoundKind.LIGHT,
        opened_at=NOW,
        expires_at=NOW + timedelta(hours=hours),
        question_ids=questions,
    )


async def test_rounds_created_together_read_back_as_one_by_one(db: Transactions) -> None:
    one = await seed_pair(db, 1001, 1002)
    two = await seed_pair(db, 1003, 1004)
    three = await seed_pair(db, 1005, 1006)
    async with db.write() as tx:
        created = await tx.rounds.create_many(
            [_new(two.id, "q-a"), _new(one.id, "q-a", "q-b", hours=2)]
        )
        single = await tx.rounds.create(
            pair_id=three.id,
            origin=Origin.SCHEDULED,
            kind=RoundKind.LIGHT,
            opened_at=NOW,
            expires_at=NOW + timedelta(hours=24),
            question_ids=["q-b"],
        )
        assert await tx.rounds.create_many([]) == []
    assert [r.pair_id for r in created] == [two.id, one.id]  # in the order given
    async with db.read() as tx:
        for round_ in created:
            assert await tx.rounds.get(round_.id) == round_
        asked = await tx.rounds.asked_of([r.id for r in created])
        open_ = await tx.rounds.open_of_many([one.id, two.id, three.id, 999])
        history = await tx.rounds.question_history_of([one.id, two.id, three.id, 999])
        counts = {p: {q: n for q, (n, _) in asked.items()} for p, asked in history.items()}
        lasts = [last for asked in history.values() for _, last in asked.values()]
        assert all(last.tzinfo is not None and last.utcoffset() == timedelta(0) for last in lasts)
        assert max(lasts) == max(r.opened_at for r in (*created, single))
    assert [a.question_id for a in asked[created[1].id]] == ["q-a", "q-b"]
    assert open_ == {two.id: [created[0]], one.id: [created[1]], three.id: [single]}
    assert counts == {one.id: {"q-a": 1, "q-b": 1}, two.id: {"q-a": 1}, three.id: {"q-b": 1}}


async def test_create_many_refuses_two_rounds_of_one_pair(db: Transactions) -> None:
    pair = await seed_pair(db)
    with pytest.raises(ValueError, match="one round per pair"):
        async with db.write() as tx:
            await tx.rounds.create_many([_new(pair.id, "q-a"), _new(pair.id, "q-b")])
    async with db.read() as tx:
        assert await tx.rounds.open_of(pair.id) == []


async def test_pairs_read_and_marked_together(db: Transactions) -> None:
    one = await seed_pair(db, 1001, 1002)
    two = await seed_pair(db, 1003, 1004)
    async with db.write() as tx:
        assert await tx.pairs.get_many([one.id, two.id, 999]) == {one.id: one, two.id: two}
        assert await tx.pairs.get_many([]) == {}
        await tx.pairs.mark_slots(Lane.DAILY, {one.id: date(2026, 3, 2), two.id: date(2026, 3, 3)})
        await tx.pairs.mark_slots(Lane.WEEKLY, {two.id: date(2026, 3, 4)})
        await tx.pairs.mark_slots(Lane.DAILY, {})
    async with db.read() as tx:
        found = await tx.pairs.get_many([one.id, two.id])
    assert (
        found[one.id].last_round_date == date(2026, 3, 2) and found[one.id].last_weekly_date is None
    )
    assert found[two.id].last_round_date == date(2026, 3, 3)
    assert found[two.id].last_weekly_date == date(2026, 3, 4)


async def test_enrolled_among_is_running_of_for_several_pairs(db: Transactions) -> None:
    one = await seed_pair(db, 1001, 1002)
    two = await seed_pair(db, 1003, 1004)
    cohort_id = await _cohort(db)
    async with db.write() as tx:
        await tx.cohorts.enrol(cohort_id, two.id, NOW)
        assert await tx.cohorts.enrolled_among([one.id, two.id]) == {two.id}
        assert await tx.cohorts.enrolled_among([]) == set()
        await tx.cohorts.end(cohort_id, NOW)
        assert await tx.cohorts.enrolled_among([one.id, two.id]) == set()


async def test_messages_queued_together_keep_their_order_context_and_parts(
    db: Transactions, engine: AsyncEngine
) -> None:
    keyboard = ((Button("OK", "a:1:0:1"),),)
    deadline = NOW + timedelta(minutes=15)
    async with db.write() as tx:
        await tx.outbox.enqueue(Message(8, "earlier"), NOW)
        with bulk_until(deadline):
            await tx.outbox.enqueue_many(
                [Message(7, "q1"), Message(8, "word " * 1500, keyboard), Message(7, "q2")], NOW
            )
        with acting(8):  # the actor's own message is raised ahead of bulk, as enqueue does
            await tx.outbox.enqueue_many([Message(8, "reply"), Message(9, "partner")], NOW)
        await tx.outbox.enqueue_many([], NOW)
    items = await SqlOutboxQueue(engine).claim(NOW, LEASE, 20, secrets.token_hex(8))
    by_chat = {chat: [i for i in items if i.user_id == chat] for chat in (7, 8, 9)}
    assert [i.text for i in by_chat[7]] == ["q1", "q2"]
    assert [i.not_after for i in by_chat[7]] == [deadline, deadline]
    texts = [i.text[:5] for i in by_chat[8]]
    assert texts == ["earli", "word ", "word ", "reply"]
    assert by_chat[8][2].buttons == keyboard and by_chat[8][1].buttons == ()
    assert [i.text for i in by_chat[9]] == ["partner"]


async def test_due_work_scheduled_together_is_one_row_per_kind_and_subject(
    db: Transactions, engine: AsyncEngine
) -> None:
    async with db.write() as tx:
        await tx.due.schedule(DueKind.EXPIRE, RoundSubject(3), NOW + timedelta(days=9), NOW)
        await tx.due.schedule_many(
            [
                (DueKind.EXPIRE, RoundSubject(3), NOW),
                (DueKind.REMIND, MemberSubject(3, 7), NOW + timedelta(hours=1)),
                (DueKind.OPEN_ROUND, PairSubject(4), NOW),
            ],
            NOW,
        )
        await tx.due.schedule_many([], NOW)
        assert await tx.due.due_at(DueKind.EXPIRE, RoundSubject(3)) == NOW
        assert await tx.due.due_at(DueKind.REMIND, MemberSubject(3, 7)) == NOW + timedelta(hours=1)
    claimed = await SqlDueWorkStore(engine).claim_due(NOW, LEASE, 10, "t")
    assert sorted((i.kind, i.subject) for i in claimed) == [
        ("expire", "round:3"),
        ("open_round", "pair:4"),
    ]
