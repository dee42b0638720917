"""The production path: post_init starts the runtime, updates arrive by long polling
(getUpdates), and the JobQueue runs the tick on its own, on the system clock."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import update

from bot.emulator import FakeBotAPI
from bot.runtime import build_application
from bot.settings import load_settings
from bot.storage.tables import due_work


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
