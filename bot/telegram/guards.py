"""Guards that run before the features (negative handler groups, see ``handlers.py``):
duplicate deliveries, group chats, edited messages."""

from __future__ import annotations

import logging

from telegram import Update
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


async def in_group(update: Update, context: TandemContext) -> None:
    """Any command outside a private chat: a link to the private chat, nothing else (DESIGN.md,
    privacy rule 6)."""
    message = update.effective_message
    if message is not None:
        link = f"https://t.me/{context.bot.username}"
        try:
            await message.reply_text(texts.GROUP_ONLY_PRIVATE.format(link=link))
        except TelegramError as exc:
            logger.info("group reply failed: %s", type(exc).__name__)
    raise ApplicationHandlerStop


async def ignore(update: Update, context: TandemContext) -> None:
    """Edited messages (an edit is not a new answer: answers change through the buttons), and
    messages in groups and channels that are not commands: ignored, quietly."""
    raise ApplicationHandlerStop
