"""Leased queues in the database: due work (implements scheduler.due.DueWorkStore) and the
outbox of messages to send.

A claim is one ``UPDATE … WHERE id IN (SELECT … LIMIT n) AND <still free> RETURNING``: a
single conditional statement, so two processes never take the same row (SQLite serialises
writers; PostgreSQL re-checks the outer condition on the row it locks). Leases end, so a row
claimed by a process that died is taken again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row, Table, and_, delete, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.elements import ColumnElement

from bot.domain.messages import (
    Message,
    OutboxItem,
    keyboard_from_json,
    keyboard_to_json,
    spans_from_json,
    spans_to_json,
)
from bot.domain.sending import Priority, not_after, priority_for
from bot.domain.subjects import DueKind, Subject
from bot.storage.database import begin_write, write_turn
from bot.storage.tables import broadcasts, due_work, outbox, send_budget, sent_messages
from scheduler.due import DueItem

#: How long Telegram lets a bot delete its own message in a private chat.
DELETABLE_FOR = timedelta(hours=48)
#: A parked outbox row (its user blocked the bot) holds this lease and claim token: no claim
#: takes it until the user comes back (``SqlOutbox.unpark``).
PARKED_UNTIL = datetime(9999, 1, 1, tzinfo=UTC)
PARKED = "parked"


def _free(lease_until: ColumnElement[datetime], now: datetime) -> ColumnElement[bool]:
    return or_(lease_until.is_(None), lease_until < now)


async def _claim(
    engine: AsyncEngine,
    table: Table,
    order: ColumnElement[Any],
    now: datetime,
    lease: timedelta,
    limit: int,
    claim_token: str,
    columns: tuple[ColumnElement[Any], ...],
) -> Sequence[Row[Any]]:
    """Lease up to ``limit`` rows of ``table`` that are ready at ``now`` (their instant has come
    and no live lease holds them), first by ``order``, in one conditional UPDATE … RETURNING."""
    c = table.c
    ready_at = c.due_at if "due_at" in c else c.next_attempt_at
    ready = and_(ready_at <= now, _free(c.lease_until, now))
    candidates = select(c.id).where(ready).order_by(order, c.id).limit(limit)
    stmt = (
        update(table)
        .where(c.id.in_(candidates.scalar_subquery()), ready)
        .values(lease_until=now + lease, claim_token=claim_token, attempts=c.attempts + 1)
        .returning(*columns)
    )
    async with engine.begin() as conn:
        return (await conn.execute(stmt)).all()


async def next_instant(engine: AsyncEngine, after: datetime, until: datetime) -> datetime | None:
    """The earliest instant in ``(after, until]`` at which due work comes due or an outbox
    message may be tried again; None when nothing does (the sandbox jumps its clock there)."""
    async with engine.connect() as conn:
        found = [
            (
                await conn.execute(select(func.min(column)).where(column > after, column <= until))
            ).scalar_one_or_none()
            for column in (due_work.c.due_at, outbox.c.next_attempt_at)
        ]
    instants = [f for f in found if f is not None]
    return min(instants) if instants else None


async def schedule_due(
    conn: AsyncConnection, kind: str, subject: str, due_at: datetime, now: datetime
) -> None:
    """Create or move the due-work row ``(kind, subject)`` to ``due_at`` (aware UTC), freeing
    any lease. Runs inside the caller's transaction."""
    values = {
        "kind": kind,
        "subject": subject,
        "due_at": due_at,
        "lease_until": None,
        "claim_token": None,
        "attempts": 0,
        "created_at": now,
    }
    ins = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = ins(due_work).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["kind", "subject"],
        set_={"due_at": due_at, "lease_until": None, "claim_token": None, "attempts": 0},
    )
    await conn.execute(stmt)


async def cancel_due(conn: AsyncConnection, kind: str, subject_prefix: str) -> None:
    """Delete due-work rows of ``kind`` whose subject equals or starts with ``subject_prefix``
    followed by ``:``."""
    await conn.execute(
        delete(due_work).where(
            due_work.c.kind == kind,
            or_(
                due_work.c.subject == subject_prefix,
                due_work.c.subject.like(subject_prefix + ":%"),
            ),
        )
    )


