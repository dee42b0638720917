"""Contract of a round's sent question messages (issue 12): remembered while the round is
open, pointed at by a reminder, their keyboards' removal queued at the close (and at once for
a question that arrives after it), forgotten with the user; and the claim that sends such a
removal right behind the reveal, in the chat's order."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.messages import Message
from bot.domain.model import Origin, RoundKind, RoundStatus
from bot.domain.ports import Transactions
from bot.domain.sending import Priority, acting
from bot.storage.outbox import SqlOutboxQueue
from tests.storage.conftest import NOW, seed_pair

LEASE = timedelta(seconds=60)


async def _open_round(db: Transactions) -> int:
    pair = await seed_pair(db)
    async with db.write() as tx:
        round_ = await tx.rounds.create(
            pair_id=pair.id,
            origin=Origin.CHECKIN,
            kind=RoundKind.LIGHT,
            opened_at=NOW,
            expires_at=NOW + timedelta(days=1),
            question_ids=["q1", "q2"],
        )
    return round_.id


async def test_a_sent_question_is_remembered_while_open_and_cleared_at_the_close(
    db: Transactions, engine: AsyncEngine
) -> None:
    round_id = await _open_round(db)
    queue = SqlOutboxQueue(engine)
    await queue.remember_question(1001, 40, (round_id, 0), NOW)
    await queue.remember_question(1001, 41, (round_id, 1), NOW)
    await queue.remember_question(1001, 41, (round_id, 1), NOW)  # recorded twice: one row
    await queue.remember_question(1002, 50, (round_id, 0), NOW)
    async with db.write() as tx:
        assert await tx.outbox.question_message(round_id, 1001, 1) == 41
        assert await tx.outbox.question_message(round_id, 1002, 1) is None
        assert await tx.rounds.close_if_open(round_id, RoundStatus.REVEALED, NOW) is not None
        assert await tx.outbox.clear_keyboards(round_id, NOW) == 3
        assert await tx.outbox.clear_keyboards(round_id, NOW) == 0  # forgotten
        assert await tx.outbox.question_message(round_id, 1001, 0) is None
    items = await queue.claim(NOW, LEASE, 10, "t")
    assert sorted((i.user_id, i.clear_markup_id, i.priority) for i in items) == [
        (1001, 40, Priority.BULK),
        (1001, 41, Priority.BULK),
        (1002, 50, Priority.BULK),
    ]
    assert all(i.text == "" and i.delete_message_id is None for i in items)


async def test_a_question_sent_after_its_round_closed_loses_its_buttons_at_once(
    db: Transactions, engine: AsyncEngine
) -> None:
    round_id = await _open_round(db)
    async with db.write() as tx:
        await tx.rounds.close_if_open(round_id, RoundStatus.EXPIRED, NOW)
    queue = SqlOutboxQueue(engine)
    await queue.remember_question(1002, 77, (round_id, 0), NOW)
    (item,) = await queue.claim(NOW, LEASE, 10, "t")
    assert (item.user_id, item.clear_markup_id) == (1002, 77)
    async with db.write() as tx:
        assert await tx.outbox.question_message(round_id, 1002, 0) is None


async def test_a_users_question_ids_go_with_their_data(
    db: Transactions, engine: AsyncEngine
) -> None:
    round_id = await _open_round(db)
    await SqlOutboxQueue(engine).remember_question(1001, 40, (round_id, 0), NOW)
    async with db.write() as tx:
        await tx.outbox.forget_questions_of(1001)
        assert await tx.outbox.question_message(round_id, 1001, 0) is None


async def test_the_question_and_reply_travel_through_the_outbox(
    db: Transactions, engine: AsyncEngine
) -> None:
    async with db.write() as tx:
        await tx.outbox.enqueue(Message(1001, "question", asks=(5, 2)), NOW)
        await tx.outbox.enqueue(Message(1001, "nudge", reply_to=40), NOW)
    question, nudge = await SqlOutboxQueue(engine).claim(NOW, LEASE, 10, "t")
    assert (question.asks, question.reply_to) == ((5, 2), None)
    assert (nudge.asks, nudge.reply_to) == (None, 40)


async def test_a_bulk_row_behind_a_more_urgent_one_goes_in_the_same_claim_in_order(
    db: Transactions, engine: AsyncEngine
) -> None:
    async with db.write() as tx:
        with acting(8):
            await tx.outbox.enqueue(Message(8, "reveal"), NOW)
        await tx.outbox.enqueue(Message(8, "bulk behind it"), NOW)
    queue = SqlOutboxQueue(engine)
    items = await queue.claim(NOW, LEASE, 10, "t")
    assert [i.text for i in items] == ["reveal", "bulk behind it"]
    # An older row backing off (nobody holds it) still holds the newer one back.
    await queue.failed(items[0], NOW + timedelta(seconds=30))
    await queue.release(items[1:], NOW)
    assert await queue.claim(NOW + timedelta(seconds=1), LEASE, 10, "u") == []
