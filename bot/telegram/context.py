"""A typed CallbackContext: handlers reach Tandem's services through properties, not loose
``bot_data`` keys (the pattern of python-telegram-bot's contexttypesbot example)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from telegram.ext import CallbackContext, ExtBot

if TYPE_CHECKING:
    from bot.domain.legacy.service import Tandem
    from bot.runtime import Runtime
    from bot.telegram.sender import Sender

RUNTIME_KEY = "tandem.runtime"


class TandemContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with ``runtime``, ``tandem`` (domain service) and ``sender``."""

    @property
    def runtime(self) -> Runtime:
        """The running services; raises RuntimeError before start-up finished."""
        runtime = self.application.bot_data.get(RUNTIME_KEY)
        if runtime is None:
            raise RuntimeError("Tandem's runtime is not started")
        return runtime  # type: ignore[no-any-return]

    @property
    def tandem(self) -> Tandem:
        """The domain service."""
        return self.runtime.tandem

    @property
    def sender(self) -> Sender:
        """Sends replies and flushes the outbox."""
        return self.runtime.sender
