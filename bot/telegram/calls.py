"""The Bot API calls the sender and the renderer make, and how their errors are read: a text
message (no parse mode; entities beside the text; an optional reply), an inline keyboard's
removal, keyboards and entities rendered for Telegram."""

from __future__ import annotations

from datetime import timedelta

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    MessageEntity,
    ReplyParameters,
)
from telegram import Message as SentMessage
from telegram.error import NetworkError, RetryAfter, TelegramError, TimedOut

from bot.domain.messages import Keyboard, Spans

_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def render_keyboard(buttons: Keyboard) -> InlineKeyboardMarkup | None:
    """An inline keyboard for ``buttons`` (None when there are none)."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b.label, url=b.url)
                if b.url
                else InlineKeyboardButton(b.label, callback_data=b.data)
                for b in row
            ]
            for row in buttons
        ]
    )


def render_entities(spans: Spans) -> list[MessageEntity] | None:
    """Telegram's entities for ``spans`` (None when there are none)."""
    if not spans:
        return None
    return [MessageEntity(span.style.value, span.offset, span.length) for span in spans]


async def send_text(
    bot: Bot,
    chat_id: int,
    text: str,
    buttons: Keyboard,
    spans: Spans = (),
    *,
    protect: bool = False,
    paid: bool = False,
    reply_to: int | None = None,
    silent: bool = False,
) -> SentMessage:
    """One sendMessage, without a parse mode: user text is never read as markup; formatting
    comes only as entities beside the text (DESIGN.md, privacy rule 7). ``paid``: sent with
    ``allow_paid_broadcast`` (``PAID_BROADCAST``: billed in Stars beyond the free limit).
    ``reply_to``: a message of the chat this one replies to; sent all the same when that
    message is gone (``allow_sending_without_reply``). ``silent``: with
    ``disable_notification`` (the recipient is inside their quiet hours, issue 12)."""
    return await bot.send_message(
        chat_id=chat_id,
        text=text,
        entities=render_entities(spans),
        reply_markup=render_keyboard(buttons),
        link_preview_options=_NO_PREVIEW,
        protect_content=protect or None,
        allow_paid_broadcast=paid or None,
        disable_notification=silent or None,
        reply_parameters=None
        if reply_to is None
        else ReplyParameters(reply_to, allow_sending_without_reply=True),
    )


def retry_seconds(exc: RetryAfter) -> float:
    value = exc.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


def error_kind(exc: TelegramError) -> str:
    """The ``kind`` label of a failed attempt that is worth retrying."""
    if isinstance(exc, TimedOut):
        return "timeout"
    text = str(exc)
    if "Bad Gateway" in text or "(5" in text:
        return "server"
    return "network" if isinstance(exc, NetworkError) else "other"


async def clear_markup(bot: Bot, chat_id: int, message_id: int) -> None:
    """Remove the inline keyboard of a bot message (editMessageReplyMarkup without a markup;
    issue 12: a closed round's questions lose their buttons)."""
    await bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id)
