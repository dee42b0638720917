"""SQLite statements run on the event loop's own thread, writers queued by an asyncio lock.

aiosqlite runs every call (each statement, fetch, commit) on a worker thread and hands the
result back through the event loop: two thread switches and a wake-up per call, about 0.1–0.3 ms
with the GIL contended, while the indexed statements Tandem runs take microseconds in SQLite
itself. Measured with ``benchmarks/bench_updates.py``, the hops were two thirds of an answer
update's time. :class:`InlineConnection` keeps aiosqlite's interface (SQLAlchemy's aiosqlite
dialect drives it unchanged, through ``async_creator_fn``) but runs each call at once.

Running inline means a statement that waits on SQLite's lock would block the whole loop, so
nothing may wait inside SQLite:

* a write transaction (``BEGIN IMMEDIATE``, see ``database.py``) first takes an asyncio lock
  shared by every connection of this process to the same file, awaited without blocking, and
  holds it until its commit, rollback or close: writers of one process never meet inside
  SQLite; readers never wait in WAL mode;
* another process holding the write lock (``tandem db upgrade`` run beside the bot, say) is
  the one case left: ``BEGIN IMMEDIATE`` is then retried with asyncio sleeps instead of
  SQLite's busy wait, up to the same 30 s, after which it raises ``sqlite3.OperationalError``
  ("database is locked") as before.

A long statement still holds the loop for its duration; Tandem's statements use indexes and
touch a few rows (the tick works in batches), so that is the trade made.
"""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from collections.abc import Callable, Generator
from typing import Any

import aiosqlite

#: How long a writer waits for another process's write lock, in seconds (busy_timeout's 30 s).
LOCK_WAIT_SECONDS = 30.0

#: The connection's calls that end its transaction (a cursor's ``close`` does not).
_ENDS = frozenset({"commit", "rollback", "close"})

_LOCKS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


def _write_lock(path: str) -> asyncio.Lock:
    """The process's lock for writers to the database file ``path`` on the running loop."""
    per_loop = _LOCKS.setdefault(asyncio.get_running_loop(), {})
    lock = per_loop.get(path)
    if lock is None:
        lock = per_loop[path] = asyncio.Lock()
    return lock


class _InlineQueue:
    """Stands in for aiosqlite's queue to its worker thread: runs each call when queued."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        """Run the call and settle its future."""
        future, function = item
        try:
            result = function()
        except BaseException as exc:  # handed to the awaiting caller, as aiosqlite does
            if future is not None and not future.done():
                future.set_exception(exc)
            return
        if future is not None and not future.done():
            future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection whose calls run on the calling thread (see the module
    docstring); write transactions are serialised per file by an asyncio lock."""

    def __init__(self, path: str, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._path = path
        self._holding: asyncio.Lock | None = None
        # SQLAlchemy's adapter sets isolation_level by queueing a call for the worker thread
        # itself: run those at once as well.
        self._tx = _InlineQueue()  # type: ignore[assignment]

    def __await__(self) -> Generator[Any, None, InlineConnection]:
        return self._open().__await__()

    async def _open(self) -> InlineConnection:
        if self._connection is None:
            self._connection = self._connector()
            # SQLite's own busy wait would block the loop: writers wait in _begin instead.
            self._connection.execute("PRAGMA busy_timeout=0")
        return self

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or self._connection is None:
            raise ValueError("Connection closed")
        if args and isinstance(args[0], str) and args[0].startswith("BEGIN IMMEDIATE"):
            return await self._begin(fn, *args, **kwargs)
        if getattr(fn, "__self__", None) is self._connection and fn.__name__ in _ENDS:
            try:
                return fn(*args, **kwargs)
            finally:
                self._release()
        return fn(*args, **kwargs)

    async def _begin(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``BEGIN IMMEDIATE`` once this process's other writers are done and no other
        process holds the write lock (polled for up to :data:`LOCK_WAIT_SECONDS`)."""
        lock = _write_lock(self._path)
        await lock.acquire()
        self._holding = lock
        loop = asyncio.get_running_loop()
        deadline = loop.time() + LOCK_WAIT_SECONDS
        pause = 0.001
        try:
            while True:
                try:
                    return fn(*args, **kwargs)
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) or loop.time() >= deadline:
                        raise
                await asyncio.sleep(pause)
                pause = min(pause * 2, 0.05)
        except BaseException:
            self._release()
            raise

    def _release(self) -> None:
        lock, self._holding = self._holding, None
        if lock is not None:
            lock.release()

    def stop(self) -> asyncio.Future[Any] | None:
        """Close the SQLite connection at once (there is no worker thread to stop)."""
        self._running = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        self._release()
        return None


def connect(database: str, **kwargs: Any) -> InlineConnection:
    """SQLAlchemy's ``async_creator_fn``: an :class:`InlineConnection` to ``database`` (a file
    path; ``kwargs`` go to ``sqlite3.connect``)."""
    return InlineConnection(database, lambda: sqlite3.connect(database, **kwargs))
