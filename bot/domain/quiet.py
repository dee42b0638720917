"""Quiet hours, delivered: when a queued message reaches someone inside their quiet hours,
it either waits for the end of them or goes at once without sound (issue 12, "Quiet hours per
person").

Each person has quiet hours on their own clock (``User.quiet``: 22:00–08:00 until they choose
others with ``/quiet``; None when turned off). The rule, in one place:

- a message to the person acting (``bot.domain.sending.acting``) is never held or silenced:
  they are awake and looking at the chat;
- outside the recipient's quiet hours nothing changes;
- inside them, what can wait (:attr:`Urgency.WAITS`: reminders, partner notices, broadcasts,
  exercise offers, follow-ups) is held until they end (``Message.not_before``);
- what belongs to an instant both partners share (:attr:`Urgency.SILENT`: a check-in question
  opening for both, a reveal reaching the partner) goes at once, without sound
  (``Message.silent``, Telegram's ``disable_notification``).

:func:`people.tell` applies :attr:`Urgency.WAITS` to everything it queues for someone else
unless the caller marks the exception; round openings mark their questions silent. Pure:
nothing is read or written here.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from enum import StrEnum

from bot.domain.messages import Message
from bot.domain.model import User
from scheduler.cadence import QuietHours


class Urgency(StrEnum):
    """How a queued message treats its recipient's quiet hours."""

    #: Held until the recipient's quiet hours end (the default for notices to someone else).
    WAITS = "waits"
    #: Sent at once, without sound inside the recipient's quiet hours (a check-in opening for
    #: both at the pair's instant, a reveal).
    SILENT = "silent"


def quiet_delivery(
    message: Message,
    recipient: User | None,
    zone: str,
    now: datetime,
    urgency: Urgency = Urgency.WAITS,
    actor: int | None = None,
) -> Message:
    """``message`` as it should be queued at ``now`` (aware UTC) for ``recipient`` (the user
    ``message.user_id`` names, read in this unit of work; None when unknown: unchanged), whose
    quiet hours are read on ``zone``'s clocks (their own timezone, ``people.zone_of``).

    Unchanged for the person acting (``actor``), for someone with quiet hours off, and outside
    their quiet hours. Inside them: with :attr:`Urgency.WAITS`, ``not_before`` is the end of
    the quiet hours (aware UTC); with :attr:`Urgency.SILENT`, ``silent`` is set. Raises
    ValueError for a naive ``now`` or an unknown ``zone``."""
    if recipient is None or recipient.id != message.user_id or recipient.id == actor:
        return message
    quiet = recipient.quiet
    if quiet is None:
        return message
    return _within(message, quiet, zone, now, urgency)


def _within(
    message: Message, quiet: QuietHours, zone: str, now: datetime, urgency: Urgency
) -> Message:
    """The rule of :func:`quiet_delivery` for quiet hours that are on."""
    ends = quiet.end_after(now, zone)
    if ends is None:
        return message
    if urgency is Urgency.SILENT:
        return replace(message, silent=True)
    return replace(message, not_before=ends)


def quiet_text(quiet: QuietHours | None, off: str) -> str:
    """Quiet hours as people read them: ``22:00–08:00`` (24-hour wall times on their own
    clock), or ``off`` (a text of the caller's, in the language in force) when turned off."""
    if quiet is None:
        return off
    return f"{quiet.start:%H:%M}\u2013{quiet.end:%H:%M}"
