"""Real processes: `tandem run --webhook` stopped by SIGTERM while its sends are in flight, and
started again; nothing lost, nothing sent twice, exit status 0."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from bot.domain.messages import Message
from bot.emulator import FakeBotAPI
from bot.sandbox import sandbox
from bot.telegram.application import ALLOWED_UPDATES
from scheduler.clock import ManualClock
from tests.ops.processes import (
    emulator_server,
    free_port,
    start_process,
    wait_for,
    webhook_delivery,
)

SECRET = "process-test-secret_0123456789"
USERS = range(501, 507)


def bot_messages(fake: FakeBotAPI, user_id: int) -> list[str]:
    chat = fake.chats.get(user_id)
    return [] if chat is None else [m.text for m in chat.messages]


async def test_sigterm_with_sends_in_flight_loses_nothing_and_sends_nothing_twice(
    tmp_path: Path,
) -> None:
    fake = FakeBotAPI()
    async with emulator_server(fake) as emulator:
        port = free_port()
        env = {
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_API_BASE_URL": emulator.base_url,
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'tandem.sqlite3'}",
            "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/{port}",
            "WEBHOOK_SECRET": SECRET,
            "PORT": str(port),
            "SHUTDOWN_GRACE_SECONDS": "120",
            "LOG_LEVEL": "INFO",
        }
        log = tmp_path / "tandem.log"
        first = await start_process(["tandem", "run", "--webhook"], env, log, port)
        await first.healthy()
        assert fake.webhook_url == env["WEBHOOK_URL"]
        assert fake.webhook_secret == SECRET
        assert fake.webhook_allowed_updates == list(ALLOWED_UPDATES)
        fake.attach(webhook_delivery(fake))

        # Every send now takes a while: the updates queue up behind the first one's sends.
        emulator.delays["sendMessage"] = 0.2
        for user_id in USERS:
            await fake.user(user_id, f"Person{user_id}").send("/start")  # 200: taken
        await wait_for(lambda: fake.calls("sendMessage") != [], "a send in flight")
        assert await first.terminate() == 0
        output = first.output()
        assert "Traceback" not in output and " ERROR " not in output, output
        assert SECRET not in output and fake.token.split(":")[1] not in output

        # Every update taken before the signal was handled: each person was welcomed once.
        seen = {user_id: bot_messages(fake, user_id) for user_id in USERS}
        for user_id, texts in seen.items():
            assert sum(f"Hi Person{user_id}, welcome" in t for t in texts) == 1, texts
        assert len({len(texts) for texts in seen.values()}) == 1  # the same for everyone

        # A second start sends nothing again: the outbox held nothing that was sent.
        emulator.delays.clear()
        second = await start_process(["tandem", "run", "--webhook"], env, log, port)
        await second.healthy()
        await fake.user(USERS[0], f"Person{USERS[0]}").send("/help")
        await wait_for(
            lambda: len(bot_messages(fake, USERS[0])) > len(seen[USERS[0]]), "the /help reply"
        )
        assert await second.terminate() == 0
        for user_id in USERS[1:]:
            assert bot_messages(fake, user_id) == seen[user_id]


async def queue_messages(db_url: str, count: int) -> None:
    """``count`` outbox messages, one per person in USERS in turn (written by a Tandem on the
    same database file and key file, as a wave would leave them)."""
    clock = ManualClock(datetime.now(UTC))
    async with sandbox(db_url, clock=clock) as box:
        for n in range(count):
            user_id = USERS[n % len(USERS)]
            await box.runtime.outbox.add(Message(user_id, f"queued {n}"), clock.now())


async def test_past_the_grace_period_the_claims_go_back_and_a_restart_sends_each_once(
    tmp_path: Path,
) -> None:
    db_file = tmp_path / "tandem.sqlite3"
    db_url = f"sqlite+aiosqlite:///{db_file}"
    await queue_messages(db_url, 12)
    fake = FakeBotAPI()
    for user_id in USERS:
        fake.private_chat(user_id)
    async with emulator_server(fake) as emulator:
        port = free_port()
        env = {
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_API_BASE_URL": emulator.base_url,
            "DATABASE_URL": db_url,
            "PORT": str(port),  # polling, with /healthz
            "SHUTDOWN_GRACE_SECONDS": "0.5",
            "TICK_SECONDS": "0.2",
        }
        log = tmp_path / "tandem.log"
        # The first send hangs (Telegram never answers it): the flush is stuck mid-batch.
        emulator.delays["sendMessage"] = 600
        first = await start_process(["tandem", "run"], env, log, port)
        await first.healthy()
        await wait_for(lambda: emulator.in_flight.get("sendMessage", 0) > 0, "a send in flight")
        assert await first.terminate() == 0
        assert "handed back" in first.output()
        with sqlite3.connect(db_file) as db:
            held = db.execute("SELECT count(*) FROM outbox WHERE claim_token IS NOT NULL")
            assert held.fetchone() == (0,)  # free for the next process at once, not in a minute
            assert db.execute("SELECT count(*) FROM outbox").fetchone() == (12,)

        emulator.delays.clear()
        second = await start_process(["tandem", "run"], env, log, port)
        await second.healthy()
        await wait_for(lambda: len(fake.calls("sendMessage")) >= 12, "the queued messages")
        await wait_for(lambda: emulator.in_flight.get("sendMessage", 0) == 0, "sends settled")
        assert await second.terminate() == 0
        sent = sorted(t for user_id in USERS for t in bot_messages(fake, user_id))
        assert sent == sorted(f"queued {n}" for n in range(12))  # each once, none lost
