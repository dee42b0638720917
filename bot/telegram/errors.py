"""The one error handler: a failure is logged (ids and the exception's type only: never an
update's text, DESIGN.md privacy rule 5) and the user is told something went wrong. The
update's id needs no release: it is claimed in the transaction of its work
(:mod:`bot.domain.ports.updates`), so a failure inside that transaction rolled the claim back
and a redelivery is handled, while a failure after it leaves the committed work claimed."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot import texts
from bot.domain.ports.updates import DuplicateUpdate, current_update, end_update
from bot.i18n import speaking
from bot.telegram.context import SERVICES_KEY, Services, TandemContext
from bot.telegram.reports import report_error

logger = logging.getLogger(__name__)


async def on_error(update: object, context: TandemContext) -> None:
    """Log the failure and apologise in a private chat; a duplicate that escaped a handler is
    only logged at INFO and stops there."""
    claim = current_update()
    end_update()
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(context.error, DuplicateUpdate):
        logger.info("duplicate update %s dropped", update_id)
        raise ApplicationHandlerStop
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
    chat = update.effective_chat
    if chat is not None and chat.type == "private":
        user = update.effective_user
        chosen = None if claim is None else claim.language
        with speaking(chosen or (user.language_code if user is not None else None)):
            text = texts.SOMETHING_WRONG
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(chat.id, text)
