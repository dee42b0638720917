"""Tandem's ``Application``: python-telegram-bot's own, with each update handled inside its log
context (``update_id`` on every log line it causes, ``pair_id`` once the domain knows it) and
counted in ``tandem_updates_handled_total`` by kind. Both modes, polling and webhook, hand
every update to :meth:`TandemApp.process_update`, so this is the one place for both."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.logs import update_context
from bot.metrics import UPDATES

#: The update types Tandem's handlers use: what ``setWebhook`` and ``getUpdates`` ask for
#: (``allowed_updates``). ``tests/ops/test_webhook.py`` checks it against the handlers.
ALLOWED_UPDATES: tuple[str, ...] = (
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,
)


def kind_of(update: Update) -> str:
    """The update's type as Telegram names it (``message``, ``callback_query``, …), or
    ``other`` for a type Tandem does not handle."""
    for kind in ALLOWED_UPDATES:
        if getattr(update, kind, None) is not None:
            return kind
    return "other"


class TandemApp(Application[Any, Any, Any, Any, Any, Any]):
    """The real ``Application`` with :meth:`process_update` wrapped (see the module)."""

    async def process_update(self, update: object) -> None:
        """Handle ``update`` with its id in the log context, then count it by kind."""
        if not isinstance(update, Update):
            await super().process_update(update)
            return
        with update_context(update.update_id):
            await super().process_update(update)
        UPDATES.labels(kind=kind_of(update)).inc()
