"""Telegram handlers: read the update, call one domain operation, render its outcome.

Handler groups (lower runs first; a group's first matching handler runs):

* ``-100`` duplicate guard: an update id already handled is dropped (at-least-once delivery);
  otherwise the update's first write transaction claims its id with the work it does.
* ``-50`` private chats only: a command, a text or a button press in a group gets a pointer to
  the private chat and nothing else; anything else outside a private chat is ignored.
* ``0`` the features: every command of the registry (``commands.py``), button presses
  (``buttons.py``), text and other messages, my_chat_member.
* ``100`` the claim of an update that wrote nothing, then the outbox: the sender is woken
  (or, in tests, flushes) after every update, so partners hear about it at once.

Every operation runs through :func:`bot.domain.errors.boundary`, the one place a refusal
becomes a reply (its transaction already rolled back).
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from telegram import CallbackQuery, ChatMember, Update
from telegram import Message as TelegramMessage
from telegram.constants import ChatType
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import texts
from bot.domain import answers, inputs
from bot.domain.errors import boundary
from bot.domain.messages import Message, Outcome, Pressed
from bot.domain.people import UserInfo, clean_name
from bot.domain.ports.updates import DuplicateUpdate, current_update
from bot.domain.sending import acting
from bot.i18n import speaking
from bot.telegram import buttons, guards
from bot.telegram.commands import COMMANDS, Command
from bot.telegram.context import TandemContext
from bot.telegram.errors import on_error
from bot.telegram.render import render

logger = logging.getLogger(__name__)

PRIVATE = filters.ChatType.PRIVATE

Callback = Callable[[Update, TandemContext], Coroutine[Any, Any, None]]
_Call = Callable[[Update, TandemContext, UserInfo], Awaitable[Outcome]]


def who_sent(update: Update) -> UserInfo | None:
    """The sender as the domain sees them (only the id identifies), with the language they
    chose with /language as the duplicate guard read it (issue 12); None for an update that
    names no sender (Telegram fills ``from`` in private chats: only a forged or unusual
    update lacks it)."""
    user = update.effective_user
    if user is None:
        return None
    claim = current_update()
    return UserInfo(
        id=user.id,
        first_name=clean_name(user.first_name),
        username=user.username,
        language_code=user.language_code,
        message_id=None if update.message is None else update.message.message_id,
        language=None if claim is None else claim.language,
    )


def pressed_message(query: CallbackQuery) -> Pressed | None:
    """The pressed message as Telegram describes it: its id, chat, sending time (None once
    Telegram no longer shows it) and the callback data its buttons really carry."""
    message = query.message
    if message is None:
        return None
    if not message.is_accessible or not isinstance(message, TelegramMessage):
        # Too old or deleted: Telegram sends only its id and chat (date 0).
        return Pressed(message.message_id, message.chat.id, None, frozenset())
    markup = message.reply_markup
    rows = () if markup is None else markup.inline_keyboard
    data = frozenset(
        b.callback_data for row in rows for b in row if isinstance(b.callback_data, str)
    )
    return Pressed(message.message_id, message.chat.id, message.date, data)


def _handler(call: _Call) -> Callback:
    """A handler that runs ``call`` at the operation boundary, in the sender's language (their
    /language choice, else Telegram's; the domain switches to the partner's language for what
    it queues for them), and renders the outcome."""

    async def handler(update: Update, context: TandemContext) -> None:
        who = who_sent(update)
        if who is None:
            logger.debug("update %s names no sender: ignored", update.update_id)
            return
        # What the operation queues for the sender is interactive; for others, normal.
        with speaking(who.speaks), acting(who.id) as sending:
            try:
                outcome = await boundary(who.id, call(update, context, who))
            except DuplicateUpdate as dup:
                guards.duplicate(dup.update_id)
            await render(update, context, outcome)
        if sending.queued:
            context.sender.wake(urgent=True)  # ahead of any bulk being sent

    handler.__doc__ = call.__doc__
    return handler


def command_args(args: Sequence[str] | None) -> list[str]:
    """A command's words without invisible formatting characters (Unicode category Cf: zero
    widths, direction marks), which a client or a paste may slip in: ``/timezone \u200bBerlin``
    means Berlin. A word left empty is dropped."""
    words = ("".join(ch for ch in word if unicodedata.category(ch) != "Cf") for word in args or ())
    return [word for word in words if word]


def _command(command: Command) -> Callback:
    async def call(update: Update, context: TandemContext, who: UserInfo) -> Outcome:
        return await command.operation(context.deps, who, command_args(context.args))

    call.__doc__ = f"/{command.name}: {command.operation.__doc__ or ''}"
    return _handler(call)


async def _on_button(update: Update, context: TandemContext, who: UserInfo) -> Outcome:
    """Any inline-button press: parsed strictly, checked by the domain for membership."""
    query = update.callback_query
    assert query is not None
    return await buttons.press(context.deps, who, query.data, pressed_message(query))


async def _on_text(update: Update, context: TandemContext, who: UserInfo) -> Outcome:
    """A text message: whatever the database says it answers."""
    message = update.effective_message
    assert message is not None
    return await inputs.text(context.deps, who, message.text or "", message.message_id)


async def _on_edit(update: Update, context: TandemContext, who: UserInfo) -> Outcome:
    """An edited message: an edited typed answer may replace the saved one (see
    :func:`bot.domain.answers.edited`); other edits change nothing."""
    message = update.edited_message
    if message is None or message.text is None:
        return Outcome()
    return await answers.edited(context.deps, who, message.message_id, message.text)


async def _on_other(update: Update, context: TandemContext, who: UserInfo) -> Outcome:
    """A sticker, photo, voice note, …: only text is understood."""
    return await inputs.non_text(context.deps, who)


async def _unknown(update: Update, context: TandemContext, who: UserInfo) -> Outcome:
    """A command Tandem does not have."""
    return Outcome(replies=[Message(who.id, texts.UNKNOWN_COMMAND)])


async def on_my_chat_member(update: Update, context: TandemContext) -> None:
    """The user blocked (or unblocked) the bot in their private chat. Unblocking alone changes
    nothing: the user comes back with /start."""
    change = update.my_chat_member
    if change is None or change.chat.type != ChatType.PRIVATE:
        return
    if change.new_chat_member.status in (ChatMember.BANNED, ChatMember.LEFT):
        try:
            await context.services.tandem.mark_inactive(change.from_user.id)
        except DuplicateUpdate as dup:
            guards.duplicate(dup.update_id)


async def flush_outbox(update: Update, context: TandemContext) -> None:
    """After every update: claim it if its work wrote nothing, then send what the domain
    queued for anyone: the continuous sender is woken, or, without it, the outbox is flushed
    here."""
    await guards.claim_unwritten(context)
    await context.sender.after_commit(context.bot)


def handlers() -> dict[int, Sequence[BaseHandler[Any, TandemContext, Any]]]:
    """Every handler, by group (see the module docstring for why the order matters)."""
    features: list[BaseHandler[Any, TandemContext, Any]] = [
        # First: an edit must not run as a new command or a new text.
        MessageHandler(PRIVATE & filters.UpdateType.EDITED_MESSAGE, _handler(_on_edit)),
    ]
    features += [CommandHandler(c.name, _command(c), filters=PRIVATE) for c in COMMANDS]
    features += [
        CallbackQueryHandler(_handler(_on_button)),
        ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER),
        MessageHandler(PRIVATE & filters.COMMAND, _handler(_unknown)),
        MessageHandler(PRIVATE & filters.TEXT, _handler(_on_text)),
        MessageHandler(PRIVATE & ~filters.StatusUpdate.ALL, _handler(_on_other)),
    ]
    return {
        -100: [TypeHandler(Update, guards.drop_duplicates)],
        -50: [TypeHandler(Update, guards.private_only)],
        0: features,
        100: [TypeHandler(Update, flush_outbox)],
    }


def register(application: Application[Any, TandemContext, Any, Any, Any, Any]) -> None:
    """Add every handler and the error handler to ``application`` (the composition root calls
    this once)."""
    application.add_handlers(handlers())
    application.add_error_handler(on_error)
