"""Leased queues in the database: due work (implements scheduler.due.DueWorkStore) and the
outbox of messages to send.

A claim is one ``UPDATE … WHERE id IN (SELECT … LIMIT n) AND <still free> RETURNING``: a
single conditional statement, so two processes never take the same row (SQLite serialises
writers; on PostgreSQL the candidates are locked ``FOR UPDATE SKIP LOCKED``, so racing
claimants take different rows, and the outer condition is re-checked on each locked row).
Leases end, so a row claimed by a process that died is taken again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
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
from bot.domain.subjects import DueKind, Subject
from bot.storage.tables import broadcasts, due_work, outbox, sent_messages
from scheduler.due import DueItem

#: How long Telegram lets a bot delete its own message in a private chat.
DELETABLE_FOR = timedelta(hours=48)


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
    and no live lease holds them), those ready longest first (ties by ``order``), in one
    conditional UPDATE … RETURNING.

    On PostgreSQL the candidates are chosen ``FOR UPDATE SKIP LOCKED``: without it, claimants
    racing in READ COMMITTED pick the same first rows, all but one wait for its lock, find the
    rows taken on the re-check and come back with less than was free (none twice, but work
    left waiting for the next tick); with it each claimant locks rows no other one holds. SQLite
    serialises writers, so its single statement needs no lock clause."""
    c = table.c
    ready_at = c.due_at if "due_at" in c else c.next_attempt_at
    ready = and_(ready_at <= now, _free(c.lease_until, now))
    # Longest ready first (by the indexed instant, then ``order``): the plan then walks the
    # index on that instant instead of scanning the whole table in ``order``.
    candidates = select(c.id).where(ready).order_by(ready_at, order, c.id).limit(limit)
    if engine.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
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
    await conn.execute(_due_upsert(conn.dialect.name), values)


_DUE_UPSERTS: dict[str, Any] = {}


def _due_upsert(dialect: str) -> Any:
    """The upsert of :func:`schedule_due` for ``dialect``, built once (issue 10: building it
    per call cost more than running it)."""
    stmt = _DUE_UPSERTS.get(dialect)
    if stmt is None:
        base = (pg_insert if dialect == "postgresql" else sqlite_insert)(due_work)
        stmt = _DUE_UPSERTS[dialect] = base.on_conflict_do_update(
            index_elements=["kind", "subject"],
            set_={
                "due_at": base.excluded.due_at,
                "lease_until": None,
                "claim_token": None,
                "attempts": 0,
            },
        )
    return stmt


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
        async with self._engine.begin() as conn:
            if reschedule_at is None:
                result = await conn.execute(delete(due_work).where(held))
            else:
                result = await conn.execute(
                    update(due_work)
                    .where(held)
                    .values(due_at=reschedule_at, lease_until=None, claim_token=None, attempts=0)
                )
        return result.rowcount == 1

    async def finish_many(self, done: Sequence[tuple[DueItem, datetime | None]]) -> int:
        """See :meth:`scheduler.due.DueWorkStore.finish_many`: one transaction, one
        statement for the deleted rows and one per distinct new instant."""
        c = due_work.c
        gone = [item for item, at in done if at is None]
        moved: dict[datetime, list[DueItem]] = {}
        for item, at in done:
            if at is not None:
                moved.setdefault(at, []).append(item)

        def held(items: Sequence[DueItem]) -> ColumnElement[bool]:
            tokens: dict[str, list[int]] = {}
            for i in items:
                tokens.setdefault(i.claim_token, []).append(i.id)
            return or_(*(and_(c.claim_token == t, c.id.in_(ids)) for t, ids in tokens.items()))

        finished = 0
        async with self._engine.begin() as conn:
            if gone:
                finished += (await conn.execute(delete(due_work).where(held(gone)))).rowcount
            for at, items in moved.items():
                result = await conn.execute(
                    update(due_work)
                    .where(held(items))
                    .values(due_at=at, lease_until=None, claim_token=None, attempts=0)
                )
                finished += result.rowcount
        return finished

    async def release(self, item: DueItem, retry_at: datetime) -> None:
        """See :meth:`scheduler.due.DueWorkStore.release`."""
        async with self._engine.begin() as conn:
            await conn.execute(
                update(due_work)
                .where(due_work.c.id == item.id, due_work.c.claim_token == item.claim_token)
                .values(due_at=retry_at, lease_until=None, claim_token=None)
            )


async def enqueue(
    conn: AsyncConnection, message: Message, now: datetime, broadcast_id: int | None = None
) -> None:
    """Write ``message`` to the outbox inside the caller's transaction (``broadcast_id``: it
    belongs to that broadcast, whose report counts its fate).

    A text longer than Telegram's 4,096 characters becomes several rows, split once here so a
    retry never re-splits differently (each with its own spans); the buttons go with the last
    part.
    """
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
            )
        )


class SqlOutboxQueue:
    """The outbox of messages to send (implements :class:`bot.domain.ports.OutboxQueue`): at
    least once, in order per chat, across restarts."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def claim(
        self, now: datetime, lease: timedelta, limit: int, claim_token: str
    ) -> list[OutboxItem]:
        """Lease up to ``limit`` messages ready at ``now``, oldest first."""
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
        )
        rows = await _claim(self._engine, outbox, c.id, now, lease, limit, claim_token, columns)
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
            )
            for r in rows
        ]
        return sorted(items, key=lambda i: i.id)

    async def done(self, item: OutboxItem, outcome: str = "sent") -> None:
        """Forget a message that Telegram accepted (``outcome`` "sent") or that can never be
        delivered ("blocked": the user blocked the bot; "dropped"). A broadcast's message
        adds to the broadcast's delivered or blocked count in the same transaction."""
        async with self._engine.begin() as conn:
            gone = await conn.execute(
                delete(outbox).where(
                    outbox.c.id == item.id, outbox.c.claim_token == item.claim_token
                )
            )
            if item.broadcast_id is not None and gone.rowcount == 1:
                column = {"sent": "delivered", "blocked": "blocked"}.get(outcome)
                if column is not None:
                    await conn.execute(
                        update(broadcasts)
                        .where(broadcasts.c.id == item.broadcast_id)
                        .values({column: broadcasts.c[column] + 1})
                    )

    async def retry_later(self, item: OutboxItem, at: datetime) -> None:
        """Free the lease; the message is tried again at ``at`` (aware UTC)."""
        async with self._engine.begin() as conn:
            await conn.execute(
                update(outbox)
                .where(outbox.c.id == item.id, outbox.c.claim_token == item.claim_token)
                .values(lease_until=None, claim_token=None, next_attempt_at=at)
            )

    async def add(self, message: Message, at: datetime) -> None:
        """Queue ``message`` to be sent at ``at`` (aware UTC) or later."""
        async with self._engine.begin() as conn:
            await enqueue(conn, message, at)

    async def postpone_user(self, user_id: int, at: datetime, claim_token: str) -> None:
        """Make every message to ``user_id`` that this claim holds, or nobody holds, wait until
        ``at`` (aware UTC), so that the chat's messages keep their order after a failure."""
        c = outbox.c
        async with self._engine.begin() as conn:
            await conn.execute(
                update(outbox)
                .where(
                    c.user_id == user_id,
                    or_(c.claim_token == claim_token, c.lease_until.is_(None)),
                )
                .values(lease_until=None, claim_token=None, next_attempt_at=at)
            )

    async def remember_sent(
        self, chat_id: int, message_ids: Sequence[int], pair_id: int, at: datetime
    ) -> None:
        """See :meth:`bot.domain.ports.OutboxQueue.remember_sent`."""
        async with self._engine.begin() as conn:
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
