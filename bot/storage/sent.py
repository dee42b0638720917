"""What became of claimed outbox rows, recorded after Telegram answered, and the memory of
sent messages that show a pair's answers (for ``Outbox.take_back``: /delete, /unpair's
removal, /safety). All in the caller's transaction.

The sender records a few finished rows at a time (``OutboxQueue.done_many``): one transaction
deletes them, holds their chats for a second, counts a broadcast's deliveries and remembers
the messages sent, instead of one transaction per message (a message that shows a pair's
answers is recorded at once, see ``Sender._finished``). A row dropped while its message was
on its way (a /delete or /safety removal that ran meanwhile) cannot be remembered for a
take-back that already happened: its message is taken back at once instead. A row that is no
longer this claim's but still queued (parked for a block, freed) is remembered as usual."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.messages import Finished, OutboxItem
from bot.storage.round_messages import remember_question
from bot.storage.tables import broadcasts, outbox, sent_messages

#: How long Telegram lets a bot delete its own message in a private chat.
DELETABLE_FOR = timedelta(hours=48)

#: Forget a claimed row (bind parameters ``id``, ``token``), built once.
_DELETE_CLAIMED = delete(outbox).where(
    outbox.c.id == bindparam("id"), outbox.c.claim_token == bindparam("token")
)
_FORGET_SENT = delete(sent_messages).where(sent_messages.c.sent_at < bindparam("before"))
_REMEMBER_SENT = insert(sent_messages)
#: A broadcast's count that each outcome adds to.
_COUNTED = {"sent": "delivered", "blocked": "blocked"}


async def remember_sent(
    conn: AsyncConnection, chat_id: int, message_ids: Sequence[int], pair_id: int, at: datetime
) -> None:
    """Remember bot messages ``message_ids`` in ``chat_id`` that show pair ``pair_id``'s
    answers, sent at ``at`` (aware UTC), forgetting those Telegram no longer lets a bot delete
    (older than :data:`DELETABLE_FOR`)."""
    await conn.execute(_FORGET_SENT, {"before": at - DELETABLE_FOR})
    await conn.execute(
        _REMEMBER_SENT,
        [
            {"chat_id": chat_id, "message_id": m, "pair_id": pair_id, "sent_at": at}
            for m in message_ids
        ],
    )


async def hold_chat(conn: AsyncConnection, user_id: int, at: datetime, claim_token: str) -> None:
    """Messages to ``user_id`` that the claim ``claim_token`` or nobody holds are not ready
    before ``at`` (aware UTC; none is moved earlier)."""
    c = outbox.c
    await conn.execute(
        update(outbox)
        .where(
            c.user_id == user_id,
            c.next_attempt_at < at,
            or_(c.claim_token == claim_token, c.lease_until.is_(None)),
        )
        .values(next_attempt_at=at)
    )


async def _still_queued(conn: AsyncConnection, row_id: int) -> bool:
    """Whether outbox row ``row_id`` is still there (whoever holds it now)."""
    found = await conn.execute(select(outbox.c.id).where(outbox.c.id == row_id))
    return found.first() is not None


def _take_back_row(item: OutboxItem, message_id: int, at: datetime) -> dict[str, Any]:
    """The outbox row deleting ``message_id`` from ``item``'s chat (as ``take_back``)."""
    return {
        "user_id": item.user_id,
        "text": "",
        "delete_message_id": message_id,
        "created_at": at,
        "next_attempt_at": at,
        "attempts": 0,
    }


async def record_finished(
    conn: AsyncConnection, finished: Sequence[Finished], at: datetime | None
) -> None:
    """Record ``finished`` rows (see :class:`Finished`): each is deleted while its claim
    still holds it, its chat held until ``chat_free_at``, its broadcast's count raised; a
    message Telegram accepted (``message_id``, sent at ``at``, aware UTC) is remembered when
    it shows a pair's answers (``carries``; taken back at once when its row is gone, dropped
    meanwhile) and when it asks a round's question (``asks``).

    Raises ValueError for a message id without ``at``."""
    pruned = False
    for done in finished:
        item = done.item
        gone = await conn.execute(_DELETE_CLAIMED, {"id": item.id, "token": item.claim_token})
        held = gone.rowcount == 1
        if done.chat_free_at is not None:
            await hold_chat(conn, item.user_id, done.chat_free_at, item.claim_token)
        column = _COUNTED.get(done.outcome)
        if item.broadcast_id is not None and held and column is not None:
            await conn.execute(
                update(broadcasts)
                .where(broadcasts.c.id == item.broadcast_id)
                .values({column: broadcasts.c[column] + 1})
            )
        if done.message_id is None:
            continue
        if at is None:
            raise ValueError("a sent message is recorded with the instant it was sent")
        if item.carries is not None and not held and not await _still_queued(conn, item.id):
            # Dropped while on its way (/delete, /safety's removal, or a copy another sender
            # took after this lease ran out and already sent): this copy is taken back too. A
            # row still there (parked for a block, or freed) will go again: this copy is
            # remembered below like any other.
            await conn.execute(insert(outbox).values(_take_back_row(item, done.message_id, at)))
        elif item.carries is not None:
            if not pruned:
                await conn.execute(_FORGET_SENT, {"before": at - DELETABLE_FOR})
                pruned = True
            row = {
                "chat_id": item.user_id,
                "message_id": done.message_id,
                "pair_id": item.carries,
                "sent_at": at,
            }
            await conn.execute(_REMEMBER_SENT, [row])
        if item.asks is not None:
            round_id, position = item.asks
            await remember_question(conn, item.user_id, done.message_id, round_id, position, at)
