"""Contract of the delivery ports: the outbox (both sides), due work and the update ledger;
and of the unit of work itself (commit, roll back, a read that takes no write lock)."""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.messages import Button, Finished, Message, OutboxItem
from bot.domain.model import Pair
from bot.domain.ports import Transactions
from bot.domain.subjects import DueKind, MemberSubject, PairSubject, RoundSubject
from bot.storage.outbox import SqlOutboxQueue
from bot.storage.queues import SqlDueWorkStore
from bot.storage.updates import SqlUpdateLedger
from tests.storage.conftest import NOW, seed_pair

LEASE = timedelta(seconds=60)


async def test_a_long_message_is_split_once_with_the_buttons_on_its_last_part(
    db: Transactions, engine: AsyncEngine
) -> None:
    keyboard = ((Button("OK", "a:1:0:1"),),)
    async with db.write() as tx:
        await tx.outbox.enqueue(Message(7, "word " * 1500, keyboard), NOW, broadcast_id=3)
        assert await tx.outbox.pending_for_broadcast(3) == 1  # counted on the last part
    queue = SqlOutboxQueue(engine)
    items = await queue.claim(NOW, LEASE, 10, secrets.token_hex(8))
    assert len(items) == 2 and items[0].buttons == () and items[1].buttons == keyboard
    assert await queue.claim(NOW, LEASE, 10, "another") == []  # leased
    for item in items:
        await queue.done(item)
    assert await queue.pending() == 0


async def test_a_protected_message_stays_protected_in_every_part(
    db: Transactions, engine: AsyncEngine
) -> None:
    async with db.write() as tx:
        await tx.outbox.enqueue(Message(7, "word " * 1500, protect=True), NOW)
        await tx.outbox.enqueue(Message(7, "plain"), NOW)
    items = await SqlOutboxQueue(engine).claim(NOW, LEASE, 10, secrets.token_hex(8))
    assert [i.protect for i in items] == [True, True, False]


async def test_dropping_a_users_messages_and_postponing_keeps_order(
    db: Transactions, engine: AsyncEngine
) -> None:
    async with db.write() as tx:
        for n in range(3):
            await tx.outbox.enqueue(Message(7, f"m{n}"), NOW)
        await tx.outbox.enqueue(Message(8, "other"), NOW)
    queue = SqlOutboxQueue(engine)
    items = await queue.claim(NOW, LEASE, 1, "first")
    await queue.postpone_user(7, NOW + timedelta(seconds=30), "first")
    ready = await queue.claim(NOW, LEASE, 10, "second")
    assert [i.text for i in ready] == ["other"] and items[0].text == "m0"
    later = await queue.claim(NOW + timedelta(seconds=31), LEASE, 10, "third")
    assert [i.text for i in later] == ["m0", "m1", "m2"]
    async with db.write() as tx:
        await tx.outbox.drop_for(7)
    assert await queue.pending() == 1


async def test_due_work_is_one_row_per_kind_and_subject(
    db: Transactions, engine: AsyncEngine
) -> None:
    async with db.write() as tx:
        await tx.due.schedule(DueKind.OPEN_ROUND, PairSubject(4), NOW, NOW)
        await tx.due.schedule(DueKind.OPEN_ROUND, PairSubject(4), NOW + timedelta(hours=1), NOW)
        await tx.due.schedule(DueKind.REMIND, MemberSubject(9, 7), NOW, NOW)
        assert await tx.due.due_at(DueKind.OPEN_ROUND, PairSubject(4)) == NOW + timedelta(hours=1)
        await tx.due.cancel(DueKind.EXPIRE, RoundSubject(9))  # nothing there: no error
        await tx.due.cancel(DueKind.REMIND, MemberSubject(9, 7))
        assert await tx.due.due_at(DueKind.REMIND, MemberSubject(9, 7)) is None
    store = SqlDueWorkStore(engine)
    claimed = await store.claim_due(NOW + timedelta(hours=2), LEASE, 10, "t")
    assert [(i.kind, i.subject) for i in claimed] == [("open_round", "pair:4")]


