"""End-to-end: /safety, a private page that leaves no trace the partner can see, with help
resources by country and a button that removes the exchange from the user's own chat; forged
remove buttons change nothing. /start and /help mention it once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot import texts
from bot.emulator import FakeUser, SentMessage
from bot.sandbox import Sandbox
from bot.storage.tables import due_work, outbox, pairs, users
from tests.conftest import make_pair, start_user, texts_since
from tests.e2e.helpers import labels

pytestmark = pytest.mark.usefixtures("no_crash")


async def stored(box: Sandbox) -> list[Any]:
    """Every row Tandem keeps about people, pairs and what is queued."""
    async with box.runtime.engine.connect() as conn:
        return [
            [tuple(row) for row in await conn.execute(select(table))]
            for table in (users, pairs, due_work, outbox)
        ]


async def open_page(user: FakeUser) -> tuple[int, SentMessage]:
    """/safety: the command's message id and the page."""
    update = await user.send("/safety")
    page = user.chat.last
    assert page.text.startswith(texts.SAFETY_PAGE.split("\n")[0])
    return update["message"]["message_id"], page


def remove_data(page: SentMessage) -> str:
    (button,) = [b for row in page.buttons for b in row]
    assert button.text == texts.BTN_SAFETY_REMOVE and button.callback_data is not None
    return button.callback_data


async def test_the_page_changes_nothing_and_tells_the_partner_nothing(box: Sandbox) -> None:
    alex, sam = await make_pair(box)  # both in Berlin
    before = await stored(box)
    sam_before, sam_toasts = len(sam.chat.messages), list(sam.chat.toasts)
    _, page = await open_page(alex)
    assert texts.SAFETY_WHERE.format(country="Germany") in page.text
    assert "116 016" in page.text and "https://www.hilfetelefon.de" in page.text
    assert "Find A Helpline" in page.text and "https://findahelpline.com" in page.text
    assert texts.SAFETY_EMERGENCY in page.text
    assert labels(page) == [texts.BTN_SAFETY_REMOVE]
    assert await stored(box) == before  # no record touched, nothing queued
    assert texts_since(sam, sam_before) == [] and sam.chat.toasts == sam_toasts


async def test_the_country_comes_from_the_language_region_then_the_timezone(
    box: Sandbox,
) -> None:
    brit = box.fake.user(1011, "Bea", language_code="en-GB")
    await start_user(brit, "Berlin")
    _, page = await open_page(brit)
    assert texts.SAFETY_WHERE.format(country="United Kingdom") in page.text
    assert "0808 2000 247" in page.text and "116 016" not in page.text
    texan = box.fake.user(1012, "Tex", language_code="en")
    await start_user(texan, "Chicago")
    _, page = await open_page(texan)
    assert "1-800-799-7233" in page.text and "START to 88788" in page.text
    stranger = box.fake.user(1013, "Ola", language_code=None)  # never started, no zone
    _, page = await open_page(stranger)
    assert texts.SAFETY_NOWHERE in page.text
    assert "Find A Helpline" in page.text and texts.SAFETY_EMERGENCY in page.text


async def test_the_button_removes_the_page_and_the_command_from_the_own_chat_only(
    box: Sandbox,
) -> None:
    alex, sam = await make_pair(box)
    _, sams_page = await open_page(sam)
    sam_texts = sam.chat.texts()
    kept = alex.chat.texts()
    command_id, page = await open_page(alex)
    await alex.press(texts.BTN_SAFETY_REMOVE)
    assert alex.chat.toasts[-1] == texts.SAFETY_REMOVED
    assert alex.chat.texts() == kept
    transcript = box.fake.transcript(alex.user_id)
    assert "> /safety" not in transcript and "Support, just for you" not in transcript
    assert all(m.message_id not in (command_id, page.message_id) for m in alex.chat.messages)
    assert sam.chat.texts() == sam_texts  # Sam's own page is untouched
    assert sams_page in sam.chat.messages


async def test_forged_remove_buttons_change_nothing(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    sams_command, sams_page = await open_page(sam)
    command_id, page = await open_page(alex)
    welcome = alex.chat.messages[0]
    chats = (list(alex.chat.timeline), list(sam.chat.timeline))

    def unchanged() -> None:
        assert [
            e for e in alex.chat.timeline if getattr(e, "kind", "") not in ("press", "toast")
        ] == [e for e in chats[0] if getattr(e, "kind", "") not in ("press", "toast")]
        assert sam.chat.timeline == chats[1]

    # Other ids on Alex's own page (the welcome, the page itself, Sam's page if the numbers
    # differ, anything): the page carries no such button.
    others = {1, command_id - 1, page.message_id, sams_page.message_id, 999} - {command_id}
    for other in sorted(others):
        await alex.press_data(page.message_id, f"sf:rm:{other}")
        assert alex.chat.toasts[-1] == texts.SAFETY_REMOVE_REFUSED
        unchanged()
    # Ids only ever name messages of the presser's own chat: Sam's command id, pressed by
    # Alex, never reaches Sam's chat.
    if sams_command != command_id:
        await alex.press_data(page.message_id, f"sf:rm:{sams_command}")
        assert alex.chat.toasts[-1] == texts.SAFETY_REMOVE_REFUSED
        unchanged()
    # The page's own data, pressed on another message (the welcome): refused too.
    await alex.press_data(welcome.message_id, remove_data(page))
    assert alex.chat.toasts[-1] == texts.SAFETY_REMOVE_REFUSED
    unchanged()
    # A message that is gone (Telegram sends it as inaccessible): nothing to remove.
    await alex.press_data(page.message_id + 50, remove_data(page))
    assert alex.chat.toasts[-1] == texts.SAFETY_REMOVE_TOO_OLD
    unchanged()
    assert texts.SOMETHING_WRONG not in alex.chat.texts()
    # The real button still works.
    await alex.press_data(page.message_id, f"sf:rm:{command_id}")
    assert alex.chat.toasts[-1] == texts.SAFETY_REMOVED
    assert page not in alex.chat.messages


async def test_after_48_hours_the_page_says_how_to_delete_it_by_hand(box: Sandbox) -> None:
    alex, _sam = await make_pair(box)
    _, page = await open_page(alex)
    await box.advance(timedelta(hours=48))
    await alex.press(texts.BTN_SAFETY_REMOVE)
    assert alex.chat.toasts[-1] == texts.SAFETY_REMOVE_TOO_OLD
    assert page in alex.chat.messages


async def test_start_and_help_mention_it_once(box: Sandbox) -> None:
    alex = box.fake.user(1001, "Alex")
    await alex.send("/start")
    welcome = alex.chat.messages[0].text
    assert welcome.count("/safety") == 1
    await alex.send("/help")
    assert alex.chat.last.text.count("/safety") == 1
    assert "safety" in [c["command"] for c in box.fake.commands]
