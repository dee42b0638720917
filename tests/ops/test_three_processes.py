"""Three `tandem run --webhook` processes on one PostgreSQL database, through the emulator
served over HTTP: a few dozen people start, pair up and move their check-in a minute ahead;
the wave comes due while all three processes tick, and the answers reach the three webhooks
round-robin (each update to one process, as Telegram behind a load balancer would), a few of
them delivered twice, to two processes at once. The emulator's record then shows every
expected message exactly once (no question, notice or reveal twice, none lost), each update
handled by one process, and Telegram's limits kept across the three processes.

Runs only when ``TANDEM_TEST_POSTGRES_URL`` names a server (``.ci/run`` sets it)."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import func, select

from bot.emulator import FakeBotAPI, FakeUser, SentMessage
from bot.storage.database import create_engine
from bot.storage.tables import outbox, rounds
from bot.telegram.webhook import SECRET_HEADER
from tests.conftest import invite_link
from tests.databases import TEST_KEY, TEST_KEYRING, PostgresDatabases, postgres_url
from tests.ops.processes import Process, emulator_server, free_port, start_process, wait_for

pytestmark = pytest.mark.skipif(
    postgres_url() is None, reason="needs a PostgreSQL server: set TANDEM_TEST_POSTGRES_URL"
)

SECRET = "three-processes-secret_0123456789"
PUBLIC_URL = "https://tandem.example.org/telegram"  # the load balancer's address
PAIRS = 24
#: Typed at /start; the pair's schedule follows the inviter's zone (a half-hour one among them).
ZONES = {
    "London": "Europe/London",
    "Tokyo": "Asia/Tokyo",
    "New York": "America/New_York",
    "Kolkata": "Asia/Kolkata",
}
#: Every DUPLICATE_EVERY-th update goes to two processes at once (Telegram's redelivery).
DUPLICATE_EVERY = 9


@dataclass
class Balancer:
    """Telegram behind a load balancer: each update is posted to one process in turn, with
    the webhook secret; every ``DUPLICATE_EVERY``-th is posted to two processes at once."""

    ports: list[int]
    duplicated: list[int]

    def __post_init__(self) -> None:
        self._turn = itertools.count()

    async def __call__(self, update: dict[str, Any]) -> None:
        """Deliver ``update``; each process must answer 200."""
        n = next(self._turn)
        targets = [self.ports[n % len(self.ports)]]
        if n % DUPLICATE_EVERY == DUPLICATE_EVERY - 1:
            targets.append(self.ports[(n + 1) % len(self.ports)])
            self.duplicated.append(int(update["update_id"]))
        async with httpx.AsyncClient() as http:
            answers = await asyncio.gather(
                *(
                    http.post(
                        f"http://127.0.0.1:{port}/telegram",
                        json=update,
                        headers={SECRET_HEADER: SECRET},
                    )
                    for port in targets
                )
            )
        assert [a.status_code for a in answers] == [200] * len(targets)


async def shows(user: FakeUser, wanted: Callable[[str], bool], what: str) -> None:
    """Wait until the user's chat shows a bot message ``wanted`` accepts."""
    await wait_for(
        lambda: user.user_id in user.api.chats and any(wanted(m.text) for m in user.chat.messages),
        f"{user!r}: {what}; the chat shows {[m.text[:40] for m in user.chat.messages[-3:]]}"
        if user.user_id in user.api.chats
        else f"{user!r}: {what}",
    )


@pytest.fixture
async def database() -> AsyncIterator[str]:
    """A new, empty database on the server of ``TANDEM_TEST_POSTGRES_URL``, dropped after."""
    url = postgres_url()
    assert url is not None
    server = PostgresDatabases(url)
    created = await server.create(migrated=False)
    try:
        yield created
    finally:
        await server.drop(created)


async def pair_up(inviter: FakeUser, invitee: FakeUser, zone: str) -> None:
    """Both start and type a timezone; the inviter sends the link, the invitee accepts."""

    async def start(user: FakeUser) -> None:
        await user.send("/start")
        await shows(user, lambda t: t.startswith(f"Hi {user.first_name}, welcome"), "welcome")
        await user.send(zone)
        await shows(user, lambda t: t.startswith("Got it: your timezone"), "timezone")
        # Real clocks: whatever the hour, nobody's quiet hours hold a message or turn the
        # move below into a proposal (quiet hours have their own tests, issue 12).
        await user.send("/quiet off")
        await shows(user, lambda t: t.startswith("Done. Quiet hours are off"), "quiet off")

    await asyncio.gather(start(inviter), start(invitee))
    await inviter.send("/pair")
    await shows(inviter, lambda t: "https://t.me/" in t, "invite link")
    await invitee.open_link(invite_link(inviter))
    await shows(invitee, lambda t: "invited you" in t, "the invitation")
    await invitee.press("Accept")
    for user in (inviter, invitee):
        await shows(user, lambda t: t.startswith("You're now paired"), "paired")


