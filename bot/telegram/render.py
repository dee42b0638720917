"""An operation's :class:`~bot.domain.messages.Outcome` as Telegram calls: the replies, the
pressed button's toast (answering its callback query), the edit of the pressed message and the
language of the chat's command menu."""

from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeChat, CallbackQuery, Update
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.domain.messages import Edit, MenuLanguage, Outcome
from bot.i18n import speaking
from bot.telegram.calls import render_entities, render_keyboard
from bot.telegram.commands import Audience, listing
from bot.telegram.context import TandemContext
from bot.telegram.send_metrics import RETRY_AFTER

logger = logging.getLogger(__name__)


async def render(update: Update, context: TandemContext, outcome: Outcome) -> None:
    """Answer the callback query (with the toast, if any), apply the edit, delete what the
    outcome removes from the sender's own chat, send the replies."""
    query = update.callback_query
    if query is not None:
        await _answer_query(query, outcome.toast)
        if outcome.edit is not None:
            await _apply_edit(query, outcome.edit)
    if outcome.delete and update.effective_user is not None:
        await _delete(context, update.effective_user.id, outcome.delete)
    for message in outcome.replies:
        await context.sender.send(context.bot, message)
    if outcome.menu is not None and update.effective_user is not None:
        await _set_menu(context, update.effective_user.id, outcome.menu)


async def _set_menu(context: TandemContext, chat_id: int, menu: MenuLanguage) -> None:
    """Give the user's private chat (chat id = user id) its own command menu in the language
    they chose, or remove it so that Telegram shows the menu registered for their client's
    language again (``BotCommandScopeChat`` comes before the language-wide menus in Telegram's
    order). A failure is logged: the choice itself is saved, only the menu keeps its words."""
    scope = BotCommandScopeChat(chat_id)
    try:
        if menu.language is None:
            await context.bot.delete_my_commands(scope=scope)
        else:
            with speaking(menu.language):
                commands = [BotCommand(n, d) for n, d in listing(Audience.EVERYONE)]
            await context.bot.set_my_commands(commands, scope=scope)
    except TelegramError as exc:
        logger.warning("chat menu not set: %s", type(exc).__name__)


async def _delete(context: TandemContext, chat_id: int, message_ids: tuple[int, ...]) -> None:
    """Delete messages of the sender's private chat (chat id = user id), each on its own: one
    the user already deleted does not keep the others."""
    for message_id in message_ids:
        try:
            await context.bot.delete_message(chat_id=chat_id, message_id=message_id)
        except TelegramError as exc:
            logger.info("delete failed: %s", type(exc).__name__)


async def _answer_query(query: CallbackQuery, toast: str | None) -> None:
    try:
        await query.answer(text=toast or None)
    except RetryAfter:
        # Flood control: the toast is lost; what the press did is saved and the rest goes on.
        RETRY_AFTER.inc()
        logger.warning("callback query not answered: flood control")
    except TelegramError as exc:
        # An old query (the bot was down) can no longer be answered; the rest still works.
        logger.info("callback query not answered: %s", type(exc).__name__)


async def _apply_edit(query: CallbackQuery, edit: Edit) -> None:
    markup = render_keyboard(edit.buttons)
    try:
        if edit.text is None:
            await query.edit_message_reply_markup(reply_markup=markup)
        else:
            await query.edit_message_text(
                text=edit.text, entities=render_entities(edit.spans), reply_markup=markup
            )
    except RetryAfter:
        # Flood control on an edit: the pressed message keeps its old look; what the press
        # did is saved. Never "Something went wrong" for it.
        RETRY_AFTER.inc()
        logger.warning("edit not applied: flood control")
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            logger.info("edit failed: %s", exc.message)
    except Forbidden:
        pass
    except TelegramError as exc:
        logger.warning("edit not applied: %s", type(exc).__name__)
