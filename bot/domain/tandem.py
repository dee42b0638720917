"""The domain, composed: the services every operation is given (:class:`~bot.domain.deps.Deps`)
and the due-work handlers each feature exports. The adapter calls the features' operations
with ``tandem.deps``; the runner calls :meth:`Tandem.due_handlers`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from functools import partial

from bot.domain import account, notices, pairing, retention, rounds, schedule, wave
from bot.domain.cohorts import broadcasts, weeks
from bot.domain.deps import Deps
from bot.domain.exercises import followup, reminders
from bot.domain.messages import Keyboard
from bot.domain.subjects import DueKind
from scheduler.due import BatchHandler, DueHandler, DueItem

#: A feature's due-work handler before it is given the services.
FeatureHandler = Callable[[Deps, DueItem, datetime], Awaitable[datetime | None]]

#: Every feature's due-work handlers, by kind.
FEATURE_HANDLERS: Mapping[DueKind, FeatureHandler] = {
    **rounds.DUE_HANDLERS,
    **followup.DUE_HANDLERS,
    **reminders.DUE_HANDLERS,
    **weeks.DUE_HANDLERS,
    **broadcasts.DUE_HANDLERS,
    **retention.DUE_HANDLERS,
    **notices.DUE_HANDLERS,
    **pairing.DUE_HANDLERS,
}


class Tandem:
    """One process's domain: ``deps`` for every operation; safe for concurrent use."""

    def __init__(self, deps: Deps) -> None:
        missing = set(DueKind) - set(FEATURE_HANDLERS)
        if missing:  # a kind nobody handles would sit in due work forever
            raise RuntimeError(f"no handler for due work of kind {sorted(missing)}")
        self.deps = deps

    def due_handlers(self) -> dict[str, DueHandler]:
        """Each due-work kind's handler, given this process's services (for the runner)."""
        return {kind.value: partial(h, self.deps) for kind, h in FEATURE_HANDLERS.items()}

    def due_batch_handlers(self) -> dict[str, BatchHandler]:
        """The kinds handled a batch at a time (opening a wave of rounds in one transaction),
        given this process's services (for the runner)."""
        return {kind.value: partial(h, self.deps) for kind, h in wave.BATCH_HANDLERS.items()}

    async def mark_inactive(self, user_id: int) -> bool:
        """The user blocked the bot (see :func:`bot.domain.account.mark_inactive`)."""
        return await account.mark_inactive(self.deps, user_id)

    async def question_not_sent(self, user_id: int, buttons: Keyboard) -> int:
        """A queued question was dropped past its lateness bound: its round closes (see
        :func:`bot.domain.rounds.question_not_sent`)."""
        return await rounds.question_not_sent(self.deps, user_id, buttons)

    async def next_round_at_for(self, user_id: int) -> datetime | None:
        """When the user's pair's next scheduled round opens (see
        :func:`bot.domain.schedule.next_round_at`)."""
        return await schedule.next_round_at(self.deps, user_id)
