"""Leased queues in the database: due work (implements scheduler.due.DueWorkStore) and the
claim both it and the outbox (``outbox.py``) use.

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

from sqlalchemy import Integer, Row, Table, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.elements import ColumnElement

from bot.domain.subjects import DueKind, Subject
from bot.storage.database import begin_write, write_turn
from bot.storage.tables import due_work, outbox
from scheduler.due import DueItem


def free_lease(
    lease_until: ColumnElement[datetime], now: datetime | ColumnElement[datetime]
) -> ColumnElement[bool]:
    """No live lease holds the row at ``now`` (a value or a bind parameter)."""
    return or_(lease_until.is_(None), lease_until < now)


def claim_statement(
    dialect: str,
    table: Table,
    order: ColumnElement[Any],
    columns: tuple[ColumnElement[Any], ...],
    where: ColumnElement[bool] | None = None,
    *,
    key: str = "",
) -> Any:
    """The claim of :func:`claim_ready` for ``dialect``, built once per ``(dialect, table,
    key)`` (``key`` names ``order``, ``columns`` and ``where``: callers pass the same ones for
    the same key) with bind parameters ``now``, ``until`` (the lease's end), ``limit`` and
    ``token`` (issue 10: building it per call cost more than running it)."""
    cache_key = (dialect, table.name, key)
    stmt = _CLAIMS.get(cache_key)
    if stmt is not None:
        return stmt
    c = table.c
    ready_at = c.due_at if "due_at" in c else c.next_attempt_at
    now: ColumnElement[datetime] = bindparam("now", type_=ready_at.type)
    ready = and_(ready_at <= now, free_lease(c.lease_until, now))
    if where is not None:
        ready = and_(ready, where)
    # Longest ready first (by the indexed instant, then ``order``): the plan then walks the
    # index on that instant instead of scanning the whole table in ``order``.
    candidates = (
        select(c.id)
        .where(ready)
        .order_by(ready_at, order, c.id)
        .limit(bindparam("limit", type_=Integer))
    )
    chosen: ColumnElement[bool]
    if dialect == "postgresql":
        # A materialized CTE, evaluated once: PostgreSQL may run an ``IN (SELECT … LIMIT n
        # FOR UPDATE SKIP LOCKED)`` subquery again for each row it checks, each run skipping
        # the rows the last one locked, and so lease far more than ``limit`` rows.
        picked = (
            candidates.with_for_update(skip_locked=True).cte("picked").prefix_with("MATERIALIZED")
        )
        chosen = c.id == picked.c.id
    else:
        chosen = c.id.in_(candidates.scalar_subquery())
    stmt = _CLAIMS[cache_key] = (
        update(table)
        .where(chosen, ready)
        .values(
            lease_until=bindparam("until", type_=c.lease_until.type),
            claim_token=bindparam("token", type_=c.claim_token.type),
            attempts=c.attempts + 1,
        )
        .returning(*columns)
    )
    return stmt


_CLAIMS: dict[tuple[str, str, str], Any] = {}


def claim_params(now: datetime, lease: timedelta, limit: int, claim_token: str) -> dict[str, Any]:
    """The bind parameters of a :func:`claim_statement`."""
    return {"now": now, "until": now + lease, "limit": limit, "token": claim_token}


async def claim_ready(
    engine: AsyncEngine,
    table: Table,
    order: ColumnElement[Any],
    now: datetime,
    lease: timedelta,
    limit: int,
    claim_token: str,
    columns: tuple[ColumnElement[Any], ...],
    where: ColumnElement[bool] | None = None,
    *,
    key: str = "",
) -> Sequence[Row[Any]]:
    """Lease up to ``limit`` rows of ``table`` that are ready at ``now`` (their instant has come
    and no live lease holds them), those ready longest first (ties by ``order``), in one
    conditional UPDATE … RETURNING in its own transaction (``key``: see
    :func:`claim_statement`).

    On PostgreSQL the candidates are chosen ``FOR UPDATE SKIP LOCKED``: without it, claimants
    racing in READ COMMITTED pick the same first rows, all but one wait for its lock, find the
    rows taken on the re-check and come back with less than was free (none twice, but work
    left waiting for the next tick); with it each claimant locks rows no other one holds. SQLite
    serialises writers, so its single statement needs no lock clause. ``where``: a further
    condition a row must meet (checked in the candidates and again on the row)."""
    stmt = claim_statement(engine.dialect.name, table, order, columns, where, key=key)
    async with engine.begin() as conn:
        return (await conn.execute(stmt, claim_params(now, lease, limit, claim_token))).all()


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
    await conn.execute(_due_upsert(conn.dialect.name), _due_values(kind, subject, due_at, now))


def _due_values(kind: str, subject: str, due_at: datetime, now: datetime) -> dict[str, Any]:
    """The row :func:`schedule_due` writes."""
    return {
        "kind": kind,
        "subject": subject,
        "due_at": due_at,
        "lease_until": None,
        "claim_token": None,
        "attempts": 0,
        "created_at": now,
    }


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
        async with write_turn(self._engine):
            rows = await claim_ready(
                self._engine, due_work, c.due_at, now, lease, limit, claim_token, columns, key="due"
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
        async with begin_write(self._engine) as conn:
            await conn.execute(
                update(due_work)
                .where(due_work.c.id == item.id, due_work.c.claim_token == item.claim_token)
                .values(due_at=retry_at, lease_until=None, claim_token=None)
            )


class SqlDueSchedule:
    """Due work inside a unit of work (implements :class:`bot.domain.ports.DueSchedule`)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def schedule(self, kind: DueKind, subject: Subject, at: datetime, now: datetime) -> None:
        """See :meth:`bot.domain.ports.DueSchedule.schedule`."""
        await schedule_due(self._conn, kind.value, subject.encode(), at, now)

    async def schedule_many(
        self, entries: Sequence[tuple[DueKind, Subject, datetime]], now: datetime
    ) -> None:
        """See :meth:`bot.domain.ports.DueSchedule.schedule_many` (one executemany)."""
        if not entries:
            return
        rows = [_due_values(kind.value, subject.encode(), at, now) for kind, subject, at in entries]
        await self._conn.execute(_due_upsert(self._conn.dialect.name), rows)

    async def cancel(self, kind: DueKind, subject: Subject) -> None:
        """See :meth:`bot.domain.ports.DueSchedule.cancel`."""
        await self._conn.execute(
            delete(due_work).where(
                due_work.c.kind == kind.value, due_work.c.subject == subject.encode()
            )
        )

    async def cancel_many(self, entries: Sequence[tuple[DueKind, Subject]]) -> None:
        """See :meth:`bot.domain.ports.DueSchedule.cancel_many` (each term of the OR is a
        lookup on the unique index of kind and subject)."""
        if not entries:
            return
        c = due_work.c
        await self._conn.execute(
            delete(due_work).where(
                or_(*(and_(c.kind == k.value, c.subject == s.encode()) for k, s in entries))
            )
        )

    async def due_at(self, kind: DueKind, subject: Subject) -> datetime | None:
        """See :meth:`bot.domain.ports.DueSchedule.due_at`."""
        return await due_at_of(self._conn, kind.value, subject.encode())
