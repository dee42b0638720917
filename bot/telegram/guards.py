"""Guards that run before the features (negative handler groups, see ``handlers.py``):
duplicate deliveries and anything from outside a private chat."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot import texts
from bot.telegram.context import TandemContext

logger = logging.getLogger(__name__)


async def drop_duplicates(update: Update, context: TandemContext) -> None:
    """Drop an update whose id was already claimed (Telegram delivers at least once)."""
    now = context.deps.now()
    if not await context.services.updates.claim(update.update_id, now):
        logger.info("duplicate update %s dropped", update.update_id)
        raise ApplicationHandlerStop


async def private_only(update: Update, context: TandemContext) -> None:
    """Anything from outside a private chat changes nothing (DESIGN.md, privacy rule 6): a
    command or a text gets a link to the private chat, a button press a toast saying where to
    go; edits, service messages and the rest are ignored. Updates from a private chat (and
    callback queries of inline messages, which have no chat) go on to the features."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return
    link = f"https://t.me/{context.bot.username}"
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text=texts.GROUP_BUTTON_PRIVATE)
        elif update.message is not None and _addressed(update, context):
            await update.message.reply_text(texts.GROUP_ONLY_PRIVATE.format(link=link))
    except TelegramError as exc:
        logger.info("group reply failed: %s", type(exc).__name__)
    raise ApplicationHandlerStop


def _addressed(update: Update, context: TandemContext) -> bool:
    """Whether a group message is meant for the bot: a command, a mention of it, or a reply
    to one of its messages (other chatter in the group is none of its business)."""
    message = update.message
    if message is None or not message.text:
        return False
    replied = message.reply_to_message
    return (
        message.text.startswith("/")
        or f"@{context.bot.username}".lower() in message.text.lower()
        or (replied is not None and replied.from_user is not None and replied.from_user.is_bot)
    )
