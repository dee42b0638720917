"""The due-work runner: claims work whose instant has come and hands it to its handler.

Due work (a round to open, a reminder, an expiry, …) lives in one table with an indexed
``due_at`` and a lease. This module defines the storage port it needs (:class:`DueWorkStore`);
``bot.storage`` implements it. A claim is a single conditional statement, so two processes never
take the same row; a row whose claimant died becomes claimable again when its lease ends.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

logger = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(seconds=60)
#: After this many failed attempts a row is dropped (and logged) instead of retried forever.
MAX_ATTEMPTS = 8
#: Claims per tick at most (a batch each): a huge backlog is spread over a few ticks.
MAX_PASSES = 50
#: Items per call of a batch handler: a claimed batch is opened in chunks this big, each its
#: own transaction, the event loop given its turn between them, so an interactive update waits
#: for one chunk at most (issue 10: about 20 ms for 25 rounds), not the whole claim.
BATCH_CHUNK = 25


@dataclass(frozen=True)
class DueItem:
    """One claimed row of due work.

    ``due_at`` is aware UTC; ``subject`` is the kind's own key (for example ``"pair:7"``);
    ``claim_token`` identifies this claim, so completing a row whose lease was lost and taken
    by another process changes nothing.
    """

    id: int
    kind: str
    subject: str
    due_at: datetime
    attempts: int
    claim_token: str


class DueWorkStore(Protocol):
    """Storage port for due work. All instants are aware UTC."""

    async def claim_due(
        self, now: datetime, lease: timedelta, limit: int, claim_token: str
    ) -> list[DueItem]:
        """Atomically lease up to ``limit`` rows with ``due_at <= now`` whose lease is free or
        ended, oldest first, marking them with ``claim_token``; return them."""
        ...

    async def finish(self, item: DueItem, reschedule_at: datetime | None) -> bool:
        """Delete the row (``reschedule_at`` None) or move it to ``reschedule_at`` and free its
        lease; only while ``item.claim_token`` still holds it. Returns whether it did."""
        ...

    async def release(self, item: DueItem, retry_at: datetime) -> None:
        """Free the lease so the row is tried again at ``retry_at``."""
        ...

    async def finish_many(self, done: Sequence[tuple[DueItem, datetime | None]]) -> int:
        """:meth:`finish` for each ``(item, reschedule_at)``, in one transaction; returns
        how many rows were still held by their claim and so finished."""
        ...


#: A handler does the work for one item at ``now`` and returns when the row should come due
#: again (None: the work is done and the row is deleted). An exception leaves the row leased
#: so that it is retried once the lease ends.
DueHandler = Callable[[DueItem, datetime], Awaitable[datetime | None]]

#: A batch handler does the work for several claimed items of one kind at ``now`` at once (one
#: transaction for all, say) and returns each item's :data:`DueHandler` result by item id. It
#: does all of them or, raising, none: the runner then hands each item to the kind's
#: :data:`DueHandler`, so one bad row costs its batch a retry, not the others their work.
BatchHandler = Callable[[Sequence[DueItem], datetime], Awaitable[Mapping[int, datetime | None]]]


@dataclass
class TickReport:
    """What one tick did: how many items were handled and how many failed."""

    handled: int = 0
    failed: int = 0
    kinds: dict[str, int] = field(default_factory=dict)


class DueWorkRunner:
    """Runs due work: ``await runner.tick(now)``.

    ``handlers`` maps each kind to its :data:`DueHandler`. An unknown kind is logged and its row
    dropped. ``batch`` bounds the rows claimed per statement; a tick claims until none are left.
    ``batch_handlers``: kinds whose consecutive claimed items (in claim order) go to a
    :data:`BatchHandler` together, at most ``chunk`` at a time (opening a wave of rounds: issue
    10); each chunk's rows are finished in one transaction. Between two chunks or two single
    items the runner yields to the event loop, so other tasks (an update being handled, the
    sender) are never held for more than one of them.
    """

    def __init__(
        self,
        store: DueWorkStore,
        handlers: Mapping[str, DueHandler],
        *,
        lease: timedelta = DEFAULT_LEASE,
        batch: int = 100,
        batch_handlers: Mapping[str, BatchHandler] | None = None,
        chunk: int = BATCH_CHUNK,
    ) -> None:
        self._store = store
        self._handlers = dict(handlers)
        self._batch_handlers = dict(batch_handlers or {})
        self._lease = lease
        self._batch = batch
        self._chunk = max(1, chunk)

    async def tick(self, now: datetime) -> TickReport:
        """Claim and handle every row due at ``now`` (aware UTC), including rows a handler
        moved to an instant that is also due (catching up after downtime, slot by slot), for at
        most :data:`MAX_PASSES` claims per tick; the next tick goes on. Never raises for a
        handler's failure: it is logged and the row retried after its lease."""
        report = TickReport()
        for _ in range(MAX_PASSES):
            token = secrets.token_hex(8)
            items = await self._store.claim_due(now, self._lease, self._batch, token)
            if not items:
                break
            start = 0
            while start < len(items):
                end = start + 1
                while end < len(items) and items[end].kind == items[start].kind:
                    end += 1
                await self._run_run(items[start:end], now, report)
                start = end
        return report

    async def _run_run(self, run: Sequence[DueItem], now: datetime, report: TickReport) -> None:
        """Consecutive claimed items of one kind: together, a chunk at a time, when the kind
        has a batch handler, else one by one; the loop gets its turn after each."""
        if self._batch_handlers.get(run[0].kind) is None:
            for item in run:
                await self._run_one(item, now, report)
                await asyncio.sleep(0)
            return
        for start in range(0, len(run), self._chunk):
            await self._run_chunk(run[start : start + self._chunk], now, report)
            await asyncio.sleep(0)

    async def _run_chunk(self, run: Sequence[DueItem], now: datetime, report: TickReport) -> None:
        """One chunk of a kind with a batch handler: together, or one by one if it fails."""
        batch = self._batch_handlers.get(run[0].kind)
        if batch is not None and len(run) > 1:
            try:
                results = await batch(run, now)
            except Exception:
                logger.warning("batch of %s %s failed; handled one by one", len(run), run[0].kind)
            else:
                await self._store.finish_many([(item, results[item.id]) for item in run])
                report.handled += len(run)
                report.kinds[run[0].kind] = report.kinds.get(run[0].kind, 0) + len(run)
                return
        for item in run:
            await self._run_one(item, now, report)
            await asyncio.sleep(0)

    async def _run_one(self, item: DueItem, now: datetime, report: TickReport) -> None:
        handler = self._handlers.get(item.kind)
        if handler is None:
            logger.error("dropping due work of unknown kind %r (id %s)", item.kind, item.id)
            await self._store.finish(item, None)
            return
        try:
            reschedule_at = await handler(item, now)
        except Exception:
            report.failed += 1
            if item.attempts >= MAX_ATTEMPTS:
                logger.exception(
                    "due work %s %s failed %s times; dropped", item.kind, item.id, item.attempts
                )
                await self._store.finish(item, None)
            else:
                logger.exception(
                    "due work %s %s failed; retried after its lease", item.kind, item.id
                )
            return
        await self._store.finish(item, reschedule_at)
        report.handled += 1
        report.kinds[item.kind] = report.kinds.get(item.kind, 0) + 1
