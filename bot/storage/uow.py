"""The unit of work: one database transaction and the aggregates used in it
(implements :class:`bot.domain.ports.Transactions` and :class:`~bot.domain.ports.UnitOfWork`).

``write()`` begins with ``BEGIN IMMEDIATE`` on SQLite (see ``database.py``), so concurrent
writers queue for the lock instead of failing half way; on PostgreSQL the decide-once methods'
conditional updates take row locks. ``read()`` begins a plain transaction: a consistent
snapshot without the write lock, for views such as ``/history`` (on PostgreSQL a
``REPEATABLE READ READ ONLY`` transaction, so its statements agree with each other). Leaving
the context commits; an exception (a :class:`~bot.domain.errors.Refused` among them) rolls
back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.domain.ports import Transactions
from bot.domain.ports.updates import DuplicateUpdate, current_update
from bot.storage.broadcasts import SqlBroadcasts
from bot.storage.cohorts import SqlCohorts, SqlDrafts
from bot.storage.database import READ_ONLY, begin_write
from bot.storage.facilitators import SqlFacilitators
from bot.storage.invites import SqlInvites
from bot.storage.offers import SqlOffers
from bot.storage.outbox import SqlOutbox
from bot.storage.pairs import SqlPairs
from bot.storage.queues import SqlDueSchedule
from bot.storage.reactions import SqlReactions
from bot.storage.rounds import SqlAnswers, SqlRounds
from bot.storage.updates import claim_in
from bot.storage.users import SqlUsers


class SqlUnitOfWork:
    """Every aggregate's storage over one connection in one transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.users = SqlUsers(conn)
        self.pairs = SqlPairs(conn)
        self.invites = SqlInvites(conn)
        self.rounds = SqlRounds(conn)
        self.answers = SqlAnswers(conn)
        self.reactions = SqlReactions(conn)
        self.offers = SqlOffers(conn)
        self.facilitators = SqlFacilitators(conn)
        self.cohorts = SqlCohorts(conn)
        self.drafts = SqlDrafts(conn)
        self.broadcasts = SqlBroadcasts(conn)
        self.outbox = SqlOutbox(conn)
        self.due = SqlDueSchedule(conn)


class SqlTransactions:
    """Opens units of work on ``engine``."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @asynccontextmanager
    async def write(self) -> AsyncIterator[SqlUnitOfWork]:
        """A read-write transaction (the write lock at once on SQLite, after this process's
        writers that came first: ``database.begin_write``).

        While an update is being handled (:func:`bot.domain.ports.updates.current_update`),
        the first write transaction also claims the update's id, so the claim commits with
        the work or not at all; it raises ``DuplicateUpdate`` (rolling back) when the id is
        claimed already."""
        update = current_update()
        claiming = update is not None and not update.claimed
        try:
            async with begin_write(self._engine) as conn:
                if update is not None and claiming:
                    if not await claim_in(conn, update.update_id, update.received_at):
                        raise DuplicateUpdate(update.update_id)
                    update.claimed = True
                yield SqlUnitOfWork(conn)
        except BaseException:
            if update is not None and claiming:
                update.claimed = False  # rolled back with the work (or never committed)
            raise

    @asynccontextmanager
    async def read(self) -> AsyncIterator[SqlUnitOfWork]:
        """A read-only transaction: no write lock; one snapshot for all its statements (a WAL
        read transaction on SQLite; on PostgreSQL, whose default READ COMMITTED gives each
        statement a new one, ``REPEATABLE READ READ ONLY``); rolled back at the end."""
        async with self._engine.connect() as conn:
            await conn.execution_options(**{READ_ONLY: True})
            if conn.dialect.name == "postgresql":
                await conn.execution_options(
                    isolation_level="REPEATABLE READ", postgresql_readonly=True
                )
            async with conn.begin() as transaction:
                yield SqlUnitOfWork(conn)
                await transaction.rollback()


def transactions(engine: AsyncEngine) -> Transactions:
    """Units of work on ``engine``, typed as the domain's port (mypy checks that every
    aggregate here keeps its Protocol)."""
    return SqlTransactions(engine)
