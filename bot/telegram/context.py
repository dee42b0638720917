"""A typed CallbackContext: handlers reach Tandem's services through properties, not loose
``bot_data`` keys (the pattern of python-telegram-bot's contexttypesbot example).

The services are described by a Protocol, so the adapter does not import the composition root
that builds them (``bot/runtime.py`` imports the adapter, never the other way round).
"""

from __future__ import annotations

from typing import Any, Protocol

from telegram.ext import CallbackContext, ExtBot

from bot.domain.deps import Deps
from bot.domain.ports import UpdateLedger
from bot.domain.tandem import Tandem
from bot.telegram.sender import Sender

#: Where the composition root puts the running services in ``Application.bot_data``.
SERVICES_KEY = "tandem.runtime"


class Services(Protocol):
    """What the handlers use of a running process."""

    @property
    def tandem(self) -> Tandem:
        """The domain."""
        ...

    @property
    def sender(self) -> Sender:
        """Sends replies and flushes the outbox."""
        ...

    @property
    def updates(self) -> UpdateLedger:
        """Update ids already handled."""
        ...


class TandemContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with ``services``, ``deps`` (what every operation is given) and
    ``sender``."""

    @property
    def services(self) -> Services:
        """The running services; raises RuntimeError before start-up finished."""
        found = self.application.bot_data.get(SERVICES_KEY)
        if found is None:
            raise RuntimeError("Tandem's services are not started")
        return found  # type: ignore[no-any-return]

    @property
    def deps(self) -> Deps:
        """What every domain operation is given."""
        return self.services.tandem.deps

    @property
    def sender(self) -> Sender:
        """Sends replies and flushes the outbox."""
        return self.services.sender
