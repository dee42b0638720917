"""Ports for what goes out and when: the outbox, due work and the update ledger (see
:mod:`bot.domain.ports`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from bot.domain.messages import Message, OutboxItem
from bot.domain.subjects import DueKind, Subject


class Outbox(Protocol):
    """Messages written in the same transaction as what caused them (sent after commit)."""

    async def enqueue(
        self, message: Message, now: datetime, broadcast_id: int | None = None
    ) -> None:
        """Queue ``message`` (split to Telegram's limit once, here); ``broadcast_id``: it
        belongs to that broadcast, whose report counts its fate."""
        ...

    async def drop_for(self, user_id: int) -> None:
        """Drop every message waiting for the user."""
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

    async def pending_for_broadcast(self, broadcast_id: int) -> int:
        """How many of the broadcast's messages still wait."""
        ...


class DueSchedule(Protocol):
    """Due work: at most one row per (kind, subject)."""

    async def schedule(self, kind: DueKind, subject: Subject, at: datetime, now: datetime) -> None:
        """Create or move the row to ``at``, freeing any lease."""
        ...

    async def cancel(self, kind: DueKind, subject: Subject) -> None:
        """Delete the row, if any."""
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
        """Lease up to ``limit`` messages ready at ``now``, oldest first (one statement: two
        processes never take the same message; a lease that ends frees it)."""
        ...

    async def done(self, item: OutboxItem, outcome: str = "sent") -> None:
        """Forget a message Telegram accepted (``sent``) or that can never be delivered
        (``blocked``, ``dropped``), only while this claim holds it; a broadcast's message
        adds to its delivered or blocked count in the same transaction."""
        ...

    async def retry_later(self, item: OutboxItem, at: datetime) -> None:
        """Free the lease; the message is tried again at ``at``."""
        ...

    async def add(self, message: Message, at: datetime) -> None:
        """Queue ``message`` to be sent at ``at`` or later."""
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

    async def pending(self) -> int:
        """How many messages wait."""
        ...


class UpdateLedger(Protocol):
    """Update ids already handled (Telegram delivers updates at least once)."""

    async def seen(self, update_id: int) -> bool:
        """Whether the update id is claimed already (a read: takes no write lock)."""
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
