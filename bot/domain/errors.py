"""Refusals: the one way an operation says "no" to the person who asked.

An operation raises :class:`Refused` wherever a guard fails (not paired, not a member of what
a button names, a button from an earlier step…). Raised inside a unit of work, it rolls the
transaction back; :func:`boundary`, which the adapter wraps around every operation, turns it
into the reply. So a guard is one line, and nothing half-done is ever committed.
"""

from __future__ import annotations

from collections.abc import Awaitable

from bot.domain.messages import Edit, Message, Outcome


class Refused(Exception):
    """The operation cannot go ahead; ``text`` (already in the sender's language) says why.

    ``toast``: show it as the short notice on the pressed button instead of a message.
    ``close``: also remove the pressed message's buttons (they lead nowhere any more).
    """

    def __init__(self, text: str, *, toast: bool = False, close: bool = False) -> None:
        super().__init__("refused")
        self.text = text
        self.toast = toast
        self.close = close

    def outcome(self, user_id: int) -> Outcome:
        """The reply to ``user_id`` for this refusal."""
        edit = Edit(None, ()) if self.close else None
        if self.toast:
            return Outcome(toast=self.text, edit=edit)
        return Outcome(replies=[Message(user_id, self.text)], edit=edit)


async def boundary(user_id: int, operation: Awaitable[Outcome]) -> Outcome:
    """Run one operation for ``user_id``: its outcome, or the reply to its refusal (its
    transaction has rolled back by then)."""
    try:
        return await operation
    except Refused as refused:
        return refused.outcome(user_id)