def first_minute_after(at: datetime, margin: timedelta) -> datetime:
    """The first whole minute at least ``margin`` after ``at``."""
    earliest = at + margin
    minute = earliest.replace(second=0, microsecond=0)
    return minute if minute == earliest else minute + timedelta(minutes=1)


def question_of(user: FakeUser) -> SentMessage:
    """The newest check-in question in the user's chat."""
    return next(m for m in reversed(user.chat.messages) if m.text.startswith("Check-in ·"))


def buttons_gone(user: FakeUser) -> bool:
    """Whether the user's newest question shows no buttons any more (its round closed)."""
    return not question_of(user).buttons


def answer_button(user: FakeUser) -> str | None:
    """The callback data of a neutral answer to the newest question in the chat (the middle
    of a scale, "about the same", a choice's first option); None for an open question."""
    data = [b.callback_data for row in question_of(user).buttons for b in row if b.callback_data]
    if any(d.startswith("w:") for d in data):
        return None
    for preferred in (":3", ":same"):
        if any(d.endswith(preferred) for d in data):
            return next(d for d in data if d.endswith(preferred))
    return data[0]


async def answer(user: FakeUser) -> None:
    """Answer the open check-in: a button, or for an open question a typed text sent."""
    data = answer_button(user)
    if data is not None:
        await user.press(data)
        return
    await user.send("A walk by the river on Sunday")
    await shows(user, lambda t: t.startswith("Send this as your answer"), "the confirmation")
    await user.press("Send as my answer")


async def run_pair(inviter: FakeUser, invitee: FakeUser) -> None:
    """The inviter answers, then the invitee; the reveal reaches both."""
    await answer(inviter)
    await shows(inviter, lambda t: t.startswith("Saved. Your answer"), "saved")
    await shows(invitee, lambda t: "has answered the check-in" in t, "the partner's notice")
    await answer(invitee)
    for user in (inviter, invitee):
        await shows(user, lambda t: t.startswith("You've both answered"), "the reveal")


def most_in_one_second(instants: list[float], seconds: float = 1.0) -> int:
    """The most instants in any window [t, t + ``seconds``)."""
    ordered = sorted(instants)
    most, start = 0, 0
    for end, at in enumerate(ordered):
        while ordered[start] <= at - seconds:
            start += 1
        most = max(most, end - start + 1)
    return most


