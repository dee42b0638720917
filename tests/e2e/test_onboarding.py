"""End-to-end: /start, the timezone, /help and the command menu."""

from __future__ import annotations

from bot import texts
from bot.sandbox import Sandbox


async def test_start_greets_explains_privacy_and_asks_timezone(box: Sandbox) -> None:
    alex = box.fake.user(1001, "Alex")
    await alex.send("/start")
    greeting, ask = alex.chat.messages[-2:]
    assert "Alex" in greeting.text and "hidden until you have both answered" in greeting.text
    labels = [b.text for row in ask.buttons for b in row]
    assert "Berlin" in labels and "New York" in labels and "UTC" in labels
    await alex.send("berlin")
    assert "Europe/Berlin" in alex.chat.messages[-2].text
    assert "/pair" in alex.chat.last.text


async def test_timezone_by_button_and_by_iana_name(box: Sandbox) -> None:
    alex = box.fake.user(1001, "Alex")
    await alex.send("/start")
    await alex.press("Tokyo")
    assert any("Asia/Tokyo" in t for t in alex.chat.texts())
    await alex.send("/timezone America/New_York")
    assert "America/New_York" in alex.chat.messages[-2].text
    # Invisible characters a paste slips in are not part of the name.
    await alex.send("/timezone \u200bBerlin\u200e \u2060")
    assert any("Europe/Berlin" in t for t in alex.chat.texts()[-2:])


async def test_help_and_command_menu(box: Sandbox) -> None:
    alex = box.fake.user(1001, "Alex")
    await alex.send("/help")
    for name, _ in texts.COMMANDS:
        assert f"/{name}" in alex.chat.last.text
    assert [c["command"] for c in box.fake.commands] == [n for n, _ in texts.COMMANDS]
