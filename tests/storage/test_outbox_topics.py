"""Contract of the outbox's topics (issue 12): a message queued with a topic replaces its
chat's still-queued message of that topic (latest wins, every part of a split one), and
``Outbox.drop_topic`` drops them for the users named, leaving other chats, other topics and a
message a sender has claimed alone."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.messages import Message
from bot.domain.ports import Transactions
from bot.storage.outbox import SqlOutboxQueue
from tests.storage.conftest import NOW

LEASE = timedelta(seconds=60)
MORNING = NOW + timedelta(hours=5)


async def test_the_latest_of_a_topic_wins_in_its_chat(
    db: Transactions, engine: AsyncEngine
) -> None:
    async with db.write() as tx:
        await tx.outbox.enqueue(Message(7, "x" * 5000, topic="proposal:1", not_before=MORNING), NOW)
        await tx.outbox.enqueue(Message(8, "other chat", topic="proposal:1"), NOW)
        await tx.outbox.enqueue(Message(7, "other topic", topic="proposal:2"), NOW)
        await tx.outbox.enqueue(Message(7, "newest", topic="proposal:1", not_before=MORNING), NOW)
    items = await SqlOutboxQueue(engine).claim(MORNING, LEASE, 10, "a")
    assert sorted(i.text for i in items) == ["newest", "other chat", "other topic"]


async def test_drop_topic_drops_queued_rows_of_the_users_named(
    db: Transactions, engine: AsyncEngine
) -> None:
    async with db.write() as tx:
        await tx.outbox.enqueue(Message(7, "answered", topic="answered:3", not_before=MORNING), NOW)
        await tx.outbox.enqueue(Message(8, "answered", topic="answered:3"), NOW)
        await tx.outbox.enqueue(Message(9, "not theirs", topic="answered:3"), NOW)
        await tx.outbox.enqueue(Message(7, "reveal"), NOW)
    queue = SqlOutboxQueue(engine)
    (claimed,) = [i for i in await queue.claim(NOW, LEASE, 1, "a") if i.user_id == 8]
    async with db.write() as tx:
        assert await tx.outbox.drop_topic([7, 8], "answered:3") == 1  # 8's is on its way
        assert await tx.outbox.drop_topic([], "answered:3") == 0
    await queue.done(claimed)
    left = await queue.claim(MORNING, LEASE, 10, "b")
    assert sorted((i.user_id, i.text) for i in left) == [(7, "reveal"), (9, "not theirs")]
