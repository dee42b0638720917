"""Due work: claims with a lease in one statement, retried when a claimant died (on every
backend: two engines are two processes' connection pools racing for real)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage import queues
from bot.storage.database import create_engine
from bot.storage.queues import SqlDueWorkStore
from scheduler.due import DueItem, DueWorkRunner

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


async def _engine(database_url: str) -> AsyncEngine:
    return create_engine(database_url)


async def _add(engine: AsyncEngine, n: int) -> None:
    async with engine.begin() as conn:
        for i in range(n):
            await queues.schedule_due(conn, "k", f"s:{i}", T0 - timedelta(seconds=i), T0)


async def test_two_claimants_never_take_the_same_row(database_url: str) -> None:
    engine = await _engine(database_url)
    other = create_engine(database_url)  # a second "process": its own connection pool
    try:
        await _add(engine, 60)
        a, b = SqlDueWorkStore(engine), SqlDueWorkStore(other)
        lease = timedelta(seconds=60)
        results = await asyncio.gather(
            *[
                store.claim_due(T0, lease, 7, f"tok{i}")
                for i, store in enumerate([a, b, a, b, a, b, a, b, a, b])
            ]
        )
        ids = [item.id for batch in results for item in batch]
        assert len(ids) == 60 and len(set(ids)) == 60
        assert await a.claim_due(T0, lease, 100, "late") == []
    finally:
        await engine.dispose()
        await other.dispose()


async def test_row_of_a_dead_claimant_is_retried_after_its_lease(database_url: str) -> None:
    engine = await _engine(database_url)
    try:
        await _add(engine, 1)
        store = SqlDueWorkStore(engine)
        (dead,) = await store.claim_due(T0, timedelta(seconds=60), 10, "dead")
        assert (
            await store.claim_due(T0 + timedelta(seconds=59), timedelta(seconds=60), 10, "x") == []
        )
        (again,) = await store.claim_due(T0 + timedelta(seconds=61), timedelta(seconds=60), 10, "y")
        assert again.id == dead.id and again.attempts == 2
        # The dead claimant's late completion changes nothing; the live one's does.
        assert await store.finish(dead, None) is False
        assert await store.finish(again, None) is True
    finally:
        await engine.dispose()


async def test_runner_retries_a_failing_handler_and_reschedules(database_url: str) -> None:
    engine = await _engine(database_url)
    try:
        await _add(engine, 1)
        calls: list[datetime] = []

        async def flaky(item: DueItem, now: datetime) -> datetime | None:
            calls.append(now)
            if len(calls) == 1:
                raise RuntimeError("boom")
            return now + timedelta(hours=1) if len(calls) == 2 else None

        runner = DueWorkRunner(SqlDueWorkStore(engine), {"k": flaky})
        assert (await runner.tick(T0)).failed == 1
        assert (await runner.tick(T0 + timedelta(seconds=30))).handled == 0  # still leased
        assert (await runner.tick(T0 + timedelta(seconds=61))).handled == 1  # retried
        assert (await runner.tick(T0 + timedelta(minutes=30))).handled == 0
        assert (await runner.tick(T0 + timedelta(hours=1, seconds=61))).handled == 1
        assert (await runner.tick(T0 + timedelta(days=1))).handled == 0  # deleted
        assert len(calls) == 3
    finally:
        await engine.dispose()


async def test_a_batch_is_handled_together_and_one_by_one_when_it_fails(
    database_url: str,
) -> None:
    """A kind with a batch handler gets its claimed items together and its rows finished in
    one go; when the batch raises, every item goes to the single handler instead, so one bad
    row delays only itself."""
    engine = await _engine(database_url)
    try:
        await _add(engine, 5)
        batches: list[list[str]] = []
        singles: list[str] = []

        async def batch(items: Sequence[DueItem], now: datetime) -> dict[int, datetime | None]:
            batches.append([i.subject for i in items])
            if len(batches) == 1:
                raise RuntimeError("one bad row")
            return {i.id: now + timedelta(days=1) for i in items}

        async def single(item: DueItem, now: datetime) -> datetime | None:
            singles.append(item.subject)
            if item.subject == "s:2":
                raise RuntimeError("the bad row")
            return now + timedelta(days=1)

        runner = DueWorkRunner(SqlDueWorkStore(engine), {"k": single}, batch_handlers={"k": batch})
        report = await runner.tick(T0)
        assert (report.handled, report.failed) == (4, 1)
        assert len(batches) == 1 and len(singles) == 5  # the failed batch, one by one
        # The bad row is retried after its lease; the others wait for tomorrow.
        report = await runner.tick(T0 + timedelta(seconds=61))
        assert (report.handled, report.failed) == (0, 1)
        # Tomorrow all five are due together again (the bad row first: it is the oldest).
        report = await runner.tick(T0 + timedelta(days=1))
        assert (report.handled, report.failed) == (5, 0)
        assert batches[-1] == ["s:2", "s:0", "s:1", "s:3", "s:4"]
    finally:
        await engine.dispose()


async def test_a_batch_goes_in_chunks_and_the_loop_runs_between_them(database_url: str) -> None:
    """A claimed run of a batch kind reaches its handler ``chunk`` items at a time, each chunk
    finished on its own; other tasks run between two chunks (an update is held for one chunk
    at most, not the whole claim), and between two single items too."""
    engine = await _engine(database_url)
    try:
        await _add(engine, 7)
        seen: list[str] = []

        async def batch(items: Sequence[DueItem], now: datetime) -> dict[int, datetime | None]:
            seen.append(f"batch {len(items)}")
            return {i.id: None for i in items}

        async def single(item: DueItem, now: datetime) -> datetime | None:
            seen.append("single")
            return None

        done = asyncio.Event()

        async def other() -> None:
            while not done.is_set():  # another task, all through the tick
                seen.append("other")
                await asyncio.sleep(0)

        runner = DueWorkRunner(
            SqlDueWorkStore(engine), {"k": single}, batch_handlers={"k": batch}, chunk=3
        )
        watcher = asyncio.create_task(other())
        report = await runner.tick(T0)
        done.set()
        await watcher
        assert report.handled == 7
        work = [s for s in seen if s != "other"]
        assert work == ["batch 3", "batch 3", "single"]  # a chunk of one goes on its own
        between = seen[seen.index("batch 3") + 1 : len(seen) - seen[::-1].index("batch 3") - 1]
        assert "other" in between
        assert await SqlDueWorkStore(engine).claim_due(T0, timedelta(seconds=60), 10, "x") == []
    finally:
        await engine.dispose()
