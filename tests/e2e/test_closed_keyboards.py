"""End-to-end: when a round closes (revealed, expired, cancelled), its question messages lose
their buttons in both chats, through the outbox; Telegram's refusals of such an edit are
tolerated; a button pressed on a closed round still gets a clear reply (issue 12)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot import texts
from bot.emulator import FakeUser
from bot.emulator.model import SentMessage
from bot.sandbox import Sandbox
from bot.storage.tables import outbox, round_messages
from tests.conftest import make_pair, open_round
from tests.e2e.helpers import SUN_8_MAR_10_BERLIN, labels, logged, unscheduled_pair


def _question(user: FakeUser) -> SentMessage:
    """The newest daily question in the user's chat (with or without a line before it)."""
    for message in reversed(user.chat.messages):
        if "Check-in \u00b7" in message.text:
            return message
    raise AssertionError(f"no question in {user!r}'s chat")


def _data(message: SentMessage, label: str) -> str:
    for row in message.buttons:
        for button in row:
            if button.text == label and button.callback_data is not None:
                return button.callback_data
    raise AssertionError(f"no button {label!r}: {labels(message)}")


async def _rows(box: Sandbox, table: object) -> int:
    async with box.runtime.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())  # type: ignore[arg-type]


async def test_a_revealed_round_loses_its_buttons_in_both_chats(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    asked_a, asked_s = _question(alex), _question(sam)
    assert "5" in labels(asked_a) and "5" in labels(asked_s)
    assert await _rows(box, round_messages) == 2  # both questions' ids, while open
    stale = _data(asked_s, "2")
    await alex.press("4")
    assert labels(asked_a) != []  # open: Alex may still change his answer
    await sam.press("2")
    assert labels(asked_a) == [] and labels(asked_s) == []
    assert "Check-in \u00b7" in asked_a.text and asked_a.edited  # the text stays
    assert await _rows(box, round_messages) == 0 and await _rows(box, outbox) == 0
    # A client that still shows the old button: a clear reply, nothing changes.
    await sam.press_data(asked_s.message_id, stale)
    assert sam.chat.toasts[-1] == texts.ROUND_REVEALED


async def test_an_expired_round_loses_its_buttons_and_the_new_one_keeps_them(
    box: Sandbox,
) -> None:
    alex, sam = await make_pair(box)  # daily at 20:00 Berlin
    due = await box.runtime.tandem.next_round_at_for(alex.user_id)
    assert due is not None
    box.clock.set(due)
    await box.tick()
    first = _question(sam)
    stale = _data(first, "3")
    await box.advance(timedelta(days=1), step=timedelta(hours=2))
    second = _question(sam)
    assert second.message_id != first.message_id
    assert labels(first) == [] and "3" in labels(second)
    await sam.press_data(first.message_id, stale)
    assert sam.chat.toasts[-1] == texts.ROUND_CLOSED


async def test_a_round_cancelled_by_unpairing_loses_its_buttons(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    asked_a, asked_s = _question(alex), _question(sam)
    stale = _data(asked_s, "1")
    await alex.press("5")
    await sam.send("/unpair")
    await sam.press(texts.UNPAIR_YES)
    assert labels(asked_a) == [] and labels(asked_s) == []
    await sam.press_data(asked_s.message_id, stale)
    assert sam.chat.toasts[-1] == texts.ROUND_PAIR_ENDED
    assert texts.BUTTON_NOT_YOURS not in sam.chat.toasts


async def test_a_weekly_rounds_three_questions_all_lose_their_buttons(box: Sandbox) -> None:
    alex, sam = await unscheduled_pair(box)
    await alex.send("/weekly sun 10:00")
    box.clock.set(SUN_8_MAR_10_BERLIN)
    await box.tick()
    asked = [m for m in sam.chat.messages if "of 3" in m.text and m.buttons]
    assert len(asked) == 3
    await alex.send("/unpair")
    await alex.press(texts.UNPAIR_YES)
    assert [labels(m) for m in asked] == [[], [], []]


async def test_refused_edits_are_done_not_retried(
    box: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    asked_a, asked_s = _question(alex), _question(sam)
    await alex.press("4")
    # Alex's question has no keyboard any more ("message is not modified"); Sam's is gone
    # ("message to edit not found").
    bot = box.app.bot
    await bot.edit_message_reply_markup(chat_id=alex.user_id, message_id=asked_a.message_id)
    await bot.delete_message(chat_id=sam.user_id, message_id=asked_s.message_id)
    await sam.send("/checkin")  # the open check-in again, with its buttons
    again = _question(sam)
    assert again.message_id != asked_s.message_id and "2" in labels(again)
    await sam.press("2")
    assert labels(again) == []  # the question sent again loses its buttons too
    assert await _rows(box, outbox) == 0
    assert logged(caplog, "message not changed: BadRequest")
    await box.advance(timedelta(minutes=10))
    assert await _rows(box, outbox) == 0
