"""One message per second per chat across processes (``chat_pace``): each chat's turn is
taken in the database by one statement, so two processes (two engines here) never both send
into one chat within a second. Contract on every backend (production uses it on PostgreSQL
only: one SQLite process keeps the turns in memory), and two pacers as two processes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.budget import SqlSendBudget
from bot.storage.chatpace import SqlChatPace, shared_chat_pace
from bot.storage.database import create_engine
from bot.storage.tables import chat_pace
from bot.telegram.pacing import CHAT_INTERVAL, SHARED_HOLD, Pacer
from scheduler.clock import ManualClock
from tests.databases import TEST_KEYRING
from tests.storage.conftest import NOW

SECOND = timedelta(seconds=1)


@pytest.fixture
async def engines(database_url: str) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    """Two engines on one database: two processes' connection pools."""
    first = create_engine(database_url, TEST_KEYRING)
    second = create_engine(database_url, TEST_KEYRING)
    yield first, second
    await first.dispose()
    await second.dispose()


async def test_a_chat_taken_by_one_process_is_refused_to_another_until_it_frees(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    one, other = (SqlChatPace(e) for e in engines)
    held = NOW + 2 * SECOND
    assert await one.reserve(7, NOW, held) is None
    half = NOW + SECOND / 2
    assert await other.reserve(7, half, half + 2 * SECOND) == held  # refused, told until when
    assert await other.reserve(8, half, half + 2 * SECOND) is None  # another chat: free
    # Telegram accepted the first message at NOW + 0.1 s: the chat frees a second later.
    accepted = NOW + SECOND / 10
    await one.settle([(7, held, accepted + SECOND)])
    assert await other.reserve(7, half, half + 2 * SECOND) == accepted + SECOND
    later = accepted + SECOND
    assert await other.reserve(7, later, later + 2 * SECOND) is None
    # A settle that comes after its hold was taken over changes nothing.
    await one.settle([(7, held, NOW)])
    assert await one.reserve(7, later, later + SECOND) == later + 2 * SECOND


async def test_of_two_processes_racing_for_one_chat_exactly_one_gets_it(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    paces = [SqlChatPace(e) for e in engines]
    for round_ in range(5):
        now = NOW + round_ * 3 * SECOND
        results = await asyncio.gather(
            *(paces[k % 2].reserve(7, now, now + 2 * SECOND) for k in range(8))
        )
        assert sorted(r is None for r in results) == [False] * 7 + [True]
        assert {r for r in results if r is not None} == {now + 2 * SECOND}


async def test_old_turns_are_pruned(engine: AsyncEngine) -> None:
    paces = SqlChatPace(engine)
    for chat in range(10):
        assert await paces.reserve(chat, NOW, NOW + 2 * SECOND) is None
    later = NOW + timedelta(minutes=2)
    assert await paces.reserve(3, later, later + 2 * SECOND) is None  # an old row reused
    assert await paces.prune(later - timedelta(minutes=1)) == 9
    async with engine.connect() as conn:
        left = (await conn.execute(select(func.count()).select_from(chat_pace))).scalar_one()
    assert left == 1


def test_only_postgresql_shares_the_turns(engine: AsyncEngine) -> None:
    assert (shared_chat_pace(engine) is not None) == (engine.dialect.name == "postgresql")


async def test_two_processes_pacers_never_send_into_one_chat_within_a_second(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    """A direct reply taken by one process's pacer keeps another's queued message out of the
    chat until a second after Telegram accepted the reply; without the shared turn each
    pacer, knowing only its own sends, would let both go at once."""
    clock = ManualClock(NOW)
    one, other = (Pacer(SqlSendBudget(e), clock, chats=SqlChatPace(e)) for e in engines)
    assert await one.take(7) is None
    assert await other.take(7) == NOW + SHARED_HOLD  # held while the reply goes
    clock.advance(SECOND / 10)
    freed = await one.accepted(7)
    assert freed == NOW + SECOND / 10 + CHAT_INTERVAL
    other_chat = await other.take(8)
    assert other_chat is None  # other chats are not held
    clock.advance(SECOND / 2)
    # The other process remembered the hold it saw; a third process asks the database, which
    # now says a second after the reply was accepted.
    third = Pacer(SqlSendBudget(engines[1]), clock, chats=SqlChatPace(engines[1]))
    assert await third.take(7) == freed
    clock.set(freed)
    assert await third.take(7) is None


class _Unreachable:
    """A ChatPace whose database went away after the turn was taken."""

    async def reserve(self, chat_id: int, now: datetime, until: datetime) -> datetime | None:
        return None

    async def settle(self, holds: Sequence[tuple[int, datetime, datetime]]) -> None:
        raise ConnectionError("the database went away")

    async def prune(self, before: datetime) -> int:
        return 0


async def test_a_send_telegram_accepted_is_not_undone_by_a_failed_settle(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    """Settling runs after Telegram accepted the message: a database failure there is logged
    and the hold runs out by itself; the send still counts (no duplicate from a retry)."""
    clock = ManualClock(NOW)
    pacer = Pacer(SqlSendBudget(engine), clock, chats=_Unreachable())
    assert await pacer.take(7) is None
    assert await pacer.accepted(7) == NOW + CHAT_INTERVAL
    assert "chat turns not settled: ConnectionError" in caplog.text
