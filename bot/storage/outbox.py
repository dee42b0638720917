"""The outbox of messages to send (both sides: the queue the sender claims from, and the
outbox inside a unit of work): at least once, in order per chat, claimed by priority (issue
10), parked for a user who blocked the bot. Claims use :func:`bot.storage.queues.claim_statement`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Row,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.domain.messages import (
    Finished,
    Message,
    OutboxItem,
    keyboard_from_json,
    keyboard_to_json,
    spans_from_json,
    spans_to_json,
)
from bot.domain.sending import Priority, not_after, priority_for
from bot.storage.database import begin_write, write_turn
from bot.storage.queues import claim_params, claim_statement, free_lease
from bot.storage.round_messages import (
    clear_keyboards,
    forget_user,
    question_message,
    remember_question,
)
from bot.storage.sent import DELETABLE_FOR, record_finished, remember_sent
from bot.storage.tables import outbox, sent_messages
from bot.storage.topics import drop_topic

#: A parked outbox row (its user blocked the bot) holds this lease and claim token: no claim
#: takes it until the user comes back (``SqlOutbox.unpark``).
PARKED_UNTIL = datetime(9999, 1, 1, tzinfo=UTC)
PARKED = "parked"


async def enqueue(
    conn: AsyncConnection,
    message: Message,
    now: datetime,
    broadcast_id: int | None = None,
    *,
    priority: Priority | None = None,
) -> None:
    """Write ``message`` to the outbox inside the caller's transaction (``broadcast_id``: it
    belongs to that broadcast, whose report counts its fate), to be sent at ``now`` (aware
    UTC) or later.

    A text longer than Telegram's 4,096 characters becomes several rows, split once here so a
    retry never re-splits differently (each with its own spans); the buttons go with the last
    part. ``priority`` defaults to what the sending context says (``bot.domain.sending``: the
    actor's own messages interactive, a broadcast and due work bulk); the context's lateness
    bound, if any, becomes the rows' ``not_after``. A message held for later
    (``Message.not_before`` after ``now``: the end of its recipient's quiet hours, issue 12) is
    first tried then (``next_attempt_at = max(now, not_before)``), has no lateness bound (it
    was meant to wait) and does not hold back its chat's later messages while it waits;
    ``Message.silent`` is stored for the sender (``disable_notification``). Raises ValueError
    for a message that shows more than one pair's answers (``Message.carries``): it is sent
    directly or not at all.
    """
    if priority is None:
        priority = priority_for(message.user_id, broadcast=broadcast_id is not None)
    rows = _rows(message, now, broadcast_id, priority, not_after())
    if message.topic is not None:  # latest wins (issue 12)
        await drop_topic(conn, [message.user_id], message.topic)
    if priority < Priority.BULK:
        # The chat's queued rows go first (a chat keeps its order, see ``claim``): raise them
        # to this message's priority, so a reply is not held behind a wave's question to the
        # same person waiting its turn among thousands.
        await conn.execute(_RAISE_CHAT, {"chat": message.user_id, "raised": int(priority)})
    for row in rows:  # one statement per part, in order: the ids keep the parts' order
        await conn.execute(_INSERT, row)


async def enqueue_many(conn: AsyncConnection, messages: Sequence[Message], now: datetime) -> None:
    """:func:`enqueue` for several messages in the sending context in force, their rows
    written by one executemany in the order given (ids ascend with it, so each chat keeps its
    order). A message ahead of bulk (which raises its chat's queued rows first) is written on
    its own, in turn. Raises ValueError as :func:`enqueue` does (the caller's transaction
    then rolls back)."""
    deadline = not_after()
    rows: list[dict[str, Any]] = []
    for message in messages:
        priority = priority_for(message.user_id)
        if priority < Priority.BULK or message.topic is not None:
            if rows:
                await conn.execute(_INSERT, rows)
                rows = []
            await enqueue(conn, message, now, priority=priority)
            continue
        rows.extend(_rows(message, now, None, priority, deadline))
    if rows:
        await conn.execute(_INSERT, rows)


def _rows(
    message: Message,
    now: datetime,
    broadcast_id: int | None,
    priority: Priority,
    deadline: datetime | None,
) -> list[dict[str, Any]]:
    """The outbox rows of ``message``: one per part (Telegram's limit), buttons on the last."""
    if len(message.carries) > 1:
        # A row names one pair (``outbox.carries``): a message showing several could outlive
        # a /delete of the pair it does not name (DESIGN.md, privacy rule 4).
        raise ValueError("a queued message may show one pair's answers at most")
    parts = message.parts()
    held = (
        message.not_before if message.not_before is not None and message.not_before > now else None
    )
    return [
        {
            "user_id": message.user_id,
            "text": part.text,
            "buttons": keyboard_to_json(part.buttons),
            "entities": spans_to_json(part.spans),
            "protect": message.protect,
            "carries": message.carries[0] if message.carries else None,
            "created_at": now,
            "next_attempt_at": held or now,
            "not_before": held,
            "silent": message.silent,
            "attempts": 0,
            # Counted once per message: on its last part.
            "broadcast_id": broadcast_id if index == len(parts) - 1 else None,
            "priority": int(priority),
            # A held message waits on purpose: the lateness bound of a wave is not its own.
            "not_after": None if held else deadline,
            "round_id": part.asks[0] if part.asks else None,
            "round_position": part.asks[1] if part.asks else None,
            "reply_to": part.reply_to,
            "topic": message.topic,
        }
        for index, part in enumerate(parts)
    ]


#: The statements of :func:`enqueue`, built once (issue 10).
_RAISE_CHAT = (
    update(outbox)
    .where(outbox.c.user_id == bindparam("chat"), outbox.c.priority > bindparam("raised"))
    .values(priority=bindparam("raised"))
)
_INSERT = insert(outbox)


#: What a claim returns of each outbox row.
_CLAIM_COLUMNS = (
    outbox.c.id,
    outbox.c.user_id,
    outbox.c.text,
    outbox.c.buttons,
    outbox.c.attempts,
    outbox.c.broadcast_id,
    outbox.c.entities,
    outbox.c.protect,
    outbox.c.carries,
    outbox.c.delete_message_id,
    outbox.c.priority,
    outbox.c.failures,
    outbox.c.not_after,
    outbox.c.round_id,
    outbox.c.round_position,
    outbox.c.reply_to,
    outbox.c.clear_markup_id,
    outbox.c.silent,
)

_EARLIER = outbox.alias("earlier")
_CLAIM_NOW = bindparam("now", type_=outbox.c.next_attempt_at.type)
#: A row waits while an older row of its chat is not ready at the claim's ``now`` (leased by a
#: process that may have died, backing off, parked), so a restart never sends a chat's later
#: messages first (found by an adversarial run: 16 of 40 chats out of order after kill -9).
#: An older row this very claim just took (a more urgent class, claimed first in the same
#: transaction: same token, same lease end) does not hold the chat: it is sent first, in the
#: claim's order, so a bulk row behind a reveal (a closed round's keyboard removal, issue 12)
#: goes in the same claim instead of waiting for the next.
#: An older row still held for the end of its recipient's quiet hours (``not_before`` ahead)
#: holds nothing back: it waits on purpose, and a check-in question sent meanwhile must not
#: wait behind it past its lateness bound (issue 12).
_IN_ORDER = ~exists().where(
    _EARLIER.c.user_id == outbox.c.user_id,
    _EARLIER.c.id < outbox.c.id,
    or_(
        and_(
            _EARLIER.c.next_attempt_at > _CLAIM_NOW,
            or_(_EARLIER.c.not_before.is_(None), _EARLIER.c.not_before <= _CLAIM_NOW),
        ),
        ~free_lease(_EARLIER.c.lease_until, _CLAIM_NOW),
    ),
    # Spelled out for NULLs (a row nobody holds): ``NOT (NULL = token)`` would be NULL.
    or_(
        _EARLIER.c.claim_token.is_(None),
        _EARLIER.c.lease_until.is_(None),
        _EARLIER.c.claim_token != bindparam("token", type_=outbox.c.claim_token.type),
        _EARLIER.c.lease_until != bindparam("until", type_=outbox.c.lease_until.type),
    ),
)


class SqlOutboxQueue:
    """The outbox of messages to send (implements :class:`bot.domain.ports.OutboxQueue`): at
    least once, in order per chat, across restarts; claimed by priority, then age."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def claim(
        self, now: datetime, lease: timedelta, limit: int, claim_token: str
    ) -> list[OutboxItem]:
        """Lease up to ``limit`` messages ready at ``now``, by priority (interactive first),
        then oldest first. A claim is not an attempt: only :meth:`failed` counts one."""
        # Each priority class in turn, along the index on (priority, id), all in one
        # transaction with prebuilt statements. A chat keeps its order: ``enqueue`` raises a
        # chat's queued rows to a newer message's priority, so within a chat priority never
        # falls from older to newer rows; and a row waits while an older row of its chat is
        # not ready (see ``_IN_ORDER``).
        dialect = self._engine.dialect.name
        rows: list[Row[Any]] = []
        async with write_turn(self._engine), self._engine.begin() as conn:
            for priority in Priority:
                if len(rows) >= limit:
                    break
                stmt = claim_statement(
                    dialect,
                    outbox,
                    outbox.c.id,
                    _CLAIM_COLUMNS,
                    and_(outbox.c.priority == int(priority), _IN_ORDER),
                    key=f"priority {int(priority)} in order",
                )
                params = claim_params(now, lease, limit - len(rows), claim_token)
                rows += (await conn.execute(stmt, params)).all()
        items = [
            OutboxItem(
                id=r.id,
                user_id=r.user_id,
                text=r.text,
                buttons=keyboard_from_json(r.buttons),
                attempts=r.attempts,
                claim_token=claim_token,
                broadcast_id=r.broadcast_id,
                spans=spans_from_json(r.entities),
                protect=bool(r.protect),
                carries=r.carries,
                delete_message_id=r.delete_message_id,
                priority=r.priority,
                failures=r.failures,
                not_after=r.not_after,
                asks=None if r.round_id is None else (r.round_id, r.round_position or 0),
                reply_to=r.reply_to,
                clear_markup_id=r.clear_markup_id,
                silent=bool(r.silent),
            )
            for r in rows
        ]
        return sorted(items, key=lambda i: (i.priority, i.id))

    async def done(
        self, item: OutboxItem, outcome: str = "sent", chat_free_at: datetime | None = None
    ) -> None:
        """Forget a message that Telegram accepted (``outcome`` "sent") or that can never be
        delivered ("blocked": the user blocked the bot; "dropped"; "late": past its lateness
        bound). A broadcast's message adds to the broadcast's delivered or blocked count in the
        same transaction. ``chat_free_at`` (aware UTC): the chat's other free messages wait
        until then (Telegram's one message per second per chat, across processes)."""
        await self.done_many([Finished(item, outcome, chat_free_at)])

    async def done_many(self, finished: Sequence[Finished], at: datetime | None = None) -> None:
        """See :meth:`bot.domain.ports.OutboxQueue.done_many`. Raises ValueError when a
        message id is given without ``at``."""
        if not finished:
            return
        async with begin_write(self._engine) as conn:
            await record_finished(conn, finished, at)

    async def remember_question(
        self, chat_id: int, message_id: int, asks: tuple[int, int], at: datetime
    ) -> None:
        """See :meth:`bot.domain.ports.OutboxQueue.remember_question`."""
        async with begin_write(self._engine) as conn:
            await remember_question(conn, chat_id, message_id, asks[0], asks[1], at)

    async def release(self, items: Sequence[OutboxItem], at: datetime) -> None:
        """:meth:`retry_later` for several claimed messages, in one transaction."""
        if not items:
            return
        async with begin_write(self._engine) as conn:
            for item in items:
                await conn.execute(
                    update(outbox)
                    .where(outbox.c.id == item.id, outbox.c.claim_token == item.claim_token)
                    .values(lease_until=None, claim_token=None, next_attempt_at=at)
                )

    async def retry_later(self, item: OutboxItem, at: datetime) -> None:
        """Free the lease; the message is tried again at ``at`` (aware UTC). Not an attempt."""
        async with begin_write(self._engine) as conn:
            await conn.execute(
                update(outbox)
                .where(outbox.c.id == item.id, outbox.c.claim_token == item.claim_token)
                .values(lease_until=None, claim_token=None, next_attempt_at=at)
            )

    async def add(self, message: Message, at: datetime, priority: Priority | None = None) -> None:
        """Queue ``message`` to be sent at ``at`` (aware UTC) or later (``priority``: as
        :func:`enqueue`; a direct reply that could not go now passes ``INTERACTIVE``)."""
        async with begin_write(self._engine) as conn:
            await enqueue(conn, message, at, priority=priority)

    async def postpone_user(self, user_id: int, at: datetime, claim_token: str) -> None:
        """Make every message to ``user_id`` that this claim holds, or nobody holds, wait until
        ``at`` (aware UTC), so that the chat's messages keep their order after a failure. Not
        an attempt (a 429, a halted flush). A message held beyond ``at`` (quiet hours) keeps
        its hold: it is never moved earlier."""
        c = outbox.c
        async with begin_write(self._engine) as conn:
            await conn.execute(
                update(outbox)
                .where(
                    c.user_id == user_id,
                    or_(c.claim_token == claim_token, c.lease_until.is_(None)),
                    or_(c.not_before.is_(None), c.not_before <= at),
                )
                .values(lease_until=None, claim_token=None, next_attempt_at=at)
            )

    async def failed(self, item: OutboxItem, at: datetime) -> None:
        """A real attempt to send ``item`` failed (network, 5xx): count it on the row and make
        the chat wait until ``at`` (aware UTC). The row is kept: nothing is dropped for
        failing."""
        async with begin_write(self._engine) as conn:
            await conn.execute(
                update(outbox)
                .where(outbox.c.id == item.id, outbox.c.claim_token == item.claim_token)
                .values(failures=outbox.c.failures + 1)
            )
        await self.postpone_user(item.user_id, at, item.claim_token)

    async def next_attempt(self, after: datetime) -> datetime | None:
        """The earliest instant after ``after`` (aware UTC) at which a waiting message becomes
        ready (parked ones aside); None when none does."""
        c = outbox.c
        async with self._engine.connect() as conn:
            found: datetime | None = (
                await conn.execute(
                    select(func.min(c.next_attempt_at)).where(
                        c.next_attempt_at > after, free_lease(c.lease_until, after)
                    )
                )
            ).scalar_one_or_none()
        return found

    async def remember_sent(
        self, chat_id: int, message_ids: Sequence[int], pair_id: int, at: datetime
    ) -> None:
        """See :meth:`bot.domain.ports.OutboxQueue.remember_sent`."""
        async with begin_write(self._engine) as conn:
            await remember_sent(conn, chat_id, message_ids, pair_id, at)

    async def pending(self) -> int:
        """How many messages wait to be sent."""
        async with self._engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(outbox))).scalar_one())


class SqlOutbox:
    """The outbox inside a unit of work (implements :class:`bot.domain.ports.Outbox`)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def enqueue(
        self, message: Message, now: datetime, broadcast_id: int | None = None
    ) -> None:
        """See :meth:`bot.domain.ports.Outbox.enqueue`."""
        await enqueue(self._conn, message, now, broadcast_id)

    async def enqueue_many(self, messages: Sequence[Message], now: datetime) -> None:
        """See :meth:`bot.domain.ports.Outbox.enqueue_many`."""
        await enqueue_many(self._conn, messages, now)

    async def drop_for(self, user_id: int) -> None:
        """See :meth:`bot.domain.ports.Outbox.drop_for`."""
        await self._conn.execute(delete(outbox).where(outbox.c.user_id == user_id))

    async def drop_topic(self, user_ids: Sequence[int], topic: str) -> int:
        """See :meth:`bot.domain.ports.Outbox.drop_topic`."""
        return await drop_topic(self._conn, user_ids, topic)

    async def park_for(self, user_id: int) -> None:
        """See :meth:`bot.domain.ports.Outbox.park_for`."""
        c = outbox.c
        await self._conn.execute(
            delete(outbox).where(
                c.user_id == user_id, or_(c.carries.is_(None), c.broadcast_id.is_not(None))
            )
        )
        await self._conn.execute(
            update(outbox)
            .where(c.user_id == user_id)
            .values(lease_until=PARKED_UNTIL, claim_token=PARKED)
        )

    async def unpark(self, user_id: int, now: datetime) -> datetime | None:
        """See :meth:`bot.domain.ports.Outbox.unpark`."""
        c = outbox.c
        parked = and_(c.user_id == user_id, c.claim_token == PARKED)
        newest: datetime | None = (
            await self._conn.execute(select(func.max(c.created_at)).where(parked))
        ).scalar_one_or_none()
        await self._conn.execute(
            update(outbox)
            .where(parked)
            .values(
                lease_until=None,
                claim_token=None,
                # A message held for the end of quiet hours keeps its hold.
                next_attempt_at=case((c.not_before > now, c.not_before), else_=now),
                priority=int(Priority.INTERACTIVE),
            )
        )
        return newest

    async def rehold(self, user_id: int, until: datetime | None, now: datetime) -> int:
        """See :meth:`bot.domain.ports.Outbox.rehold`."""
        c = outbox.c
        held = until if until is not None and until > now else None
        changed = await self._conn.execute(
            update(outbox)
            .where(c.user_id == user_id, c.not_before > now, c.lease_until.is_(None))
            .values(not_before=held, next_attempt_at=held or now)
        )
        return int(changed.rowcount or 0)

    async def drop_carrying(self, pair_ids: Sequence[int]) -> int:
        """See :meth:`bot.domain.ports.Outbox.drop_carrying`."""
        if not pair_ids:
            return 0
        gone = await self._conn.execute(delete(outbox).where(outbox.c.carries.in_(pair_ids)))
        return int(gone.rowcount or 0)

    async def take_back(self, pair_ids: Sequence[int], now: datetime) -> int:
        """See :meth:`bot.domain.ports.Outbox.take_back`."""
        if not pair_ids:
            return 0
        s = sent_messages.c
        found = (
            await self._conn.execute(
                select(s.chat_id, s.message_id)
                .where(s.pair_id.in_(pair_ids), s.sent_at > now - DELETABLE_FOR)
                .order_by(s.id)
            )
        ).all()
        for chat_id, message_id in found:
            await self._conn.execute(
                insert(outbox).values(
                    user_id=chat_id,
                    text="",
                    delete_message_id=message_id,
                    created_at=now,
                    next_attempt_at=now,
                    attempts=0,
                )
            )
        await self._conn.execute(delete(sent_messages).where(s.pair_id.in_(pair_ids)))
        return len(found)

    async def clear_keyboards(self, round_id: int, now: datetime) -> int:
        """See :meth:`bot.domain.ports.Outbox.clear_keyboards`."""
        return await clear_keyboards(self._conn, round_id, now)

    async def question_message(self, round_id: int, user_id: int, position: int) -> int | None:
        """See :meth:`bot.domain.ports.Outbox.question_message`."""
        return await question_message(self._conn, round_id, user_id, position)

    async def forget_questions_of(self, user_id: int) -> None:
        """See :meth:`bot.domain.ports.Outbox.forget_questions_of`."""
        await forget_user(self._conn, user_id)

    async def pending_for_broadcast(self, broadcast_id: int) -> int:
        """See :meth:`bot.domain.ports.Outbox.pending_for_broadcast`."""
        count = (
            await self._conn.execute(
                select(func.count())
                .select_from(outbox)
                .where(outbox.c.broadcast_id == broadcast_id)
            )
        ).scalar_one()
        return int(count)
