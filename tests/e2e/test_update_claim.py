"""End-to-end: an update's id is claimed in the transaction of the work it carries (issue 10).

A crash after the answer is recorded but before that transaction commits leaves nothing: no
answer and no claim, so Telegram's redelivery records the answer, exactly once. A redelivery
after the work committed is dropped. A crash is an exception injected inside the transaction
(the process goes on) or one that escapes the Application (the process dies; a new one opens
the same database file and gets the redelivery).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from bot import texts
from bot.domain.model import Answer
from bot.emulator import FakeUser
from bot.sandbox import Sandbox, sandbox
from bot.storage.rounds import SqlAnswers
from scheduler.clock import ManualClock
from tests.conftest import Picker, make_pair, open_round
from tests.e2e.helpers import count, logged


class Killed(BaseException):
    """Stands for the process dying: not an ``Exception``, so nothing in python-telegram-bot
    handles it and it leaves ``process_update`` half way, as a kill would."""


@pytest.fixture
def fail_after_save(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[BaseException]]:
    """Make the next answer's unit of work fail right after the answer row is written (before
    the commit) with the exception put in the returned list."""
    pending: list[BaseException] = []
    original = SqlAnswers.save

    async def save(self: SqlAnswers, answer: Answer, *args: Any, **kwargs: Any) -> bool:
        saved = await original(self, answer, *args, **kwargs)
        if pending:
            raise pending.pop()
        return saved

    monkeypatch.setattr(SqlAnswers, "save", save)
    yield pending


def acknowledged(alex: FakeUser, sam: FakeUser) -> tuple[int, int]:
    """(Alex's "Saved" acknowledgements, Sam's notices that Alex answered)."""
    return count(alex, "Saved. Your answer"), count(sam, "Alex has answered")


async def test_a_crash_before_the_commit_leaves_the_update_for_its_redelivery(
    box: Sandbox, fail_after_save: list[BaseException], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    fail_after_save.append(RuntimeError("crash between the answer and the commit"))

    await alex.press("3")
    assert acknowledged(alex, sam) == (0, 0)  # nothing recorded, nothing told
    assert texts.SOMETHING_WRONG in alex.chat.texts()

    await alex.resend_last()  # Telegram delivers it again: now it is handled
    assert acknowledged(alex, sam) == (1, 1)
    await alex.resend_last()  # and a redelivery after success is dropped
    assert acknowledged(alex, sam) == (1, 1)
    assert logged(caplog, "duplicate update")

    await sam.press("4")
    assert count(alex, texts.REVEAL_HEADER) == count(sam, texts.REVEAL_HEADER) == 1


async def test_a_process_killed_before_the_commit_leaves_the_update_to_the_next_one(
    db_url: str, clock: ManualClock, picker: Picker, fail_after_save: list[BaseException]
) -> None:
    async with sandbox(db_url, clock=clock, picker=picker) as first:
        alex, sam = await make_pair(first)
        await open_round(first, alex, sam)
        fail_after_save.append(Killed())
        with pytest.raises(Killed):
            await alex.press("3")
        assert acknowledged(alex, sam) == (0, 0)
        first.fake.detach()
    # The same emulated Telegram, a new process on the same database file.
    async with sandbox(db_url, clock=clock, fake=first.fake, picker=picker):
        await alex.resend_last()
        await alex.resend_last()
        assert acknowledged(alex, sam) == (1, 1)
        await sam.press("4")
        assert count(alex, texts.REVEAL_HEADER) == count(sam, texts.REVEAL_HEADER) == 1
        assert texts.SOMETHING_WRONG not in alex.chat.texts()


async def test_an_update_that_writes_nothing_is_still_handled_once(
    box: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    alex, _ = await make_pair(box)
    before = len(alex.chat.messages)
    await alex.send("/help")
    await alex.resend_last()
    assert len(alex.chat.messages) == before + 1
    assert logged(caplog, "duplicate update")
