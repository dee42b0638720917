"""Shared fixtures: a running Tandem on a fresh SQLite file against the emulated Bot API,
with a clock the test moves."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.emulator import FakeBotAPI, FakeUser
from bot.sandbox import Sandbox, sandbox
from content.schema import Question
from scheduler.clock import ManualClock


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """``tandem run`` configures the root logger; put pytest's handlers back afterwards."""
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved_handlers:
        root.addHandler(handler)
    root.setLevel(saved_level)


#: Monday 2 March 2026, 09:00 UTC (10:00 in Berlin, 04:00 in New York).
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Picker:
    """Deterministic question choice: the first candidate (file order) of ``prefer`` kind."""

    def __init__(self) -> None:
        self.prefer: str | None = "scale"
        self.asked: list[Question] = []

    def __call__(self, candidates: Sequence[Question], weights: Sequence[float] = ()) -> Question:
        chosen = next((q for q in candidates if q.kind == self.prefer), candidates[0])
        self.asked.append(chosen)
        return chosen


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def picker() -> Picker:
    return Picker()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'tandem.sqlite3'}"


@pytest.fixture
def fake(clock: ManualClock) -> FakeBotAPI:
    return FakeBotAPI(clock=clock.now)


@pytest.fixture
async def box(
    db_url: str, clock: ManualClock, fake: FakeBotAPI, picker: Picker
) -> AsyncIterator[Sandbox]:
    async with sandbox(db_url, clock=clock, fake=fake, picker=picker) as running:
        yield running


def invite_link(user: FakeUser) -> str:
    """The invite deep link in the user's chat (newest first)."""
    for message in reversed(user.chat.messages):
        for word in message.text.split():
            if word.startswith("https://t.me/") and "?start=" in word:
                return word
    raise AssertionError("no invite link in the chat")


async def start_user(user: FakeUser, zone_text: str) -> None:
    """/start and type a timezone."""
    await user.send("/start")
    await user.send(zone_text)


async def make_pair(
    box: Sandbox, a_zone: str = "Berlin", b_zone: str = "Berlin"
) -> tuple[FakeUser, FakeUser]:
    """Alex invites Sam, Sam accepts. Returns (alex, sam)."""
    alex = box.fake.user(1001, "Alex")
    sam = box.fake.user(1002, "Sam")
    await start_user(alex, a_zone)
    await start_user(sam, b_zone)
    await alex.send("/pair")
    await sam.open_link(invite_link(alex))
    await sam.press("Accept")
    return alex, sam


async def open_round(box: Sandbox, alex: FakeUser, sam: FakeUser) -> None:
    """Alex starts a check-in now."""
    await alex.send("/checkin")
    assert "Check-in" in sam.chat.last.text, sam.chat.last.text


def texts_since(user: FakeUser, count_before: int) -> list[str]:
    """Texts the user's chat received after it had ``count_before`` messages."""
    return [m.text for m in user.chat.messages[count_before:]]
