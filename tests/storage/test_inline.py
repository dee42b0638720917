"""SQLite on the event loop's thread (``bot/storage/inline.py``): a writer that must wait for
the write lock waits in asyncio, so the loop keeps serving everything else, and writers of one
process queue instead of meeting inside SQLite."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.ports import Transactions
from bot.storage import inline
from tests.databases import copy_of

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    """SQLite only: these tests are about SQLite's own write lock."""
    return copy_of(sqlite_template, tmp_path, "inline.sqlite3")


def _path(engine: AsyncEngine) -> Path:
    """The database file under test (the SQLite backend's)."""
    return Path(make_url(engine.url).database or "")


async def _heartbeats(beats: list[int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        beats.append(1)
        await asyncio.sleep(0.001)


async def test_a_writer_waits_for_another_process_without_blocking_the_loop(
    db: Transactions, engine: AsyncEngine
) -> None:
    other = sqlite3.connect(_path(engine), isolation_level=None)  # another process's writer
    other.execute("BEGIN IMMEDIATE")
    beats: list[int] = []
    stop = asyncio.Event()
    heart = asyncio.create_task(_heartbeats(beats, stop))

    async def write() -> None:
        async with db.write() as tx:
            await tx.users.touch(7, "Alex", None, None, NOW)

    writer = asyncio.create_task(write())
    for _ in range(20):
        await asyncio.sleep(0.001)
    assert not writer.done()  # still waiting for the lock…
    assert len(beats) > 1  # …while the loop goes on
    other.execute("COMMIT")
    other.close()
    await writer
    stop.set()
    await heart
    async with db.read() as tx:
        assert (await tx.users.get(7)) is not None


async def test_a_writer_gives_up_with_the_usual_error_after_the_wait(
    db: Transactions, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inline, "LOCK_WAIT_SECONDS", 0.02)
    other = sqlite3.connect(_path(engine), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(Exception, match="locked"):
            async with db.write() as tx:
                await tx.users.touch(7, "Alex", None, None, NOW)
    finally:
        other.execute("ROLLBACK")
        other.close()
    # The lock of this process was handed back: the next writer goes through.
    async with db.write() as tx:
        await tx.users.touch(7, "Alex", None, None, NOW)


async def test_writers_of_one_process_queue_in_order(db: Transactions) -> None:
    order: list[str] = []
    first_in = asyncio.Event()

    async def first() -> None:
        async with db.write() as tx:
            await tx.users.touch(1, "First", None, None, NOW)
            order.append("first in")
            first_in.set()
            await asyncio.sleep(0.01)  # holds the write lock across a suspension
            order.append("first out")

    async def second() -> None:
        await first_in.wait()
        async with db.write() as tx:
            order.append("second in")
            await tx.users.touch(2, "Second", None, None, NOW)

    await asyncio.gather(first(), second())
    assert order == ["first in", "first out", "second in"]
