"""Guards that run before the features (negative handler groups, see ``handlers.py``):
duplicate deliveries and anything from outside a private chat, and the claim of an update
whose work wrote nothing (after the features)."""

from __future__ import annotations

import logging
from typing import NoReturn

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot import texts
from bot.domain.ports.updates import begin_update, current_update, end_update
from bot.telegram.context import TandemContext

logger = logging.getLogger(__name__)


async def drop_duplicates(update: Update, context: TandemContext) -> None:
    """Drop an update whose id was already claimed (Telegram delivers at least once);
    otherwise mark it as being handled (with the sender's /language choice, read in the same
    statement), so that the first unit of work that writes claims its
    id in the same transaction as the work (:mod:`bot.domain.ports.updates`): a crash before
    that commit leaves the id unclaimed and Telegram's redelivery is handled. A second
    delivery racing the first is stopped by that claim (:func:`duplicate`)."""
    sender = update.effective_user
    seen, language = await context.services.updates.arrival(
        update.update_id, None if sender is None else sender.id
    )
    if seen:
        duplicate(update.update_id)
    begin_update(update.update_id, context.deps.now(), language)


def duplicate(update_id: int) -> NoReturn:
    """Log a dropped redelivery (at INFO: it is expected) and stop handling it."""
    logger.info("duplicate update %s dropped", update_id)
    raise ApplicationHandlerStop


async def claim_unwritten(context: TandemContext) -> None:
    """After the features: claim the update being handled if its work wrote nothing (a
    refusal, a read-only view, an update no feature handles), so a redelivery is dropped.
    A crash before this claim lets a redelivery run again, which only repeats a reply."""
    update = current_update()
    end_update()
    if update is None or update.claimed:
        return
    if not await context.services.updates.claim(update.update_id, update.received_at):
        logger.info("duplicate update %s handled twice (no writes)", update.update_id)


async def private_only(update: Update, context: TandemContext) -> None:
    """Anything from outside a private chat changes nothing (DESIGN.md, privacy rule 6): a
    command or a text gets a link to the private chat, a button press a toast saying where to
    go; edits, service messages and the rest are ignored. Updates from a private chat (and
    callback queries of inline messages, which have no chat) go on to the features."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return
    link = f"https://t.me/{context.bot.username}"
    claimed = current_update()
    end_update()
    if claimed is not None and not await context.services.updates.claim(
        claimed.update_id, claimed.received_at
    ):
        duplicate(claimed.update_id)
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
