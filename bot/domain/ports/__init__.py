"""What the domain needs from storage: a unit of work and one Protocol per aggregate.

``bot/storage`` implements these over SQLAlchemy Core; the domain imports only this module,
so no SQL and no database row reaches a rule. Every method runs inside the unit of work's one
transaction; every instant in and out is aware UTC.

Concurrency promises are part of the contract and are written in the docstrings. A
*decide-once* method is a conditional update whose row count says who won: of any number of
callers racing on the same row (threads, processes, both partners at once), exactly one gets
True (or the record). A *hold* serialises callers on a row for the rest of the transaction
(a row lock on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises writers).
The contract tests in ``tests/storage/`` check these promises for every backend.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

from bot.domain.ports.cohorts import Broadcasts, Cohorts, Drafts, Facilitators
from bot.domain.ports.delivery import (
    ChatPace,
    DueSchedule,
    Outbox,
    OutboxQueue,
    SendBudget,
    UpdateLedger,
)
from bot.domain.ports.people import Invites, Pairs, Users
from bot.domain.ports.rounds import Answers, Offers, Reactions, Rounds

__all__ = [
    "Answers",
    "Broadcasts",
    "ChatPace",
    "Cohorts",
    "Drafts",
    "DueSchedule",
    "Facilitators",
    "Invites",
    "Offers",
    "Outbox",
    "OutboxQueue",
    "Pairs",
    "Reactions",
    "Rounds",
    "SendBudget",
    "Transactions",
    "UnitOfWork",
    "UpdateLedger",
    "Users",
]


class UnitOfWork(Protocol):
    """One transaction and the aggregates read and written in it. Leaving its context
    commits; an exception rolls everything back."""

    @property
    def users(self) -> Users:
        """Users."""
        ...

    @property
    def pairs(self) -> Pairs:
        """Pairs."""
        ...

    @property
    def invites(self) -> Invites:
        """Invites."""
        ...

    @property
    def rounds(self) -> Rounds:
        """Rounds."""
        ...

    @property
    def answers(self) -> Answers:
        """Answers."""
        ...

    @property
    def reactions(self) -> Reactions:
        """Reactions to reveals."""
        ...

    @property
    def offers(self) -> Offers:
        """Exercise offers and picks."""
        ...

    @property
    def facilitators(self) -> Facilitators:
        """Facilitator roles."""
        ...

    @property
    def cohorts(self) -> Cohorts:
        """Cohorts."""
        ...

    @property
    def drafts(self) -> Drafts:
        """Cohort set-up drafts."""
        ...

    @property
    def broadcasts(self) -> Broadcasts:
        """Broadcasts."""
        ...

    @property
    def outbox(self) -> Outbox:
        """The outbox."""
        ...

    @property
    def due(self) -> DueSchedule:
        """Due work."""
        ...


class Transactions(Protocol):
    """Opens units of work: ``write()`` for operations that change state (on SQLite it takes
    the write lock at once, ``BEGIN IMMEDIATE``, so two writers queue instead of failing half
    way), ``read()`` for views that only read (no write lock; a consistent snapshot)."""

    def write(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """A read-write unit of work."""
        ...

    def read(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """A read-only unit of work (writing through it is a bug)."""
        ...
