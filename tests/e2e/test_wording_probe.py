"""End-to-end, issue 12 (probe finding 4): what nothing-scheduled says and why. /resume with
the schedule off says the schedule is off; a change made while paused says the pause; /settings
while paused says the pause once with how to resume; an offset no place uses is told as such."""

from __future__ import annotations

import pytest

from bot import texts
from bot.sandbox import Sandbox
from tests.conftest import make_pair
from tests.e2e.helpers import notices_told

pytestmark = pytest.mark.usefixtures("no_crash")


async def test_resume_with_the_schedule_off_says_it_is_off(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await alex.send("/frequency off")
    await notices_told(box)
    await alex.send("/pause")
    await alex.send("/resume")
    assert alex.chat.last.text == texts.RESUMED_OFF_YOU
    assert texts.NEXT_NONE not in alex.chat.last.text
    assert sam.chat.last.text == texts.CHECKINS_RUNNING_OFF_NOTICE


async def test_resume_with_a_schedule_says_the_next_one(box: Sandbox) -> None:
    alex, _sam = await make_pair(box)
    await alex.send("/pause")
    await alex.send("/resume")
    assert alex.chat.last.text == texts.RESUMED_YOU.format(next="Mon 2 Mar, 20:00 your time")


async def test_a_change_while_paused_says_the_pause(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await alex.send("/pause")
    await alex.send("/frequency weekly sun")
    reply = alex.chat.last.text
    assert reply.startswith("Done. Check-ins now come every Sunday at 20:00 (Europe/Berlin).")
    assert reply.endswith(f"Next one: {texts.NEXT_PAUSED_YOU}.")
    assert texts.NEXT_NONE not in reply
    await alex.send("/weekly sat")
    assert alex.chat.last.text.endswith(f"Next: {texts.NEXT_PAUSED_YOU}.")
    # The partner did not pause: for Sam it reads as paused for now (privacy rule 8).
    before = len(sam.chat.messages)
    await sam.send("/frequency daily")
    reply = next(m.text for m in sam.chat.messages[before:] if m.text.startswith("Done."))
    assert reply.endswith(f"Next one: {texts.NEXT_HELD}."), reply
    # Alex's changes, as Sam hears of them: the same words, never "none scheduled".
    await notices_told(box)
    told = [m.text for m in sam.chat.messages if m.text.startswith("Alex changed")]
    assert told and all(texts.NEXT_NONE not in t for t in told), told


async def test_settings_while_paused_says_how_to_resume_once(box: Sandbox) -> None:
    alex, _sam = await make_pair(box)
    await alex.send("/pause")
    await alex.send("/settings")
    shown = alex.chat.last.text
    assert f"Status: {texts.STATUS_PAUSED}" in shown
    assert f"Next: {texts.NEXT_PAUSED}" in shown
    assert shown.count("/resume") == 1


@pytest.mark.parametrize("typed", ["UTC+15", "+03:10", "GMT-13"])
async def test_an_offset_out_of_range_is_told_as_such(box: Sandbox, typed: str) -> None:
    alex, _sam = await make_pair(box)
    await alex.send(f"/timezone {typed}")
    assert alex.chat.last.text == texts.TIMEZONE_BAD_OFFSET.format(text=typed)
    assert "UTC-12:00 to UTC+14:00" in alex.chat.last.text
    assert "couldn't find" not in alex.chat.last.text
