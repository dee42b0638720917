"""Rendering and sending: turns domain messages into Bot API calls.

The outbox is flushed here: each message is sent and then deleted; a failure either retries
later (network trouble, 429 ``RetryAfter``) or ends in a logged drop (a refused message).
``Forbidden`` means the user blocked the bot: the domain marks them inactive. Message texts
are never logged; only ids and Telegram's error description are.

Photos (a :class:`Message` with ``photo``) are sent only as direct replies, never through the
outbox: its table stores text only.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import replace
from datetime import datetime, timedelta

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    MessageEntity,
)
from telegram import Message as SentMessage
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.domain.messages import Keyboard, Message, OutboxItem, Spans, utf16_len
from bot.domain.ports import OutboxQueue
from bot.domain.tandem import Tandem

logger = logging.getLogger(__name__)

OUTBOX_LEASE = timedelta(seconds=60)
OUTBOX_BATCH = 50
MAX_SEND_ATTEMPTS = 10
#: Telegram's limit for a photo's caption, in UTF-16 units (DESIGN.md, platform limits).
MAX_CAPTION_CHARS = 1024
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


async def _send(
    bot: Bot,
    chat_id: int,
    text: str,
    buttons: Keyboard,
    spans: Spans = (),
    *,
    protect: bool = False,
) -> SentMessage:
    """One sendMessage, without a parse mode: user text is never read as markup; formatting
    comes only as entities beside the text (DESIGN.md, privacy rule 7)."""
    return await bot.send_message(
        chat_id=chat_id,
        text=text,
        entities=render_entities(spans),
        reply_markup=render_keyboard(buttons),
        link_preview_options=_NO_PREVIEW,
        protect_content=protect or None,
    )


def _retry_seconds(exc: RetryAfter) -> float:
    value = exc.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


class Sender:
    """Sends direct replies and flushes the outbox through ``bot``.

    One flush runs at a time per process (a lock), which keeps each chat's messages in order.
    """

    def __init__(self, tandem: Tandem, outbox: OutboxQueue) -> None:
        self._tandem = tandem
        self._outbox = outbox
        self._lock = asyncio.Lock()

    def _now(self) -> datetime:
        return self._tandem.deps.now()

    async def send(self, bot: Bot, message: Message) -> bool:
        """Send one message now (a direct reply), split if Telegram's limit requires it.
        Returns whether Telegram accepted all of it.

        A message with a ``photo`` goes out as one sendPhoto with ``text`` as its caption and
        the buttons under it; a text longer than a caption may be (1,024 characters) follows
        the captionless photo as ordinary message(s), the buttons under the last one.

        ``Forbidden`` marks the user inactive; a 429 moves the unsent rest to the outbox for
        after ``retry_after`` (the outbox holds text only: a refused photo is dropped, its
        text is queued); other Telegram errors are logged and swallowed: a lost
        acknowledgement is acceptable, a crash is not.
        """
        if message.photo is not None or message.document is not None:
            return await self._send_file(bot, message)
        return await self._send_text(bot, message)

    async def _send_file(self, bot: Bot, message: Message) -> bool:
        """The photo or document part of :meth:`send`: captioned if the text fits, else
        followed by it."""
        text = message.text
        captioned = utf16_len(text) <= MAX_CAPTION_CHARS
        caption = (text or None) if captioned else None
        markup = render_keyboard(message.buttons) if captioned else None
        try:
            if message.document is not None:
                name, data = message.document
                sent = await bot.send_document(
                    chat_id=message.user_id,
                    document=data,
                    filename=name,
                    caption=caption,
                    caption_entities=render_entities(message.spans) if captioned else None,
                    reply_markup=markup,
                    protect_content=message.protect or None,
                )
            else:
                assert message.photo is not None  # a file message is a document or a photo
                sent = await bot.send_photo(
                    chat_id=message.user_id,
                    photo=message.photo,
                    caption=caption,
                    caption_entities=render_entities(message.spans) if captioned else None,
                    reply_markup=markup,
                    protect_content=message.protect or None,
                )
        except Forbidden:
            await self._tandem.mark_inactive(message.user_id)
            return False
        except RetryAfter as exc:
            # Flood control: the photo is dropped (the outbox stores text); the text waits.
            logger.warning("file to %s dropped: flood control", message.user_id)
            if text.strip():
                at = self._now() + timedelta(seconds=_retry_seconds(exc))
                await self._outbox.add(replace(message, photo=None, document=None), at)
            return False
        except TelegramError as exc:
            logger.warning("file to %s not sent: %s", message.user_id, type(exc).__name__)
            return False
        await self._remember(message.user_id, sent.message_id, message.carries)
        if captioned:
            return True
        return await self._send_text(bot, replace(message, photo=None, document=None))

    async def _send_text(self, bot: Bot, message: Message) -> bool:
        """The text part of :meth:`send` (``message.photo`` is ignored)."""
        parts = message.parts()
        for index, part in enumerate(parts):
            try:
                sent = await _send(
                    bot, part.user_id, part.text, part.buttons, part.spans, protect=part.protect
                )
            except Forbidden:
                await self._tandem.mark_inactive(message.user_id)
                return False
            except RetryAfter as exc:
                # Flood control: the rest goes out through the outbox once it is allowed.
                at = self._now() + timedelta(seconds=_retry_seconds(exc))
                for rest in parts[index:]:
                    await self._outbox.add(rest, at)
                return False
            except TelegramError as exc:
                logger.warning("reply to %s not sent: %s", message.user_id, type(exc).__name__)
                return False
            await self._remember(part.user_id, sent.message_id, part.carries)
        return True

    async def _remember(self, chat_id: int, message_id: int, carries: tuple[int, ...]) -> None:
        """Remember a sent message that shows pairs' answers (see ``Message.carries``)."""
        for pair_id in carries:
            await self._outbox.remember_sent(chat_id, [message_id], pair_id, self._now())

    async def flush(self, bot: Bot) -> int:
        """Send every outbox message that is ready now; returns how many were sent.

        After a 429 or a network failure the flush stops; the failed chat's messages all wait
        (keeping their order) and the rest are released for the next flush.
        """
        sent = 0
        async with self._lock:
            while True:
                items = await self._outbox.claim(
                    self._now(), OUTBOX_LEASE, OUTBOX_BATCH, secrets.token_hex(8)
                )
                if not items:
                    return sent
                halted = False
                requeued = False  # a send queued new messages (a partner told of a block)
                postponed: set[int] = set()
                for item in items:
                    if item.user_id in postponed:
                        continue
                    if halted:
                        await self._outbox.retry_later(item, self._now())
                        continue
                    outcome = await self._send_item(bot, item)
                    if outcome == "sent":
                        sent += 1
                    elif outcome == "postponed":
                        postponed.add(item.user_id)
                        halted = True
                    elif outcome == "blocked":
                        requeued = True
                if halted or (len(items) < OUTBOX_BATCH and not requeued):
                    return sent

    async def _send_item(self, bot: Bot, item: OutboxItem) -> str:
        now = self._now()
        if item.delete_message_id is not None:
            return await self._delete_item(bot, item)
        try:
            sent = await _send(
                bot, item.user_id, item.text, item.buttons, item.spans, protect=item.protect
            )
        except Forbidden:
            logger.info("outbox %s: user %s blocked the bot", item.id, item.user_id)
            await self._outbox.done(item, "blocked")
            await self._tandem.mark_inactive(item.user_id)
            return "blocked"
        except RetryAfter as exc:
            wait = timedelta(seconds=_retry_seconds(exc))
            logger.warning("outbox %s: flood control, retry in %ss", item.id, wait.total_seconds())
            await self._outbox.postpone_user(item.user_id, now + wait, item.claim_token)
            return "postponed"
        except BadRequest as exc:
            logger.error("outbox %s to %s refused: %s", item.id, item.user_id, exc.message)
            await self._outbox.done(item, "dropped")
            return "dropped"
        except NetworkError as exc:
            if item.attempts >= MAX_SEND_ATTEMPTS:
                logger.error(
                    "outbox %s to %s dropped after %s attempts",
                    item.id,
                    item.user_id,
                    item.attempts,
                )
                await self._outbox.done(item, "dropped")
                return "dropped"
            delay = timedelta(seconds=min(300, 2**item.attempts))
            logger.warning("outbox %s: network trouble (%s)", item.id, type(exc).__name__)
            await self._outbox.postpone_user(item.user_id, now + delay, item.claim_token)
            return "postponed"
        carried = () if item.carries is None else (item.carries,)
        await self._remember(item.user_id, sent.message_id, carried)
        await self._outbox.done(item)
        return "sent"

    async def _delete_item(self, bot: Bot, item: OutboxItem) -> str:
        """An outbox deletion: take a bot message back from the user's chat. Telegram refuses
        once it is older than 48 hours or already gone; either way there is nothing more to
        do, so the row is done (logged at INFO, with ids only)."""
        assert item.delete_message_id is not None
        try:
            await bot.delete_message(chat_id=item.user_id, message_id=item.delete_message_id)
        except RetryAfter as exc:
            wait = timedelta(seconds=_retry_seconds(exc))
            await self._outbox.postpone_user(item.user_id, self._now() + wait, item.claim_token)
            return "postponed"
        except NetworkError as exc:
            if item.attempts < MAX_SEND_ATTEMPTS and not isinstance(exc, BadRequest):
                delay = timedelta(seconds=min(300, 2**item.attempts))
                await self._outbox.postpone_user(
                    item.user_id, self._now() + delay, item.claim_token
                )
                return "postponed"
            logger.info("outbox %s: message not deleted: %s", item.id, type(exc).__name__)
        except TelegramError as exc:
            logger.info("outbox %s: message not deleted: %s", item.id, type(exc).__name__)
        await self._outbox.done(item, "dropped")
        return "dropped"
