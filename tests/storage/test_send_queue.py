"""Contract of the outbox under the send policy (issue 10): claims by priority, a claim is
not an attempt, failures are kept, parking for a user who blocked the bot, the lateness
bound, and the shared send budget."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.messages import Message
from bot.domain.ports import Transactions
from bot.domain.sending import Priority, acting, bulk_until
from bot.storage.budget import SqlSendBudget
from bot.storage.outbox import SqlOutboxQueue
from tests.storage.conftest import NOW

LEASE = timedelta(seconds=60)


async def test_claims_go_by_priority_then_age(db: Transactions, engine: AsyncEngine) -> None:
    async with db.write() as tx:
        await tx.outbox.enqueue(Message(7, "wave"), NOW)  # due work: bulk
        with acting(8):
            await tx.outbox.enqueue(Message(9, "to the partner"), NOW)
            await tx.outbox.enqueue(Message(8, "to the actor"), NOW)
    items = await SqlOutboxQueue(engine).claim(NOW, LEASE, 10, "t")
    assert [(i.text, i.priority) for i in items] == [
        ("to the actor", Priority.INTERACTIVE),
        ("to the partner", Priority.NORMAL),
        ("wave", Priority.BULK),
    ]


async def test_a_claim_or_a_429_is_not_an_attempt_a_failure_is(
    db: Transactions, engine: AsyncEngine
) -> None:
    async with db.write() as tx:
        await tx.outbox.enqueue(Message(7, "m"), NOW)
    queue = SqlOutboxQueue(engine)
    for n in range(20):  # claimed and handed back, or held for a 429, many times
        (item,) = await queue.claim(NOW + timedelta(seconds=n), LEASE, 10, f"c{n}")
        if n % 2:
            await queue.retry_later(item, NOW + timedelta(seconds=n))
        else:
            await queue.postpone_user(7, NOW + timedelta(seconds=n), item.claim_token)
    (item,) = await queue.claim(NOW + timedelta(minutes=1), LEASE, 10, "x")
    assert item.failures == 0
    for n in range(12):  # more network failures than the old limit of ten: still kept
        await queue.failed(item, NOW + timedelta(minutes=2 + n))
        (item,) = await queue.claim(NOW + timedelta(minutes=2 + n), LEASE, 10, f"f{n}")
    assert item.failures == 12
    assert await queue.next_attempt(NOW) is None  # claimed now: nothing else waits
    await queue.done(item, chat_free_at=None)
    assert await queue.pending() == 0


async def test_sending_holds_the_chats_other_messages_for_a_second(
    db: Transactions, engine: AsyncEngine
) -> None:
    async with db.write() as tx:
        for text in ("first", "second"):
            await tx.outbox.enqueue(Message(7, text), NOW)
    queue = SqlOutboxQueue(engine)
    first = (await queue.claim(NOW, LEASE, 1, "a"))[0]
    await queue.done(first, chat_free_at=NOW + timedelta(seconds=1))
    assert await queue.claim(NOW, LEASE, 10, "b") == []
    assert await queue.next_attempt(NOW) == NOW + timedelta(seconds=1)
    assert [i.text for i in await queue.claim(NOW + timedelta(seconds=1), LEASE, 10, "c")] == [
        "second"
    ]


async def test_a_blocked_users_reveals_are_parked_until_they_come_back(
    db: Transactions, engine: AsyncEngine
) -> None:
    async with db.write() as tx:
        await tx.outbox.enqueue(Message(7, "question"), NOW)
        await tx.outbox.enqueue(Message(7, "reveal", carries=(3,)), NOW)
        await tx.outbox.enqueue(Message(8, "other"), NOW)
        await tx.outbox.park_for(7)
    queue = SqlOutboxQueue(engine)
    (other,) = await queue.claim(NOW, LEASE, 10, "a")
    assert other.text == "other"
    await queue.done(other)
    later = NOW + timedelta(hours=5)
    assert await queue.claim(later, LEASE, 10, "b") == []  # parked, whatever the hour
    async with db.write() as tx:
        assert await tx.outbox.unpark(7, later) == NOW
    back = await queue.claim(later, LEASE, 10, "c")
    assert [(i.text, i.priority) for i in back] == [("reveal", Priority.INTERACTIVE)]


async def test_a_scheduled_question_carries_its_lateness_bound(
    db: Transactions, engine: AsyncEngine
) -> None:
    bound = NOW + timedelta(minutes=15)
    async with db.write() as tx:
        with bulk_until(bound):
            await tx.outbox.enqueue(Message(7, "question"), NOW)
        await tx.outbox.enqueue(Message(7, "notice"), NOW)
    items = await SqlOutboxQueue(engine).claim(NOW, LEASE, 10, "a")
    assert [(i.text, i.not_after) for i in items] == [("question", bound), ("notice", None)]


async def test_a_chat_keeps_its_order_whatever_the_priorities(
    db: Transactions, engine: AsyncEngine
) -> None:
    """A later interactive reply never passes an earlier message to the same chat; it raises
    the chat's queue instead, ahead of other chats' bulk."""
    async with db.write() as tx:
        with bulk_until(NOW + timedelta(minutes=15)):  # due work: bulk
            await tx.outbox.enqueue(Message(8, "wave to 8"), NOW)
            await tx.outbox.enqueue(Message(7, "wave to 7"), NOW)
        with acting(9):  # the partner's action: normal for 7
            await tx.outbox.enqueue(Message(7, "notice to 7"), NOW)
        with acting(7):  # 7's own action: interactive
            await tx.outbox.enqueue(Message(7, "reply to 7"), NOW)
    queue = SqlOutboxQueue(engine)
    sent: list[str] = []
    for token in "abcd":
        items = await queue.claim(NOW, LEASE, 1, token)
        sent += [i.text for i in items]
        for item in items:
            await queue.done(item)
    assert sent == ["wave to 7", "notice to 7", "reply to 7", "wave to 8"]


async def test_two_processes_never_get_the_same_sending_slot(engine: AsyncEngine) -> None:
    budget = SqlSendBudget(engine)
    interval = timedelta(seconds=1 / 30)

    async def reserve_many() -> list[int]:
        starts = []
        for _ in range(10):
            start = await budget.reserve("free", 3, interval, NOW)
            starts.append(round((start - NOW) / interval))  # in slots from NOW
        return starts

    runs = await asyncio.gather(reserve_many(), reserve_many())
    slots = sorted(start + k for run in runs for start in run for k in range(3))
    assert slots == list(range(60))  # no slot twice, none lost, back to back


async def test_a_chat_waits_while_a_dead_claim_holds_its_older_message(
    db: Transactions, engine: AsyncEngine
) -> None:
    """A process that died holding a chat's first message leaves it leased: another process
    sends none of that chat's later messages before it (a restart kept their order), while
    other chats go on."""
    async with db.write() as tx:
        for text in ("first", "second"):
            await tx.outbox.enqueue(Message(7, text), NOW)
        await tx.outbox.enqueue(Message(8, "other chat"), NOW)
    queue = SqlOutboxQueue(engine)
    (held,) = await queue.claim(NOW, LEASE, 1, "dead")  # claimed, never finished
    assert held.text == "first"
    soon = NOW + timedelta(seconds=5)
    assert [i.text for i in await queue.claim(soon, LEASE, 10, "alive")] == ["other chat"]
    after_lease = NOW + LEASE + timedelta(seconds=1)
    again = await queue.claim(after_lease, LEASE, 10, "later")
    assert [i.text for i in again] == ["first", "second"]
