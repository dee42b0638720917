"""Who is waiting for a queued message: its priority and, for a scheduled question, the
instant after which it is no longer sent.

The domain queues messages through ``tell()`` without saying how urgent they are; the context
it runs in says it. The adapter marks a user's own action (:func:`acting`: a command, a button,
a text); a scheduled opening marks its questions as bulk with a lateness bound
(:func:`bulk_until`); due work runs outside both and is bulk. The outbox reads
:func:`priority_for` and :func:`not_after` when it writes a row (``bot/storage/outbox.py``),
and the sender claims rows in priority order (``bot/telegram/sender.py``): the reply a person
is looking at goes ahead of a wave of questions or a broadcast (issue 10, "Delivery under
Telegram's limits").
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum


class Priority(IntEnum):
    """The order in which queued messages are sent (lower first; stored in ``outbox``)."""

    #: What a user's own action produced for themselves (a reply, their own reveal).
    INTERACTIVE = 0
    #: What a user's action produced for someone else (the partner's reveal or notice).
    NORMAL = 1
    #: Scheduled work: a wave of questions, reminders, a broadcast.
    BULK = 2


@dataclass
class _Sending:
    actor: int | None = None
    not_after: datetime | None = None
    #: How many messages ahead of bulk (interactive or normal) were queued inside.
    queued: int = 0


_SENDING: ContextVar[_Sending | None] = ContextVar("tandem_sending", default=None)


@contextmanager
def acting(user_id: int) -> Iterator[_Sending]:
    """Everything queued inside is caused by ``user_id``'s own action (the adapter wraps each
    handled update in it). Yields the context: its ``queued`` says afterwards whether anything
    ahead of bulk was queued (the sender is told to look at once)."""
    current = _Sending(actor=user_id)
    token = _SENDING.set(current)
    try:
        yield current
    finally:
        _SENDING.reset(token)


@contextmanager
def bulk_until(deadline: datetime) -> Iterator[None]:
    """Everything queued inside is scheduled bulk that must not be sent after ``deadline``
    (aware UTC): a round's questions past the lateness bound are skipped, not sent."""
    token = _SENDING.set(_Sending(actor=None, not_after=deadline))
    try:
        yield
    finally:
        _SENDING.reset(token)


def priority_for(user_id: int, *, broadcast: bool = False) -> Priority:
    """The priority of a message to ``user_id`` queued now: a broadcast is always bulk; the
    actor's own messages are interactive, others' normal; without an actor (due work), bulk."""
    current = _SENDING.get()
    if broadcast or current is None or current.actor is None:
        return Priority.BULK
    current.queued += 1
    return Priority.INTERACTIVE if current.actor == user_id else Priority.NORMAL


def not_after() -> datetime | None:
    """The lateness bound of what is queued now (aware UTC), or None."""
    current = _SENDING.get()
    return None if current is None else current.not_after


def actor() -> int | None:
    """The user whose own action is being handled (see :func:`acting`), or None (due work, a
    scheduled opening). Messages to them are never held or silenced (issue 12)."""
    current = _SENDING.get()
    return None if current is None else current.actor
