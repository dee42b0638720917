"""Contract of the outbox for quiet hours (issue 12): a message held until the end of its
recipient's quiet hours (``Message.not_before``) is not sent before then, holds none of its
chat's later messages back meanwhile, keeps its hold through a 429 and a return after
blocking; a silent message stays silent."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.messages import Message
from bot.domain.ports import Transactions
from bot.domain.sending import bulk_until
from bot.storage.outbox import SqlOutboxQueue
from tests.storage.conftest import NOW

LEASE = timedelta(seconds=60)
MORNING = NOW + timedelta(hours=5)


async def test_a_held_message_waits_and_holds_no_later_message_back(
    db: Transactions, engine: AsyncEngine
) -> None:
    async with db.write() as tx:
        await tx.outbox.enqueue(Message(7, "notice", not_before=MORNING), NOW)
        await tx.outbox.enqueue(Message(7, "question", silent=True), NOW)
    queue = SqlOutboxQueue(engine)
    (question,) = await queue.claim(NOW, LEASE, 10, "a")
    assert (question.text, question.silent) == ("question", True)
    await queue.done(question)
    assert await queue.claim(MORNING - timedelta(seconds=1), LEASE, 10, "b") == []
    assert await queue.next_attempt(NOW) == MORNING
    (notice,) = await queue.claim(MORNING, LEASE, 10, "c")
    assert (notice.text, notice.silent) == ("notice", False)


async def test_a_hold_in_the_past_is_no_hold(db: Transactions, engine: AsyncEngine) -> None:
    async with db.write() as tx:
        await tx.outbox.enqueue(Message(7, "late", not_before=NOW - timedelta(hours=1)), NOW)
    (item,) = await SqlOutboxQueue(engine).claim(NOW, LEASE, 10, "a")
    assert item.text == "late"


async def test_a_held_message_has_no_lateness_bound(db: Transactions, engine: AsyncEngine) -> None:
    """A wave's bound is for its questions: a notice queued in it that waits for the morning
    is not dropped as late then."""
    async with db.write() as tx:
        with bulk_until(NOW + timedelta(minutes=15)):
            await tx.outbox.enqueue(Message(7, "notice", not_before=MORNING), NOW)
    (item,) = await SqlOutboxQueue(engine).claim(MORNING, LEASE, 10, "a")
    assert item.not_after is None


async def test_a_429_never_moves_a_held_message_earlier(
    db: Transactions, engine: AsyncEngine
) -> None:
    async with db.write() as tx:
        await tx.outbox.enqueue(Message(7, "now"), NOW)
        await tx.outbox.enqueue(Message(7, "notice", not_before=MORNING), NOW)
    queue = SqlOutboxQueue(engine)
    (first,) = await queue.claim(NOW, LEASE, 10, "a")
    await queue.postpone_user(7, NOW + timedelta(seconds=30), first.claim_token)
    (again,) = await queue.claim(NOW + timedelta(seconds=30), LEASE, 10, "b")
    assert again.text == "now"
    await queue.done(again)
    assert await queue.claim(NOW + timedelta(hours=1), LEASE, 10, "c") == []
    assert [i.text for i in await queue.claim(MORNING, LEASE, 10, "d")] == ["notice"]


async def test_coming_back_after_blocking_keeps_the_hold(
    db: Transactions, engine: AsyncEngine
) -> None:
    async with db.write() as tx:
        await tx.outbox.enqueue(Message(7, "reveal", carries=(3,), not_before=MORNING), NOW)
        await tx.outbox.park_for(7)
    async with db.write() as tx:
        await tx.outbox.unpark(7, NOW + timedelta(minutes=1))
    queue = SqlOutboxQueue(engine)
    assert await queue.claim(NOW + timedelta(minutes=1), LEASE, 10, "a") == []
    assert [i.text for i in await queue.claim(MORNING, LEASE, 10, "b")] == ["reveal"]


async def test_new_quiet_hours_move_what_is_held(db: Transactions, engine: AsyncEngine) -> None:
    async with db.write() as tx:
        await tx.outbox.enqueue(Message(7, "notice", not_before=MORNING), NOW)
        await tx.outbox.enqueue(Message(8, "other", not_before=MORNING), NOW)
    earlier = MORNING - timedelta(hours=2)
    async with db.write() as tx:
        assert await tx.outbox.rehold(7, earlier, NOW) == 1
    queue = SqlOutboxQueue(engine)
    assert await queue.claim(earlier - timedelta(seconds=1), LEASE, 10, "a") == []
    (notice,) = await queue.claim(earlier, LEASE, 10, "b")
    assert notice.text == "notice"
    async with db.write() as tx:  # quiet hours off: what waits comes now
        assert await tx.outbox.rehold(8, None, NOW) == 1
    (other,) = await queue.claim(NOW, LEASE, 10, "c")
    assert other.text == "other"