async def test_three_processes_on_one_postgresql_no_duplicate_none_lost(
    tmp_path: Path, database: str
) -> None:
    fake = FakeBotAPI()  # Telegram's limits not enforced: what the bot sends is measured
    async with emulator_server(fake) as emulator:
        ports = [free_port() for _ in range(3)]
        base = {
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_API_BASE_URL": emulator.base_url,
            "DATABASE_URL": database,
            "ENCRYPTION_KEYS": TEST_KEY,
            "WEBHOOK_URL": PUBLIC_URL,
            "WEBHOOK_SECRET": SECRET,
            "TICK_SECONDS": "1",
            "LOG_LEVEL": "INFO",
        }
        upgrade = await start_process(
            ["tandem", "db", "upgrade"], base, tmp_path / "upgrade.log", None
        )
        assert await upgrade.proc.wait() == 0, upgrade.output()
        processes: list[Process] = [
            await start_process(
                ["tandem", "run", "--webhook"],
                {**base, "PORT": str(port)},
                tmp_path / f"web{n}.log",
                port,
            )
            for n, port in enumerate(ports)
        ]
        for process in processes:
            await process.healthy()
        duplicated: list[int] = []
        fake.attach(Balancer(ports, duplicated))

        zones = list(ZONES)
        pairs = [
            (fake.user(2000 + 2 * k, f"In{k}"), fake.user(2001 + 2 * k, f"Ve{k}"), zones[k % 4])
            for k in range(PAIRS)
        ]
        await asyncio.gather(*(pair_up(a, b, zone) for a, b, zone in pairs))

        # Every pair moves its check-in to the same minute, a few seconds ahead.
        slot = first_minute_after(datetime.now(UTC), timedelta(seconds=8))

        async def move(inviter: FakeUser, invitee: FakeUser, zone: str) -> None:
            local = slot.astimezone(ZoneInfo(ZONES[zone])).strftime("%H:%M")
            await inviter.send(f"/time {local}")
            await shows(inviter, lambda t: t.startswith("Done. Check-ins now come"), "moved")
            # The invitee hears of it in one coalesced notice a few minutes later (issue 12),
            # after this test has ended.

        await asyncio.gather(*(move(a, b, zone) for a, b, zone in pairs))
        assert datetime.now(UTC) < slot, "the schedule changes took longer than the margin"

        # The wave: three processes tick; each pair's round opens once, both get it.
        everyone = [u for a, b, _ in pairs for u in (a, b)]
        # The slot is up to 68 s ahead (the next whole minute after an 8 s margin).
        await wait_for(lambda: datetime.now(UTC) >= slot, "the slot", within=90)
        for user in everyone:
            await shows(user, lambda t: t.startswith("Check-in ·"), "the question")
        await asyncio.gather(*(run_pair(a, b) for a, b, _ in pairs))
        # A closed round's question loses its buttons (bulk edits queued at the reveal, sent by
        # whichever process is free), before the processes stop.
        for user in everyone:
            await wait_for(partial(buttons_gone, user), f"{user!r}: buttons gone")

        for process in processes:
            assert await process.terminate() == 0
        logs = [process.output() for process in processes]

    # Every expected message exactly once, none lost, nothing else twice.
    for inviter, invitee, _ in pairs:
        for user in (inviter, invitee):
            texts = [m.text for m in user.chat.messages]
            twice = [t for t, n in Counter(texts).items() if n > 1]
            assert twice == [], (user, twice)
            kinds = Counter(
                kind
                for t in texts
                for kind, starts in (
                    ("welcome", "Hi "),
                    ("question", "Check-in ·"),
                    ("reveal", "You've both answered"),
                    ("saved", "Saved. Your answer"),
                )
                if t.startswith(starts)
            )
            notices = sum("has answered the check-in" in t for t in texts)
            first = user is inviter
            expected = Counter(welcome=1, question=1, reveal=1, saved=1 if first else 0)
            assert kinds == expected, texts
            assert notices == (0 if first else 1), texts
    accepted = fake.send_log.accepted
    assert len(accepted) == sum(len(fake.chats[u.user_id].messages) for u in everyone)

    # Each update handled by one process: every duplicate delivery dropped once, by one.
    assert duplicated, "no update was delivered twice"
    dropped = Counter(
        int(line.rsplit("duplicate update ", 1)[1].split()[0])
        for log in logs
        for line in log.splitlines()
        if "duplicate update " in line
    )
    assert dropped == Counter(duplicated)
    for log in logs:
        assert "Traceback" not in log and " ERROR " not in log, log
    # Whoever was free opened each round (not asserted which); each one once, all revealed.
    engine = create_engine(database, TEST_KEYRING)
    try:
        async with engine.connect() as conn:
            statuses = (await conn.execute(select(rounds.c.status))).scalars().all()
            queued = (await conn.execute(select(func.count()).select_from(outbox))).scalar()
    finally:
        await engine.dispose()
    assert Counter(statuses) == {"revealed": PAIRS}
    assert queued == 0

    # Telegram's limits, across the three processes, as the emulator saw each message arrive.
    overall = most_in_one_second([at for at, _, _ in accepted])
    by_chat: dict[int, list[float]] = {}
    for at, chat, _ in accepted:
        by_chat.setdefault(chat, []).append(at)
    crowded = {chat: n for chat, ats in by_chat.items() if (n := most_in_one_second(ats)) > 1}
    # The rate over five seconds: the emulator stamps each message when its own (busy, on a
    # loaded CI machine) event loop gets to it, so single seconds carry its jitter (30 to 32
    # seen at a pace of 29/s); five seconds' worth stays at Telegram's 30 a second.
    busiest = most_in_one_second([at for at, _, _ in accepted], seconds=5.0)
    assert busiest <= 150, f"{busiest} messages arrived in five seconds (limit 30/s); {overall=}"
    # One per second per chat across the processes: every send, a direct reply or a queued
    # message, first takes the chat's turn in the database (``chat_pace``).
    assert crowded == {}, f"chats with more than one message in a second: {crowded}"
