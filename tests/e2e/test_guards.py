"""One guard, one reply: every command that needs a partner answers a user who has none the
same way, and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot import texts
from bot.domain import callbacks as cb
from bot.sandbox import Sandbox
from bot.storage.tables import due_work, pairs, rounds
from tests.conftest import start_user

PAIRED_ONLY = [
    "/settings",
    "/checkin",
    "/time",
    "/time 20:00",
    "/frequency daily",
    "/pause",
    "/resume",
    "/weekly",
    "/weekly sun",
    "/weekly off",
    "/focus",
    "/focus trust",
    "/focus clear",
    "/history",
    "/insights",
    "/unpair",
    "/retention",
]


@pytest.mark.parametrize("command", PAIRED_ONLY)
async def test_a_command_that_needs_a_partner_says_so_and_changes_nothing(
    box: Sandbox, command: str
) -> None:
    alex = box.fake.user(1001, "Alex")
    await start_user(alex, "Berlin")
    await alex.send(command)
    assert alex.chat.last.text == texts.NOT_PAIRED
    async with box.runtime.engine.connect() as conn:
        for table in (pairs, rounds, due_work):
            count = (await conn.execute(select(func.count()).select_from(table))).scalar_one()
            assert count == 0, table.name


async def test_a_focus_button_without_a_partner_answers_with_a_toast(box: Sandbox) -> None:
    alex = box.fake.user(1001, "Alex")
    await start_user(alex, "Berlin")
    await alex.press_data(alex.chat.last.message_id, cb.focus("trust"))
    assert box.fake.calls("answerCallbackQuery")[-1]["text"] == texts.NOT_PAIRED