async def due_at_of(conn: AsyncConnection, kind: str, subject: str) -> datetime | None:
    """When the row ``(kind, subject)`` is due, or None when there is none."""
    return (
        await conn.execute(
            select(due_work.c.due_at).where(due_work.c.kind == kind, due_work.c.subject == subject)
        )
    ).scalar_one_or_none()


class SqlDueWorkStore:
    """:class:`scheduler.due.DueWorkStore` over the ``due_work`` table."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def claim_due(
        self, now: datetime, lease: timedelta, limit: int, claim_token: str
    ) -> list[DueItem]:
        """See :meth:`scheduler.due.DueWorkStore.claim_due`."""
        c = due_work.c
        columns = (c.id, c.kind, c.subject, c.due_at, c.attempts)
        async with write_turn(self._engine):
            rows = await _claim(
                self._engine, due_work, c.due_at, now, lease, limit, claim_token, columns
            )
        items = [
            DueItem(
                id=r.id,
                kind=r.kind,
                subject=r.subject,
                due_at=r.due_at,
                attempts=r.attempts,
                claim_token=claim_token,
            )
            for r in rows
        ]
        return sorted(items, key=lambda i: (i.due_at, i.id))

    async def finish(self, item: DueItem, reschedule_at: datetime | None) -> bool:
        """See :meth:`scheduler.due.DueWorkStore.finish`."""
        held = and_(due_work.c.id == item.id, due_work.c.claim_token == item.claim_token)
        async with begin_write(self._engine) as conn:
            if reschedule_at is None:
                result = await conn.execute(delete(due_work).where(held))
            else:
                result = await conn.execute(
                    update(due_work)
                    .where(held)
                    .values(due_at=reschedule_at, lease_until=None, claim_token=None, attempts=0)
                )
        return result.rowcount == 1

    async def release(self, item: DueItem, retry_at: datetime) -> None:
        """See :meth:`scheduler.due.DueWorkStore.release`."""
        async with begin_write(self._engine) as conn:
            await conn.execute(
                update(due_work)
                .where(due_work.c.id == item.id, due_work.c.claim_token == item.claim_token)
                .values(due_at=retry_at, lease_until=None, claim_token=None)
            )


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
    bound, if any, becomes the rows' ``not_after``.
    """
    if priority is None:
        priority = priority_for(message.user_id, broadcast=broadcast_id is not None)
    deadline = not_after()
    parts = message.parts()
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        await conn.execute(
            insert(outbox).values(
                user_id=message.user_id,
                text=part.text,
                buttons=keyboard_to_json(part.buttons),
                entities=spans_to_json(part.spans),
                protect=message.protect,
                carries=message.carries[0] if message.carries else None,
                created_at=now,
                next_attempt_at=now,
                attempts=0,
                # Counted once per message: on its last part.
                broadcast_id=broadcast_id if last else None,
                priority=int(priority),
                not_after=deadline,
            )
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
        c = outbox.c
        columns = (
            c.id,
            c.user_id,
            c.text,
            c.buttons,
            c.attempts,
            c.broadcast_id,
            c.entities,
            c.protect,
            c.carries,
            c.delete_message_id,
            c.priority,
            c.failures,
            c.not_after,
        )
        async with write_turn(self._engine):
            rows = await _claim(
                self._engine, outbox, c.priority, now, lease, limit, claim_token, columns
            )
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
        await self.done_many([(item, chat_free_at)], outcome)

    async def done_many(
        self, finished: Sequence[tuple[OutboxItem, datetime | None]], outcome: str = "sent"
    ) -> None:
        """:meth:`done` for several messages, each with its ``chat_free_at``, in one
        transaction (the sender records what Telegram accepted a few messages at a time)."""
        if not finished:
            return
        async with begin_write(self._engine) as conn:
            for item, chat_free_at in finished:
                gone = await conn.execute(
                    delete(outbox).where(
                        outbox.c.id == item.id, outbox.c.claim_token == item.claim_token
                    )
                )
                if chat_free_at is not None:
                    await self._hold_chat(conn, item.user_id, chat_free_at, item.claim_token)
                if item.broadcast_id is not None and gone.rowcount == 1:
                    column = {"sent": "delivered", "blocked": "blocked"}.get(outcome)
                    if column is not None:
                        await conn.execute(
                            update(broadcasts)
                            .where(broadcasts.c.id == item.broadcast_id)
                            .values({column: broadcasts.c[column] + 1})
                        )

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

    @staticmethod
    async def _hold_chat(
        conn: AsyncConnection, user_id: int, at: datetime, claim_token: str
    ) -> None:
        """Messages to ``user_id`` that this claim or nobody holds are not ready before ``at``
        (none is moved earlier)."""
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
        an attempt (a 429, a halted flush)."""
        c = outbox.c
        async with begin_write(self._engine) as conn:
            await conn.execute(
                update(outbox)
                .where(
                    c.user_id == user_id,
                    or_(c.claim_token == claim_token, c.lease_until.is_(None)),
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
                        c.next_attempt_at > after, _free(c.lease_until, after)
                    )
                )
            ).scalar_one_or_none()
        return found

    async def remember_sent(
        self, chat_id: int, message_ids: Sequence[int], pair_id: int, at: datetime
    ) -> None:
        """See :meth:`bot.domain.ports.OutboxQueue.remember_sent`."""
        async with begin_write(self._engine) as conn:
            await conn.execute(
                delete(sent_messages).where(sent_messages.c.sent_at < at - DELETABLE_FOR)
            )
            for message_id in message_ids:
                await conn.execute(
                    insert(sent_messages).values(
                        chat_id=chat_id, message_id=message_id, pair_id=pair_id, sent_at=at
                    )
                )

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

    async def drop_for(self, user_id: int) -> None:
        """See :meth:`bot.domain.ports.Outbox.drop_for`."""
        await self._conn.execute(delete(outbox).where(outbox.c.user_id == user_id))

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
                next_attempt_at=now,
                priority=int(Priority.INTERACTIVE),
            )
        )
        return newest

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


class SqlSendBudget:
    """The send budget every process shares: per budget name, the next free sending slot.

    A process reserves ``count`` slots ``interval`` apart in one short transaction: the row
    moves from ``max(next_free, now)`` by ``count × interval`` only if nobody moved it since it
    was read (a compare-and-set, retried), so two processes never get the same slot on SQLite
    or PostgreSQL, with no lock held while sending."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def reserve(self, name: str, count: int, interval: timedelta, now: datetime) -> datetime:
        """Reserve ``count`` consecutive slots of budget ``name``; returns the first (aware
        UTC, never before ``now``); the others follow ``interval`` apart."""
        b = send_budget.c
        while True:
            async with begin_write(self._engine) as conn:
                found = (
                    await conn.execute(select(b.next_free).where(b.name == name))
                ).scalar_one_or_none()
                start = now if found is None or found < now else found
                end = start + interval * count
                if found is None:
                    ins = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
                    result = await conn.execute(
                        ins(send_budget)
                        .values(name=name, next_free=end)
                        .on_conflict_do_nothing(index_elements=["name"])
                    )
                else:
                    result = await conn.execute(
                        update(send_budget)
                        .where(b.name == name, b.next_free == found)
                        .values(next_free=end)
                    )
                if result.rowcount == 1:
                    return start


class SqlDueSchedule:
    """Due work inside a unit of work (implements :class:`bot.domain.ports.DueSchedule`)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def schedule(self, kind: DueKind, subject: Subject, at: datetime, now: datetime) -> None:
        """See :meth:`bot.domain.ports.DueSchedule.schedule`."""
        await schedule_due(self._conn, kind.value, subject.encode(), at, now)

    async def cancel(self, kind: DueKind, subject: Subject) -> None:
        """See :meth:`bot.domain.ports.DueSchedule.cancel`."""
        await self._conn.execute(
            delete(due_work).where(
                due_work.c.kind == kind.value, due_work.c.subject == subject.encode()
            )
        )

    async def due_at(self, kind: DueKind, subject: Subject) -> datetime | None:
        """See :meth:`bot.domain.ports.DueSchedule.due_at`."""
        return await due_at_of(self._conn, kind.value, subject.encode())