async def test_cancelling_several_due_rows_takes_exactly_those(db: Transactions) -> None:
    async with db.write() as tx:
        await tx.due.schedule(DueKind.EXPIRE, RoundSubject(9), NOW, NOW)
        await tx.due.schedule(DueKind.REMIND, MemberSubject(9, 7), NOW, NOW)
        await tx.due.schedule(DueKind.REMIND, MemberSubject(9, 8), NOW, NOW)
        await tx.due.schedule(DueKind.REMIND, MemberSubject(10, 7), NOW, NOW)
        await tx.due.schedule(DueKind.EXPIRE, RoundSubject(10), NOW, NOW)
        await tx.due.cancel_many(
            [
                (DueKind.EXPIRE, RoundSubject(9)),
                (DueKind.REMIND, MemberSubject(9, 7)),
                (DueKind.REMIND, MemberSubject(9, 8)),
                (DueKind.REMIND, MemberSubject(9, 99)),  # nothing there: no error
            ]
        )
        await tx.due.cancel_many([])
        assert await tx.due.due_at(DueKind.EXPIRE, RoundSubject(9)) is None
        assert await tx.due.due_at(DueKind.REMIND, MemberSubject(9, 8)) is None
        assert await tx.due.due_at(DueKind.REMIND, MemberSubject(10, 7)) == NOW
        assert await tx.due.due_at(DueKind.EXPIRE, RoundSubject(10)) == NOW


async def test_two_claims_never_take_the_same_due_row(
    db: Transactions, engine: AsyncEngine
) -> None:
    async with db.write() as tx:
        for pair_id in range(20):
            await tx.due.schedule(DueKind.OPEN_ROUND, PairSubject(pair_id), NOW, NOW)
    store = SqlDueWorkStore(engine)
    one, two = await asyncio.gather(
        store.claim_due(NOW, LEASE, 15, "one"), store.claim_due(NOW, LEASE, 15, "two")
    )
    ids = [i.id for i in one] + [i.id for i in two]
    assert len(ids) == len(set(ids)) == 20


async def test_an_update_id_is_claimed_once(engine: AsyncEngine) -> None:
    ledger = SqlUpdateLedger(engine)
    results = await asyncio.gather(*(ledger.claim(42, NOW) for _ in range(3)))
    assert sorted(results) == [False, False, True]
    assert await ledger.seen(42) and not await ledger.seen(43)
    await ledger.release(42)
    assert await ledger.claim(42, NOW)
    await ledger.prune(NOW + timedelta(seconds=1))
    assert await ledger.claim(42, NOW)


async def test_leaving_a_unit_of_work_by_an_exception_rolls_everything_back(
    db: Transactions,
) -> None:
    with pytest.raises(RuntimeError):
        async with db.write() as tx:
            await tx.users.touch(7, "Alex", None, None, NOW)
            raise RuntimeError("refused half way")
    async with db.read() as tx:
        assert await tx.users.get(7) is None


async def test_a_read_takes_no_write_lock(db: Transactions) -> None:
    """A view (``/history``) reads while a writer holds the lock: it does not wait for it."""
    await seed_pair(db)
    writer_holds = asyncio.Event()
    release = asyncio.Event()

    async def writer() -> None:
        async with db.write() as tx:
            await tx.users.touch(7, "Writer", None, None, NOW)
            writer_holds.set()
            await release.wait()

    task = asyncio.create_task(writer())
    await writer_holds.wait()
    try:
        async with asyncio.timeout(5):
            async with db.read() as tx:
                user = await tx.users.get(1001)
                assert user is not None and await tx.users.get(7) is None  # not committed
    finally:
        release.set()
        await task


async def test_a_read_sees_one_snapshot_while_writers_commit(db: Transactions) -> None:
    """A view's statements agree with each other: what commits after its first read stays
    out of it (a WAL snapshot on SQLite, REPEATABLE READ on PostgreSQL)."""
    await seed_pair(db)
    async with db.read() as view:
        first = await view.users.get(1001)
        async with db.write() as tx:
            await tx.users.touch(1001, "Renamed", None, "en", NOW)
            await tx.users.touch(7, "Newcomer", None, "en", NOW)
        again = await view.users.get(1001)
        assert await view.users.get(7) is None
    assert first is not None and again is not None
    assert again.first_name == first.first_name == "Alex"
    async with db.read() as later:
        renamed = await later.users.get(1001)
    assert renamed is not None and renamed.first_name == "Renamed"


