"""Rendering and sending: turns domain messages into Bot API calls, under Telegram's limits.

The send policy is a *priority outbox in front of the sender*, not a ``BaseRateLimiter``
subclass. A rate limiter sees one request at a time, when some coroutine makes it: it cannot
put a reply someone is waiting for ahead of a wave that was requested earlier, and making a
request wait inside it holds whoever made it (a handler, a flush holding the outbox). The
outbox knows everything that waits, and how urgent it is (``outbox.priority``, from
``bot.domain.sending``): the sender claims interactive messages first, then messages for a
partner, then bulk (a wave of questions, reminders, a broadcast), takes each overall slot from
the shared budget and keeps one second between two messages to a chat
(:mod:`bot.telegram.pacing`). Direct replies skip the queue: they take the next slot.

Delivery keeps every message until Telegram accepts it or refuses it for good:

* a 429 ``RetryAfter`` holds only that chat for what Telegram asked (not an attempt);
* a network error, a timeout or a 5xx counts a failure on the row, holds the chat with a
  backoff (1, 2, 4 … 300 s) and pauses the sender the same way; the row is never dropped;
* ``Forbidden`` (the user blocked the bot): the domain marks them inactive and parks what
  shows answers until they come back (``Outbox.park_for``);
* ``BadRequest`` (chat not found, a refused text): logged and dropped, for good;
* a scheduled question past its lateness bound (``outbox.not_after``) is not sent, and the
  round it asks closes as expired (``Tandem.question_not_sent``).

A continuous task (:meth:`Sender.run`) sends as soon as something is ready: woken when a
handler or the tick queued something, otherwise sleeping until the next allowed instant.
Tests, with no task running, flush after every update and every tick instead. Message texts
are never logged; only ids and Telegram's error description are.

Photos (a :class:`Message` with ``photo``) are sent only as direct replies, never through the
outbox: its table stores text only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from dataclasses import replace
from datetime import datetime, timedelta

from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.domain.messages import Finished, Message, OutboxItem, utf16_len
from bot.domain.ports import OutboxQueue
from bot.domain.sending import Priority
from bot.domain.tandem import Tandem
from bot.telegram.calls import (
    clear_markup,
    error_kind,
    render_entities,
    render_keyboard,
    retry_seconds,
    send_text,
)
from bot.telegram.pacing import CHAT_INTERVAL, SLOT_BATCH, Pacer, backoff, wait_until
from bot.telegram.send_metrics import MESSAGES_SENT, RETRY_AFTER, SEND_ERRORS

logger = logging.getLogger(__name__)

OUTBOX_LEASE = timedelta(seconds=60)
#: Rows claimed at once without pacing (the tests' sandbox).
OUTBOX_BATCH = 50
#: Rows claimed at once with pacing (about half a second of sending; the next claim is made
#: while these go out).
CLAIM_BATCH = 16
#: The longest the continuous sender sleeps without being woken (other processes may queue).
IDLE_WAKE = timedelta(seconds=1)
#: After a flush that failed (the database unreachable), the sender tries again this soon.
FAILED_FLUSH_WAIT = timedelta(seconds=2)
_PRIORITY_LABELS = {0: "interactive", 1: "normal", 2: "bulk"}
#: Telegram's limit for a photo's caption, in UTF-16 units (DESIGN.md, platform limits).
MAX_CAPTION_CHARS = 1024


class Sender:
    """Sends direct replies and the outbox through ``bot``, under the send policy of
    ``pacer`` (see the module docstring; default: no pacing).

    One flush runs at a time per process (a lock), which keeps each chat's messages in order;
    direct replies never wait for that lock.
    """

    def __init__(self, tandem: Tandem, outbox: OutboxQueue, pacer: Pacer | None = None) -> None:
        self._tandem = tandem
        self._outbox = outbox
        self._pacer = pacer or Pacer(None, tandem.deps.clock)
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._urgent = False
        self._task: asyncio.Task[None] | None = None
        #: Rows Telegram answered for, not yet recorded (:meth:`_record`).
        self._accepted: list[Finished] = []
        self._recording: asyncio.Task[None] | None = None

    def _now(self) -> datetime:
        return self._tandem.deps.now()

    # ---- direct replies ----------------------------------------------------------------------

    async def send(self, bot: Bot, message: Message) -> bool:
        """Send one message now (a direct reply), split if Telegram's limit requires it.
        Returns whether Telegram accepted all of it.

        A message with a ``photo`` goes out as one sendPhoto with ``text`` as its caption and
        the buttons under it; a text longer than a caption may be (1,024 characters) follows
        the captionless photo as ordinary message(s), the buttons under the last one.

        A reply takes the next overall slot, ahead of the outbox, and waits at most a second
        for its chat. ``Forbidden`` marks the user inactive; a 429 or a network failure moves
        the unsent rest to the outbox, ahead of bulk (interactive priority), for after
        ``retry_after`` or a second (the outbox holds text only: a photo is dropped, its text
        is queued); a ``BadRequest`` is logged and swallowed: a refused acknowledgement is
        acceptable, a crash is not.
        """
        if message.photo is not None or message.document is not None:
            return await self._send_file(bot, message)
        return await self._send_text(bot, message)

    async def _reply_turn(self, chat_id: int) -> datetime | None:
        """Wait for a direct reply's turn: its chat's second (when that is at most a second
        away) and the next overall slot. Returns None when it may go now, else the instant
        the chat is free (it was told to wait longer: the reply is queued for then)."""
        for _ in range(3):
            free = self._pacer.chat_free_at(chat_id)
            if free is not None:
                if free - self._now() > CHAT_INTERVAL:
                    return free
                await wait_until(self._tandem.deps.clock, free)
            await self._pacer.slot()
            # Taken after the slot, just before sending: the turn (in the database too, with
            # several processes) then covers the send itself. A chat another sender took
            # meanwhile costs the slot, and this waits again.
            if await self._pacer.take(chat_id) is None:
                return None
        return self._pacer.chat_free_at(chat_id) or self._now()

    async def _queue_rest(self, rest: list[Message], at: datetime) -> None:
        """Queue the unsent parts of a direct reply for ``at``, ahead of bulk. A part that
        shows more than one pair's answers (a /history page across an earlier pair and the
        current one) is not queued: an outbox row names one pair, so a later /delete or
        /unpair of the other pair would not find it (DESIGN.md, privacy rule 4). It is dropped
        (logged); the reader can ask again."""
        for part in rest:
            if len(part.carries) > 1:
                logger.info("reply to %s not queued: it shows several pairs", part.user_id)
                SEND_ERRORS.labels("not_queued").inc()
                continue
            await self._outbox.add(part, at, Priority.INTERACTIVE)
        self.wake(urgent=True)

    async def _send_file(self, bot: Bot, message: Message) -> bool:
        """The photo or document part of :meth:`send`: captioned if the text fits, else
        followed by it."""
        text = message.text
        captioned = utf16_len(text) <= MAX_CAPTION_CHARS
        caption = (text or None) if captioned else None
        markup = render_keyboard(message.buttons) if captioned else None
        textual = replace(message, photo=None, document=None)
        busy = await self._reply_turn(message.user_id)
        if busy is not None:
            logger.info("file to %s dropped: chat busy", message.user_id)
            if text.strip():
                await self._queue_rest([textual], busy)
            return False
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
            SEND_ERRORS.labels("blocked").inc()
            await self._tandem.mark_inactive(message.user_id)
            return False
        except RetryAfter as exc:
            # Flood control: the photo is dropped (the outbox stores text); the text waits.
            wait = await self._on_retry_after(message.user_id, exc)
            logger.warning("file to %s dropped: flood control", message.user_id)
            if text.strip():
                await self._queue_rest([textual], self._now() + wait)
            return False
        except TelegramError as exc:
            SEND_ERRORS.labels(error_kind(exc)).inc()
            logger.warning("file to %s not sent: %s", message.user_id, type(exc).__name__)
            return False
        await self._pacer.accepted(message.user_id)
        MESSAGES_SENT.labels("interactive").inc()
        await self._remember(message.user_id, sent.message_id, message.carries)
        if captioned:
            return True
        return await self._send_text(bot, textual)

    async def _send_text(self, bot: Bot, message: Message) -> bool:
        """The text part of :meth:`send` (``message.photo`` is ignored)."""
        parts = message.parts()
        for index, part in enumerate(parts):
            busy = await self._reply_turn(part.user_id)
            if busy is not None:
                await self._queue_rest(parts[index:], busy)
                return False
            try:
                sent = await send_text(
                    bot,
                    part.user_id,
                    part.text,
                    part.buttons,
                    part.spans,
                    protect=part.protect,
                    reply_to=part.reply_to,
                )
            except Forbidden:
                SEND_ERRORS.labels("blocked").inc()
                await self._tandem.mark_inactive(message.user_id)
                return False
            except RetryAfter as exc:
                # Flood control: the rest goes out through the outbox, ahead of any wave.
                wait = await self._on_retry_after(part.user_id, exc)
                await self._queue_rest(parts[index:], self._now() + wait)
                return False
            except BadRequest as exc:
                SEND_ERRORS.labels("refused").inc()
                logger.warning("reply to %s refused: %s", message.user_id, exc.message)
                return False
            except TelegramError as exc:
                # Network trouble: keep the reply (a timeout may have been delivered: the
                # duplicate window of README).
                SEND_ERRORS.labels(error_kind(exc)).inc()
                logger.warning("reply to %s not sent: %s", message.user_id, type(exc).__name__)
                pause = self._pacer.network_failed()
                await self._queue_rest(parts[index:], self._now() + pause)
                return False
            await self._pacer.accepted(part.user_id)
            MESSAGES_SENT.labels("interactive").inc()
            await self._remember(part.user_id, sent.message_id, part.carries)
            if part.asks is not None:
                await self._outbox.remember_question(
                    part.user_id, sent.message_id, part.asks, self._now()
                )
        return True

    async def _on_retry_after(self, chat_id: int, exc: RetryAfter) -> timedelta:
        """Count and log a 429 (a warning, without a traceback) and hold its chat (in the
        database too, with several processes); returns the wait Telegram asked for."""
        wait = timedelta(seconds=retry_seconds(exc))
        RETRY_AFTER.inc()
        overall = self._pacer.retry_after(chat_id, wait)
        logger.warning(
            "429 for chat %s: retry in %ss%s",
            chat_id,
            wait.total_seconds(),
            " (every send waits)" if overall else "",
        )
        await self._pacer.settle()
        return wait

    async def _remember(self, chat_id: int, message_id: int, carries: tuple[int, ...]) -> None:
        """Remember a sent message that shows pairs' answers (see ``Message.carries``)."""
        for pair_id in carries:
            await self._outbox.remember_sent(chat_id, [message_id], pair_id, self._now())

    # ---- the outbox --------------------------------------------------------------------------

    def wake(self, *, urgent: bool = False) -> None:
        """Something was queued: the continuous sender looks at once. ``urgent``: a user
        acted, so a flush in progress hands its bulk back and claims again (their messages
        go first)."""
        if urgent:
            self._urgent = True
        self._wake.set()

    async def after_commit(self, bot: Bot, *, urgent: bool = False) -> None:
        """What was just committed may be sent: wake the continuous sender when it runs, else
        (tests, the demo) flush now."""
        if self._task is not None and not self._task.done():
            self.wake(urgent=urgent)
            return
        await self.flush(bot)

    async def flush(self, bot: Bot) -> int:
        """Send every outbox message that is ready now, by priority; returns how many were
        sent. With pacing, each send waits for its slot (on a manual clock, the clock moves
        on), a message whose chat had one less than a second ago waits in the outbox, and the
        next claim is made while the current one is half sent. Paced or not, what Telegram
        answered is recorded :data:`SLOT_BATCH` or more rows at a time, beside the sending,
        and the rest when the flush ends (the duplicate window grows by those few messages,
        about 0.2 s when paced); a message showing a pair's answers is recorded at once.

        While the sender is paused (network failures, an overall 429) nothing is claimed; a
        flush interrupted by that, or by a user's action, hands the rest of its claim back
        (not an attempt)."""
        sent = 0
        token = secrets.token_hex(8)
        paced = self._pacer.enabled
        limit = CLAIM_BATCH if paced else OUTBOX_BATCH
        async with self._lock:
            try:
                items = await self._claim(token, limit)
                while items:
                    self._urgent = False
                    ahead: asyncio.Task[list[OutboxItem]] | None = None
                    stopped = False
                    for index, item in enumerate(items):
                        if paced and ahead is None and index >= len(items) // 2:
                            ahead = asyncio.create_task(self._claim(token, limit))
                        interrupted = self._urgent and item.priority > Priority.INTERACTIVE
                        if interrupted or self._pacer.paused_until() is not None:
                            await self._outbox.release(items[index:], self._now())
                            stopped = True
                            break
                        if await self._send_item(bot, item) == "sent":
                            sent += 1
                    following = [] if ahead is None else await ahead
                    if stopped:
                        await self._outbox.release(following, self._now())
                        following = []
                    # A claim that came back short left nothing ready then; what was queued
                    # since woke the sender (or flushes after its own commit), so the loop
                    # ends without one more (empty) claim, unless a user's action stopped it.
                    drained = len(items) < limit and ahead is None and not stopped
                    if following or (drained and not self._urgent):
                        items = following
                    else:
                        items = await self._claim(token, limit)
            finally:
                await self._record(final=True)
        return sent

    async def _claim(self, token: str, limit: int) -> list[OutboxItem]:
        """Claim the next ready messages, none while the sender is paused."""
        if self._pacer.paused_until() is not None:
            return []
        return await self._outbox.claim(self._now(), OUTBOX_LEASE, limit, token)

    async def _record(self, *, final: bool = False) -> None:
        """Record what Telegram accepted (delete the rows, hold their chats) in one
        transaction, beside the sending; ``final``: and wait for it. Also awaited before the
        sender moves a chat's rows (a 429 or a network failure postpones them, a block parks
        them): a sent row not yet recorded would otherwise be freed and sent twice."""
        if self._recording is not None and not self._recording.done() and not final:
            return  # the previous few are still being recorded: these go with the next
        previous, self._recording = self._recording, None
        if previous is not None:
            await asyncio.shield(previous)  # a stopping sender still records what went out
        batch, self._accepted = self._accepted, []
        if batch:
            self._recording = asyncio.create_task(self._outbox.done_many(batch, self._now()))
            if final:
                recording, self._recording = self._recording, None
                await asyncio.shield(recording)

    async def run(self, bot: Bot) -> None:
        """The continuous sender: flush, then sleep until the next message is ready, the pause
        ends or something is queued (:meth:`wake`), at most :data:`IDLE_WAKE`."""
        while True:
            self._wake.clear()
            now = self._now()
            until = now + IDLE_WAKE
            try:
                await self.flush(bot)
                now = self._now()
                paused = self._pacer.paused_until()
                until = paused if paused is not None else now + IDLE_WAKE
                nxt = None if paused is not None else await self._outbox.next_attempt(now)
                if nxt is not None and nxt < until:
                    until = nxt
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database went away: keep the task, try again
                logger.error("outbox flush failed: %s", type(exc).__name__)
                now = self._now()
                until = now + FAILED_FLUSH_WAIT
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), (until - now).total_seconds())

    def start(self, bot: Bot) -> None:
        """Start the continuous sender (production; the runtime stops it on close)."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.run(bot), name="tandem-sender")

    async def stop(self) -> None:
        """Stop the continuous sender; a message being sent keeps its lease and is retried
        after it (DESIGN.md's crash window)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        try:
            await self._record(final=True)
        except Exception as exc:  # the database is gone: those sends stay in the crash window
            logger.warning("sends not recorded at stop: %s", type(exc).__name__)

    async def _send_item(self, bot: Bot, item: OutboxItem) -> str:
        """One claimed row: skipped when late, handed back when its chat is not free, else
        sent in its slot; returns what happened."""
        now = self._now()
        if item.not_after is not None and now > item.not_after:
            logger.info("outbox %s to %s: past its lateness bound, not sent", item.id, item.user_id)
            SEND_ERRORS.labels("late").inc()
            # Its round closes first (a failure leaves the row to be dropped again, and the
            # round closed then): no reminder later points at a question never seen.
            await self._tandem.question_not_sent(item.user_id, item.buttons)
            await self._outbox.done(item, "late")
            return "late"
        free = self._pacer.chat_free_at(item.user_id)
        if free is not None:
            await self._outbox.retry_later(item, free)
            return "waiting"
        bulk = item.priority >= Priority.BULK
        await self._pacer.slot(bulk=bulk, batch=SLOT_BATCH)
        # A direct reply (of this process, or of another one: the chat's turn is shared
        # through the database then) may have taken the chat while this waited for its slot:
        # the message goes back to the outbox for when the chat frees, never dropped.
        free = await self._pacer.take(item.user_id)
        if free is not None:
            await self._outbox.retry_later(item, free)
            return "waiting"
        if item.delete_message_id is not None or item.clear_markup_id is not None:
            return await self._delete_item(bot, item)
        try:
            sent = await send_text(
                bot,
                item.user_id,
                item.text,
                item.buttons,
                item.spans,
                protect=item.protect,
                paid=bulk and self._pacer.paid,
                reply_to=item.reply_to,
                silent=item.silent,
            )
        except Forbidden:
            logger.info("outbox %s: user %s blocked the bot", item.id, item.user_id)
            SEND_ERRORS.labels("blocked").inc()
            if item.broadcast_id is not None:
                await self._outbox.done(item, "blocked")
            await self._record(final=True)  # see _record: before the chat's rows move
            # Parks what shows answers (this row too) until they come back; drops the rest.
            await self._tandem.mark_inactive(item.user_id)
            return "blocked"
        except RetryAfter as exc:
            wait = await self._on_retry_after(item.user_id, exc)
            await self._record(final=True)
            await self._outbox.postpone_user(item.user_id, self._now() + wait, item.claim_token)
            return "postponed"
        except BadRequest as exc:
            logger.warning("outbox %s to %s refused: %s", item.id, item.user_id, exc.message)
            SEND_ERRORS.labels("refused").inc()
            await self._outbox.done(item, "dropped")
            return "dropped"
        except TelegramError as exc:
            return await self._failed(item, exc)
        free_at = await self._pacer.accepted(item.user_id)
        MESSAGES_SENT.labels(_PRIORITY_LABELS.get(item.priority, "bulk")).inc()
        await self._finished(Finished(item, "sent", free_at, sent.message_id))
        return "sent"

    async def _finished(self, done: Finished) -> None:
        """Note a finished row; :data:`SLOT_BATCH` or more of them are recorded together. A
        message that shows a pair's answers is recorded at once, with those noted before it:
        remembered before anything else goes, so a crash cannot leave a copy that /delete
        does not know of (DESIGN.md, privacy rule 4)."""
        self._accepted.append(done)
        if done.item.carries is not None and done.message_id is not None:
            await self._record(final=True)
        elif len(self._accepted) >= SLOT_BATCH:
            await self._record()

    async def _failed(self, item: OutboxItem, exc: TelegramError) -> str:
        """A real attempt failed for the network, a timeout or a 5xx: the row is kept, its
        chat waits 1, 2, 4 … up to 300 seconds, and the sender pauses too."""
        await self._record(final=True)
        kind = error_kind(exc)
        SEND_ERRORS.labels(kind).inc()
        delay = backoff(item.failures + 1)
        self._pacer.network_failed()
        logger.warning(
            "outbox %s to %s: %s, retry in %ss", item.id, item.user_id, kind, delay.seconds
        )
        await self._outbox.failed(item, self._now() + delay)
        return "failed"

    async def _delete_item(self, bot: Bot, item: OutboxItem) -> str:
        """An outbox deletion: take a bot message back from the user's chat; or the removal
        of a closed round's question keyboard (``clear_markup_id``). Telegram refuses a
        deletion once the message is older than 48 hours or already gone, and an edit of a
        message that is gone ("message to edit not found"), has no keyboard left ("message
        is not modified") or "can't be edited"; either way there is nothing more to do, so
        the row is done (logged at INFO, with ids only). Network trouble keeps it."""
        try:
            if item.clear_markup_id is not None:
                await clear_markup(bot, item.user_id, item.clear_markup_id)
            else:
                assert item.delete_message_id is not None
                await bot.delete_message(chat_id=item.user_id, message_id=item.delete_message_id)
        except RetryAfter as exc:
            wait = await self._on_retry_after(item.user_id, exc)
            await self._record(final=True)
            await self._outbox.postpone_user(item.user_id, self._now() + wait, item.claim_token)
            return "postponed"
        except BadRequest as exc:
            logger.info("outbox %s: message not changed: %s", item.id, type(exc).__name__)
        except Forbidden as exc:
            logger.info("outbox %s: message not changed: %s", item.id, type(exc).__name__)
        except TelegramError as exc:
            return await self._failed(item, exc)
        await self._finished(Finished(item, "dropped"))
        return "dropped"
