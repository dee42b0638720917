"""The sent question messages of open rounds (issue 12), by message id only: a reminder
replies to the question it points at, and when a round closes (revealed, expired, cancelled)
the removal of their inline keyboards is queued through the outbox (a row with
``clear_markup_id``, bulk priority) and the ids are forgotten. All in the caller's
transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.model import RoundStatus
from bot.domain.sending import Priority
from bot.storage.tables import outbox, round_messages, rounds

_M = round_messages.c


def _clear_row(chat_id: int, message_id: int, now: datetime) -> dict[str, object]:
    """An outbox row that removes the keyboard of ``message_id`` in ``chat_id``."""
    return {
        "user_id": chat_id,
        "text": "",
        "clear_markup_id": message_id,
        "created_at": now,
        "next_attempt_at": now,
        "attempts": 0,
        "priority": int(Priority.BULK),
    }


async def remember_question(
    conn: AsyncConnection,
    chat_id: int,
    message_id: int,
    round_id: int,
    position: int,
    at: datetime,
) -> None:
    """Telegram accepted question ``position`` of round ``round_id`` as ``message_id`` in
    ``chat_id`` at ``at`` (aware UTC): remembered while the round is open; a round that
    closed meanwhile (the question was still on its way) gets the keyboard removal queued at
    once instead. A round that is gone (pruned) is ignored."""
    status = (
        await conn.execute(select(rounds.c.status).where(rounds.c.id == round_id))
    ).scalar_one_or_none()
    if status is None:
        return
    if status != RoundStatus.OPEN.value:
        await conn.execute(insert(outbox), [_clear_row(chat_id, message_id, at)])
        return
    known = (
        await conn.execute(
            select(func.count())
            .select_from(round_messages)
            .where(_M.round_id == round_id, _M.user_id == chat_id, _M.message_id == message_id)
        )
    ).scalar_one()
    if not known:
        await conn.execute(
            insert(round_messages).values(
                round_id=round_id,
                user_id=chat_id,
                message_id=message_id,
                position=position,
                sent_at=at,
            )
        )


async def clear_keyboards(conn: AsyncConnection, round_id: int, now: datetime) -> int:
    """Queue the removal of the buttons of every remembered question message of the closed
    round ``round_id``, in each chat, and forget them; returns how many were queued."""
    found = (
        await conn.execute(
            select(_M.user_id, _M.message_id)
            .where(_M.round_id == round_id)
            .order_by(_M.user_id, _M.message_id)
        )
    ).all()
    if found:
        await conn.execute(insert(outbox), [_clear_row(u, m, now) for u, m in found])
        await conn.execute(delete(round_messages).where(_M.round_id == round_id))
    return len(found)


async def question_message(
    conn: AsyncConnection, round_id: int, user_id: int, position: int
) -> int | None:
    """The newest remembered message id of question ``position`` of round ``round_id`` in
    ``user_id``'s chat, or None (not sent yet, or not remembered)."""
    found: int | None = (
        await conn.execute(
            select(func.max(_M.message_id)).where(
                _M.round_id == round_id, _M.user_id == user_id, _M.position == position
            )
        )
    ).scalar_one_or_none()
    return found


async def forget_user(conn: AsyncConnection, user_id: int) -> None:
    """Forget every remembered question message in ``user_id``'s chat (/delete)."""
    await conn.execute(delete(round_messages).where(_M.user_id == user_id))


async def forget_rounds(conn: AsyncConnection, round_ids: Sequence[int]) -> None:
    """Forget the remembered question messages of ``round_ids`` (the retention sweep)."""
    if round_ids:
        await conn.execute(delete(round_messages).where(_M.round_id.in_(list(round_ids))))
