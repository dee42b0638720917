"""End-to-end: getting messages out. Concurrency within and between processes, restarts,
the outbox under 429 flood control, and the production wiring (long polling and the JobQueue)
and the demo."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot import texts
from bot.cli import main
from bot.domain.answers import answer
from bot.domain.people import UserInfo
from bot.emulator import FakeBotAPI
from bot.runtime import build_application
from bot.sandbox import Sandbox, sandbox
from bot.settings import load_settings
from bot.storage.tables import due_work, outbox, rounds
from scheduler.clock import ManualClock
from tests.conftest import Picker, make_pair, open_round
from tests.e2e.helpers import DimensionPicker, offer_of, option_titles

ALEX = UserInfo(1001, "Alex")
SAM = UserInfo(1002, "Sam")


def reveals(fake: FakeBotAPI, user_id: int) -> list[str]:
    return [t for t in fake.chats[user_id].texts() if t.startswith(texts.REVEAL_HEADER)]


async def current_round(box: Sandbox) -> int:
    async with box.runtime.engine.connect() as conn:
        return int(
            (await conn.execute(select(rounds.c.id).where(rounds.c.status == "open"))).scalar_one()
        )


# ----------------------------------------------------------------------------------- concurrency


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


async def test_two_processes_on_one_database_agree_once_when_both_pick_at_once(
    db_url: str, clock: ManualClock, picker: DimensionPicker
) -> None:
    fake = FakeBotAPI(clock=clock.now)
    async with (
        sandbox(db_url, clock=clock, fake=fake, picker=picker) as one,
        sandbox(db_url, clock=clock, fake=fake, picker=picker, attach=False) as two,
    ):
        alex, sam = await make_pair(one)
        for turn in range(3):
            await open_round(one, alex, sam)
            await alex.press("5")
            await sam.press("1", via=two.deliver)
            label = f"1. {option_titles(offer_of(alex))[0]}"
            await asyncio.gather(alex.press(label), sam.press(label, via=two.deliver))
            await one.tick()
            await two.tick()
            for user in (alex, sam):
                agreed = [t for t in user.chat.texts() if t.startswith("You both picked")]
                assert len(agreed) == turn + 1
                waiting = [t for t in user.chat.texts() if "has picked an exercise" in t]
                assert len(waiting) <= turn + 1


# -------------------------------------------------------------------------------------- restarts


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


# --------------------------------------------------------------------------------- flood control


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
        # Sam acted, so Sam's messages go first and meet the third 429 too: the whole chat
        # waits (no exercise first).
        assert reveals(box.fake, 1002) == []
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


# ---------------------------------------------------------------- production wiring and the demo


async def _wait_for(predicate: object, seconds: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while not predicate():  # type: ignore[operator]
        if loop.time() > end:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.05)


async def test_polling_and_job_queue_run_the_loop(tmp_path: Path) -> None:
    fake = FakeBotAPI()
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'prod.sqlite3'}",
        telegram_bot_token=fake.token,
        tick_seconds=0.2,
    )
    app = build_application(settings, request=fake, post_init_runtime=True)
    alex = fake.user(1001, "Alex")
    sam = fake.user(1002, "Sam")
    async with app:
        assert app.post_init is not None
        await app.post_init(app)
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.01, timeout=0)
        try:
            await alex.send("/start")  # nothing attached: queued for getUpdates
            await _wait_for(lambda: len(alex.chat.messages) >= 2)
            await alex.send("UTC")
            await alex.send("/pair")
            await _wait_for(lambda: "t.me/TandemBot?start=" in alex.chat.last.text)
            link = next(w for w in alex.chat.last.text.split() if "?start=" in w)
            await sam.send("/start")
            await _wait_for(lambda: len(sam.chat.messages) >= 2)
            await sam.open_link(link)
            await _wait_for(lambda: "Accept" in str(sam.chat.last.buttons))
            await sam.press("Accept")
            await _wait_for(lambda: "paired with Sam" in alex.chat.last.text)
            # The JobQueue's tick opens the round once its instant has come.
            runtime = app.bot_data["tandem.runtime"]
            async with runtime.engine.begin() as conn:
                await conn.execute(update(due_work).values(due_at=runtime.clock.now()))
            await _wait_for(lambda: sam.chat.last.text.startswith("Check-in ·"))
            assert alex.chat.last.text.startswith("Check-in ·")
            assert [c["command"] for c in fake.commands][:2] == ["start", "pair"]
        finally:
            await app.updater.stop()
            await app.stop()
            assert app.post_shutdown is not None
            await app.post_shutdown(app)


def test_self_hosted_bot_api_base_url(tmp_path: Path) -> None:
    fake = FakeBotAPI()
    settings = load_settings(
        telegram_bot_token=fake.token, telegram_api_base_url="http://127.0.0.1:8081/"
    )
    app = build_application(settings, request=fake)
    assert app.bot.base_url == f"http://127.0.0.1:8081/bot{fake.token}"
    assert app.bot.base_file_url == f"http://127.0.0.1:8081/file/bot{fake.token}"


def test_demo_prints_the_whole_loop(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    for step in (
        "/pair",
        "You're now paired",
        "Check-in ·",
        "Here's your check-in",
        "pulled apart",
        "You both picked",
        "Reminder set",
        "Follow-up",
        "You recently settled on",
        "waited for the end of Alex's quiet hours, Tue 08:00 in Berlin",  # issue 12
        "(no sound)",
    ):
        assert step in out, step
    # Each partner reads the steps twice: when both picked it, and with the reminder.
    assert out.count("\n1. Write the next seven evenings") == 2 * 2
