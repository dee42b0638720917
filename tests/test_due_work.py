"""Due work: claims with a lease in one statement, retried when a claimant died; and the
schedule driven through the real tick across DST changes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.sandbox import Sandbox
from bot.storage import queues
from bot.storage.database import create_engine, upgrade
from bot.storage.queues import SqlDueWorkStore
from scheduler.due import DueItem, DueWorkRunner
from tests.conftest import make_pair

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


async def _engine(db_url: str) -> AsyncEngine:
    engine = create_engine(db_url)
    await upgrade(engine)
    return engine


async def _add(engine: AsyncEngine, n: int) -> None:
    async with engine.begin() as conn:
        for i in range(n):
            await queues.schedule_due(conn, "k", f"s:{i}", T0 - timedelta(seconds=i), T0)


async def test_two_claimants_never_take_the_same_row(db_url: str) -> None:
    engine = await _engine(db_url)
    other = create_engine(db_url)  # a second "process": its own connection pool
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


async def test_row_of_a_dead_claimant_is_retried_after_its_lease(db_url: str) -> None:
    engine = await _engine(db_url)
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


async def test_runner_retries_a_failing_handler_and_reschedules(db_url: str) -> None:
    engine = await _engine(db_url)
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


async def _round_instants(box: Sandbox, days: int) -> list[datetime]:
    """Tick every 15 minutes for ``days``; return when Alex got each question (UTC)."""
    seen: list[datetime] = []
    alex = box.fake.chats[1001]
    count = len(alex.messages)
    end = box.clock.now() + timedelta(days=days)
    while box.clock.now() < end:
        box.clock.advance(timedelta(minutes=15))
        await box.tick()
        new = alex.messages[count:]
        count = len(alex.messages)
        seen += [box.clock.now() for m in new if m.text.startswith("Check-in ·")]
    return seen


async def test_spring_forward_gap_goes_out_at_the_first_valid_minute(box: Sandbox) -> None:
    box.clock.set(datetime(2026, 3, 27, 12, 0, tzinfo=UTC))
    alex, _sam = await make_pair(box)
    await alex.send("/time 02:30")
    instants = await _round_instants(box, 3)
    # 28 Mar 02:30 CET = 01:30 UTC; 29 Mar 02:30 does not exist: 03:00 CEST = 01:00 UTC;
    # 30 Mar 02:30 CEST = 00:30 UTC.
    assert instants == [
        datetime(2026, 3, 28, 1, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
        datetime(2026, 3, 30, 0, 30, tzinfo=UTC),
    ]


async def test_fall_back_repeated_hour_goes_out_once(box: Sandbox) -> None:
    box.clock.set(datetime(2026, 10, 30, 12, 0, tzinfo=UTC))
    alex, sam = await make_pair(box, a_zone="New York", b_zone="Berlin")
    await alex.send("/time 1:30")
    instants = await _round_instants(box, 3)
    # 31 Oct 01:30 EDT = 05:30 UTC; 1 Nov 01:30 happens twice: once, at EDT = 05:30 UTC;
    # 2 Nov 01:30 EST = 06:30 UTC.
    assert instants == [
        datetime(2026, 10, 31, 5, 30, tzinfo=UTC),
        datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
        datetime(2026, 11, 2, 6, 30, tzinfo=UTC),
    ]
    sam_questions = [m for m in sam.chat.messages if m.text.startswith("Check-in ·")]
    assert len(sam_questions) == 3