async def _reveal_and_plain_claimed(
    db: Transactions, engine: AsyncEngine
) -> tuple[Pair, SqlOutboxQueue, OutboxItem, OutboxItem]:
    """A pair, the sending queue, and two claimed rows: a reveal to 1001 that shows the
    pair's answers, a plain message to 1002."""
    pair = await seed_pair(db)
    async with db.write() as tx:
        await tx.outbox.enqueue(Message(1001, "reveal", carries=(pair.id,)), NOW)
        await tx.outbox.enqueue(Message(1002, "plain"), NOW)
    queue = SqlOutboxQueue(engine)
    shows, plain = await queue.claim(NOW, LEASE, 10, secrets.token_hex(8))
    return pair, queue, shows, plain


async def test_a_sent_message_that_shows_answers_is_forgotten_and_remembered_together(
    db: Transactions, engine: AsyncEngine
) -> None:
    pair, queue, shows, plain = await _reveal_and_plain_claimed(db, engine)
    await queue.done_many([Finished(shows, message_id=555)], NOW)
    await queue.done_many([Finished(plain, message_id=556)], NOW)
    assert await queue.pending() == 0
    async with db.write() as tx:
        # Only the message that shows answers is taken back (a deletion queued for it).
        assert await tx.outbox.take_back([pair.id], NOW) == 1
    (deletion,) = await queue.claim(NOW, LEASE, 10, secrets.token_hex(8))
    assert (deletion.user_id, deletion.delete_message_id) == (1001, 555)


async def test_a_reveal_dropped_while_on_its_way_is_taken_back_once_recorded(
    db: Transactions, engine: AsyncEngine
) -> None:
    """/delete runs while a reveal is being sent (its row is claimed): the row is dropped,
    and when the sender records what Telegram accepted, in a batch with another message,
    that copy is deleted from the chat instead of being remembered for a take-back that
    already happened."""
    pair = await seed_pair(db)
    async with db.write() as tx:
        await tx.outbox.enqueue(Message(1001, "reveal", carries=(pair.id,)), NOW)
        await tx.outbox.enqueue(Message(1002, "reveal", carries=(pair.id,)), NOW)
    queue = SqlOutboxQueue(engine)
    first, second = await queue.claim(NOW, LEASE, 10, secrets.token_hex(8))
    async with db.write() as tx:  # /delete, while both are with Telegram
        assert await tx.outbox.drop_carrying([pair.id]) == 2
        assert await tx.outbox.take_back([pair.id], NOW) == 0
    await queue.done_many([Finished(first, message_id=601), Finished(second, message_id=602)], NOW)
    deletions = await queue.claim(NOW, LEASE, 10, secrets.token_hex(8))
    assert sorted((d.user_id, d.delete_message_id) for d in deletions) == [(1001, 601), (1002, 602)]
    async with db.write() as tx:  # nothing left remembered for this pair
        assert await tx.outbox.take_back([pair.id], NOW) == 0


async def test_a_batch_records_each_message_once_and_needs_the_instant_sent(
    db: Transactions, engine: AsyncEngine
) -> None:
    pair, queue, shows, plain = await _reveal_and_plain_claimed(db, engine)
    with pytest.raises(ValueError):
        await queue.done_many([Finished(shows, message_id=700)])
    assert await queue.pending() == 2  # rolled back: nothing recorded
    await queue.done_many([Finished(shows, message_id=700), Finished(plain, message_id=701)], NOW)
    assert await queue.pending() == 0
    async with db.write() as tx:
        assert await tx.outbox.take_back([pair.id], NOW) == 1


async def test_a_reveal_parked_while_on_its_way_is_remembered_not_deleted(
    db: Transactions, engine: AsyncEngine
) -> None:
    """The recipient blocked the bot while their reveal was with Telegram: the row is parked
    (it goes again when they come back). The copy Telegram accepted is remembered, so a later
    /delete takes it back, and no deletion is queued for it now."""
    pair = await seed_pair(db)
    async with db.write() as tx:
        await tx.outbox.enqueue(Message(1001, "reveal", carries=(pair.id,)), NOW)
    queue = SqlOutboxQueue(engine)
    (shown,) = await queue.claim(NOW, LEASE, 10, secrets.token_hex(8))
    async with db.write() as tx:
        await tx.outbox.park_for(1001)
    await queue.done_many([Finished(shown, message_id=801)], NOW)
    assert await queue.claim(NOW, LEASE, 10, secrets.token_hex(8)) == []  # parked, no deletion
    async with db.write() as tx:
        assert await tx.outbox.take_back([pair.id], NOW) == 1
