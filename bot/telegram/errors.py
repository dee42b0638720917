"""The one error handler: a failure is logged (ids and the exception's type only: never an
update's text, DESIGN.md privacy rule 5), the update is released so a redelivery is handled,
and the user is told something went wrong."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import TelegramError

from bot import texts
from bot.i18n import speaking
from bot.telegram.context import SERVICES_KEY, Services, TandemContext
from bot.telegram.reports import report_error

logger = logging.getLogger(__name__)


async def on_error(update: object, context: TandemContext) -> None:
    """Log the failure, release the update for a redelivery, apologise in a private chat."""
    update_id = update.update_id if isinstance(update, Update) else None
    logger.error(
        "error while handling update %s: %s",
        update_id,
        type(context.error).__name__,
        exc_info=context.error,
    )
    await report_error(context, update_id)  # to ADMIN_CHAT_ID, if set (rate-limited)
    if not isinstance(update, Update):
        return
    services: Services | None = context.application.bot_data.get(SERVICES_KEY)
    if services is None:
        return
    await services.updates.release(update.update_id)
    chat = update.effective_chat
    if chat is not None and chat.type == "private":
        user = update.effective_user
        with speaking(user.language_code if user is not None else None):
            text = texts.SOMETHING_WRONG
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(chat.id, text)
