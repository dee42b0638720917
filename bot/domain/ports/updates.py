"""The update being handled, so that its id is claimed in the transaction of the work it
carries (the port promise of :class:`~bot.domain.ports.UpdateLedger`: an update id is handled
once).

Telegram delivers an update at least once. Claiming its id in a transaction of its own before
the work would lose the work whenever the process dies between the two commits: the
redelivery finds the id claimed and is dropped. So the adapter only marks the update as
*being handled* (:func:`begin_update`); the first write unit of work of that update inserts
the id in its own transaction (``bot/storage/uow.py``), which commits the claim and the work
together or neither. That unit of work raises :class:`DuplicateUpdate` (and rolls back) when
another delivery of the same update got there first. An update whose work writes nothing (a
refusal, a read-only view) is claimed by the adapter after it was handled.

The mark lives in a context variable: python-telegram-bot runs all of an update's handler
groups in one task, and each concurrently processed update in a task of its own.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime


@dataclass
class UpdateClaim:
    """The update being handled: its id and when it arrived (aware UTC). ``claimed``: a
    committed (or, inside the open unit of work, a pending) row holds the id. ``language``:
    the sender's /language choice, read with the duplicate check (None: none, or unknown
    sender; issue 12), so the replies to this update speak it without another read."""

    update_id: int
    received_at: datetime
    claimed: bool = False
    language: str | None = None


class DuplicateUpdate(Exception):
    """Raised by the write unit of work that finds its update's id already claimed (a
    concurrent or earlier delivery of the same update); the transaction is rolled back and
    the adapter drops the update."""

    def __init__(self, update_id: int) -> None:
        super().__init__(f"update {update_id} already handled")
        self.update_id = update_id


_UPDATE: ContextVar[UpdateClaim | None] = ContextVar("tandem_update", default=None)


def begin_update(update_id: int, received_at: datetime, language: str | None = None) -> UpdateClaim:
    """Mark ``update_id`` (received at ``received_at``, aware UTC; its sender chose
    ``language`` with /language, if anything) as the update the current task handles;
    replaces any earlier mark."""
    claim = UpdateClaim(update_id, received_at, language=language)
    _UPDATE.set(claim)
    return claim


def current_update() -> UpdateClaim | None:
    """The update the current task handles, if any (due work and the outbox have none)."""
    return _UPDATE.get()


def end_update() -> None:
    """The current task handles no update any more."""
    _UPDATE.set(None)
