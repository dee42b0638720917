"""Concurrency and restart: one reveal each, and nothing lost when the process stops."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from bot import texts
from bot.domain.answers import answer
from bot.domain.people import UserInfo
from bot.emulator import FakeBotAPI
from bot.sandbox import Sandbox, sandbox
from bot.storage.tables import outbox, rounds
from scheduler.clock import ManualClock
from tests.conftest import Picker, make_pair, open_round

ALEX = UserInfo(1001, "Alex")
SAM = UserInfo(1002, "Sam")


def reveals(fake: FakeBotAPI, user_id: int) -> list[str]:
    return [t for t in fake.chats[user_id].texts() if t.startswith(texts.REVEAL_HEADER)]


async def current_round(box: Sandbox) -> int:
    async with box.runtime.engine.connect() as conn:
        return int(
            (await conn.execute(select(rounds.c.id).where(rounds.c.status == "open"))).scalar_one()
        )


async def test_final_answers_at_once_through_the_domain_rules_reveal_once(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    deps = box.runtime.tandem.deps
    for turn in range(3):
        await open_round(box, alex, sam)
        round_id = await current_round(box)
        results = await asyncio.gather(
            answer(deps, ALEX, round_id, 0, "5"), answer(deps, SAM, round_id, 0, "1")
        )
        assert all(r.toast == texts.ANSWER_TOAST for r in results)
        await box.tick()
        assert len(reveals(box.fake, 1001)) == turn + 1
        assert len(reveals(box.fake, 1002)) == turn + 1


async def test_two_applications_on_one_sqlite_file_reveal_once_each(
    db_url: str, clock: ManualClock, picker: Picker
) -> None:
    fake = FakeBotAPI(clock=clock.now)
    async with (
        sandbox(db_url, clock=clock, fake=fake, picker=picker) as one,
        sandbox(db_url, clock=clock, fake=fake, picker=picker, attach=False) as two,
    ):
        alex, sam = await make_pair(one)
        for turn in range(3):
            await open_round(one, alex, sam)
            await asyncio.gather(alex.press("4"), sam.press("1", via=two.deliver))
            await one.tick()
            await two.tick()
            assert len(reveals(fake, 1001)) == turn + 1
            assert len(reveals(fake, 1002)) == turn + 1
            # Each partner also got exactly one exercise offer for the mismatch.
            exercises = [t for t in fake.chats[1001].texts() if "Pick the one you" in t]
            assert len(exercises) == turn + 1


async def test_restart_mid_round_keeps_round_answers_and_schedule(
    db_url: str, clock: ManualClock, picker: Picker
) -> None:
    fake = FakeBotAPI(clock=clock.now)
    async with sandbox(db_url, clock=clock, fake=fake, picker=picker) as first:
        alex, sam = await make_pair(first)
        due = await first.runtime.tandem.next_round_at_for(1001)
        assert due is not None
        clock.set(due)
        await first.tick()
        await alex.press("5")
    # A new process on the same database.
    clock.advance(timedelta(minutes=10))
    async with sandbox(db_url, clock=clock, fake=fake, picker=picker) as second:
        assert await second.runtime.tandem.next_round_at_for(1001) == due + timedelta(days=1)
        await sam.press("1")
        assert "You: 5 of 5" in reveals(fake, 1001)[-1]
        assert "Alex: 5 of 5" in reveals(fake, 1002)[-1]


async def test_restart_between_reveal_decision_and_sends_delivers_once(
    db_url: str, clock: ManualClock, picker: Picker
) -> None:
    fake = FakeBotAPI(clock=clock.now)
    async with sandbox(db_url, clock=clock, fake=fake, picker=picker) as first:
        alex, sam = await make_pair(first)
        await open_round(first, alex, sam)
        await alex.press("2")
        round_id = await current_round(first)
        # The reveal is decided and committed, then the process dies before sending.
        await answer(first.runtime.tandem.deps, SAM, round_id, 0, "5")
        async with first.runtime.engine.connect() as conn:
            pending = (await conn.execute(select(func.count()).select_from(outbox))).scalar_one()
        assert pending >= 4  # reveal + exercise for each partner
        assert reveals(fake, 1001) == [] and reveals(fake, 1002) == []
    async with sandbox(db_url, clock=clock, fake=fake, picker=picker) as second:
        await second.tick()
        assert len(reveals(fake, 1001)) == 1 and len(reveals(fake, 1002)) == 1
        assert "pulled apart" in fake.chats[1001].last.text
        await second.tick()
        assert len(reveals(fake, 1001)) == 1
        assert await second.runtime.outbox.pending() == 0


async def test_sends_refused_with_retry_after_go_out_later_in_order(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    await alex.press("5")
    box.fake.fail_next(
        "sendMessage",
        error_code=429,
        description="Too Many Requests: retry after 30",
        retry_after=30,
        count=3,
    )
    await sam.press("1")
    assert reveals(box.fake, 1001) == [] or reveals(box.fake, 1002) == []
    for _ in range(2):
        await box.advance(timedelta(seconds=10), step=timedelta(seconds=5))
        assert reveals(box.fake, 1001) == []  # the whole chat waits: no exercise first
        await box.advance(timedelta(seconds=21), step=timedelta(seconds=5))
    await box.advance(timedelta(seconds=31), step=timedelta(seconds=5))
    for user_id in (1001, 1002):
        chat = box.fake.chats[user_id].texts()
        assert len(reveals(box.fake, user_id)) == 1
        reveal_at = next(i for i, t in enumerate(chat) if t.startswith(texts.REVEAL_HEADER))
        assert "pulled apart" in chat[reveal_at + 1]
    assert await box.runtime.outbox.pending() == 0


async def test_a_direct_reply_refused_with_retry_after_arrives_later(box: Sandbox) -> None:
    alex = box.fake.user(1001, "Alex")
    await alex.send("/start")
    await alex.send("Berlin")
    box.fake.fail_next(
        "sendMessage", error_code=429, description="Too Many Requests: retry after 7", retry_after=7
    )
    await alex.send("/pair")
    assert "?start=" not in alex.chat.last.text
    await box.advance(timedelta(seconds=5))
    assert "?start=" not in alex.chat.last.text
    await box.advance(timedelta(seconds=3))
    assert "?start=" in alex.chat.last.text
