"""Ports for what goes out and when: the outbox, due work and the update ledger (see
:mod:`bot.domain.ports`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from bot.domain.messages import Finished, Message, OutboxItem
from bot.domain.sending import Priority
from bot.domain.subjects import DueKind, Subject


class Outbox(Protocol):
    """Messages written in the same transaction as what caused them (sent after commit)."""

    async def enqueue(
        self, message: Message, now: datetime, broadcast_id: int | None = None
    ) -> None:
        """Queue ``message`` (split to Telegram's limit once, here); ``broadcast_id``: it
        belongs to that broadcast, whose report counts its fate. ``Message.not_before``: not
        sent before then (held: it holds none of its chat's later messages back meanwhile);
        ``Message.silent``: sent without sound (issue 12)."""
        ...

    async def enqueue_many(self, messages: Sequence[Message], now: datetime) -> None:
        """:meth:`enqueue` of several messages in one multi-row write, in the order given (a
        chat's messages keep it); the sending context is the same for all of them."""
        ...

    async def drop_for(self, user_id: int) -> None:
        """Drop every message waiting for the user."""
        ...

    async def drop_topic(self, user_ids: Sequence[int], topic: str) -> int:
        """Drop the messages of ``topic`` (``Message.topic``) still queued and not claimed for
        any of ``user_ids``: what they announce is settled or replaced (issue 12). Returns how
        many rows went."""
        ...

    async def park_for(self, user_id: int) -> None:
        """The user blocked the bot: park their waiting messages that show a pair's answers
        (a reveal; ``Message.carries``) until they come back, and drop the rest (questions,
        offers and notices are sent again, fresh, when they come back; a broadcast's message
        is not)."""
        ...

    async def unpark(self, user_id: int, now: datetime) -> datetime | None:
        """The user is back: their parked messages are ready at ``now`` (aware UTC; one held
        for the end of quiet hours keeps its hold), in their order, ahead of bulk; returns
        when the newest of them was queued (None: there were none), so that what it already
        carries is not sent twice."""
        ...

    async def rehold(self, user_id: int, until: datetime | None, now: datetime) -> int:
        """The user changed their quiet hours: their messages still held at ``now`` (aware
        UTC) are held until ``until`` instead (None, or an instant not after ``now``: ready at
        ``now``); returns how many (issue 12)."""
        ...

    async def drop_carrying(self, pair_ids: Sequence[int]) -> int:
        """Drop every message still waiting, to anyone, that shows answers of one of the pairs
        (``Message.carries``); returns how many rows went."""
        ...

    async def take_back(self, pair_ids: Sequence[int], now: datetime) -> int:
        """Queue the deletion of every remembered bot message that shows answers of one of
        the pairs and was sent less than 48 hours before ``now`` (aware UTC), from whichever
        chat holds it, and forget them all; returns how many deletions were queued."""
        ...

    async def clear_keyboards(self, round_id: int, now: datetime) -> int:
        """The round closed: queue the removal of the inline keyboard of each of its question
        messages sent (in both chats; bulk priority, ``OutboxItem.clear_markup_id``) and
        forget their ids; returns how many were queued (issue 12)."""
        ...

    async def question_message(self, round_id: int, user_id: int, position: int) -> int | None:
        """The message id of the round's question ``position`` as sent to ``user_id``, or
        None when it is not known (not sent yet, or the round closed)."""
        ...

    async def forget_questions_of(self, user_id: int) -> None:
        """Forget every remembered question message of ``user_id``'s chat (/delete)."""
        ...

    async def pending_for_broadcast(self, broadcast_id: int) -> int:
        """How many of the broadcast's messages still wait."""
        ...


class DueSchedule(Protocol):
    """Due work: at most one row per (kind, subject)."""

    async def schedule(self, kind: DueKind, subject: Subject, at: datetime, now: datetime) -> None:
        """Create or move the row to ``at``, freeing any lease."""
        ...

    async def schedule_many(
        self, entries: Sequence[tuple[DueKind, Subject, datetime]], now: datetime
    ) -> None:
        """:meth:`schedule` of several rows (kind, subject, instant) in one write."""
        ...

    async def cancel(self, kind: DueKind, subject: Subject) -> None:
        """Delete the row, if any."""
        ...

    async def cancel_many(self, entries: Sequence[tuple[DueKind, Subject]]) -> None:
        """:meth:`cancel` of several rows (kind, subject) in one statement."""
        ...

    async def due_at(self, kind: DueKind, subject: Subject) -> datetime | None:
        """When the row is due, or None when there is none."""
        ...


class OutboxQueue(Protocol):
    """The sending side of the outbox, for the adapter's sender: each call is its own
    transaction."""

    async def claim(
        self, now: datetime, lease: timedelta, limit: int, claim_token: str
    ) -> list[OutboxItem]:
        """Lease up to ``limit`` messages ready at ``now``, by priority then oldest first (one
        statement: two processes never take the same message; a lease that ends frees it). A
        claim is not an attempt."""
        ...

    async def done(
        self, item: OutboxItem, outcome: str = "sent", chat_free_at: datetime | None = None
    ) -> None:
        """Forget a message Telegram accepted (``sent``) or that can never be delivered
        (``blocked``, ``dropped``, ``late``), only while this claim holds it; a broadcast's
        message adds to its delivered or blocked count in the same transaction. With
        ``chat_free_at``, the chat's other messages wait until then (one per second)."""
        ...

    async def done_many(self, finished: Sequence[Finished], at: datetime | None = None) -> None:
        """Record several finished rows in one transaction: :meth:`done` for each, and for
        each message Telegram accepted (``Finished.message_id``, sent at ``at``, aware UTC)
        what must be remembered of it: the message when it shows a pair's answers
        (``item.carries``, as :meth:`remember_sent`) and the question when it asks one
        (``item.asks``, as :meth:`remember_question`). A row that shows answers and is gone
        (dropped by a /delete while on its way) has its message taken back at once instead.
        Raises ValueError for a message id without ``at``."""
        ...

    async def release(self, items: Sequence[OutboxItem], at: datetime) -> None:
        """Free several claimed messages at once; they are tried again at ``at``."""
        ...

    async def failed(self, item: OutboxItem, at: datetime) -> None:
        """A real send attempt failed: count it and make the chat wait until ``at``; the
        message is kept."""
        ...

    async def next_attempt(self, after: datetime) -> datetime | None:
        """The earliest instant after ``after`` at which a waiting message becomes ready."""
        ...

    async def retry_later(self, item: OutboxItem, at: datetime) -> None:
        """Free the lease; the message is tried again at ``at``."""
        ...

    async def add(self, message: Message, at: datetime, priority: Priority | None = None) -> None:
        """Queue ``message`` to be sent at ``at`` or later (``priority``: default from the
        sending context, ``bot.domain.sending``)."""
        ...

    async def postpone_user(self, user_id: int, at: datetime, claim_token: str) -> None:
        """Every message to the user held by this claim, or by nobody, waits until ``at``, so
        the chat keeps its order after a failure."""
        ...

    async def remember_sent(
        self, chat_id: int, message_ids: Sequence[int], pair_id: int, at: datetime
    ) -> None:
        """Remember bot messages in ``chat_id`` that show answers of pair ``pair_id``, sent at
        ``at`` (aware UTC), for :meth:`Outbox.take_back`; what was sent more than 48 hours
        before ``at`` (when Telegram no longer lets a bot delete it) is forgotten."""
        ...

    async def remember_question(
        self, chat_id: int, message_id: int, asks: tuple[int, int], at: datetime
    ) -> None:
        """Telegram accepted the question (round id, position) ``asks`` as ``message_id`` in
        ``chat_id`` at ``at``: remembered while its round is open (for
        :meth:`Outbox.question_message` and :meth:`Outbox.clear_keyboards`); when the round
        closed meanwhile, its keyboard's removal is queued at once."""
        ...

    async def pending(self) -> int:
        """How many messages wait."""
        ...


class SendBudget(Protocol):
    """Telegram's overall send limit, shared by every process on the database."""

    async def reserve(self, name: str, count: int, interval: timedelta, now: datetime) -> datetime:
        """Reserve ``count`` consecutive sending slots of budget ``name`` (``free`` or
        ``paid``), ``interval`` apart; returns the first (aware UTC, not before ``now``). Two
        callers, in any processes, never get the same slot."""
        ...


class ChatPace(Protocol):
    """Telegram's one message per second per chat, shared by every process on the database
    (PostgreSQL; one SQLite process keeps it in memory)."""

    async def reserve(self, chat_id: int, now: datetime, until: datetime) -> datetime | None:
        """Take ``chat_id``'s turn at ``now``, held until ``until`` (aware UTC). None when
        taken; else the instant (aware UTC, after ``now``) until which another caller holds
        it. Of callers racing for one chat, in any processes, one gets None."""
        ...

    async def settle(self, holds: Sequence[tuple[int, datetime, datetime]]) -> None:
        """For each ``(chat_id, held, free)``: the hold :meth:`reserve` took until ``held``
        ends at ``free`` instead, unless another caller took the turn since."""
        ...

    async def prune(self, before: datetime) -> int:
        """Forget turns that ended before ``before``; returns how many."""
        ...


class UpdateLedger(Protocol):
    """Update ids already handled (Telegram delivers updates at least once)."""

    async def seen(self, update_id: int) -> bool:
        """Whether the update id is claimed already (a read: takes no write lock)."""
        ...

    async def arrival(self, update_id: int, sender_id: int | None) -> tuple[bool, str | None]:
        """:meth:`seen`, and the language user ``sender_id`` chose with /language (None: no
        choice, unknown user, or no sender), in one read: every update makes it, so the
        sender's replies speak their choice without a second round trip (issue 12)."""
        ...

    async def claim(self, update_id: int, now: datetime) -> bool:
        """Decide-once: record that the update is being handled; False when it already was.
        Its own transaction: for an update whose work wrote nothing (the work that writes
        claims the id in its own unit of work, see :mod:`bot.domain.ports.updates`)."""
        ...

    async def release(self, update_id: int) -> None:
        """Forget a claimed id after its handling failed, so a redelivery is handled."""
        ...

    async def prune(self, before: datetime) -> None:
        """Forget ids received before ``before``."""
        ...
