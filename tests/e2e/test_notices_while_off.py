"""End-to-end, issue 12 (probe finding 2.4): with the schedule off, a change of the check-in
time or of the timezone it follows is still told to the partner, with the kept time in both
the pair's zone and the partner's own."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import texts
from bot.sandbox import Sandbox
from tests.conftest import make_pair
from tests.e2e.helpers import notice, notices_told

pytestmark = pytest.mark.usefixtures("no_crash")

OFF = "only when one of you sends /checkin (the schedule is off)"


async def test_a_time_change_while_off_is_told(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await alex.send("/frequency off")
    await notices_told(box)
    assert sam.chat.last.text == notice(
        "Alex",
        texts.NOTICE_SCHEDULE_OFF.format(
            schedule=OFF, time="20:00", zone="Europe/Berlin", local="20:00"
        ),
    )
    await alex.send("/time 8:00")
    await notices_told(box)
    assert "The check-in time stays 08:00 (Europe/Berlin), 08:00 your time" in sam.chat.last.text


async def test_a_timezone_change_while_off_is_told(box: Sandbox) -> None:
    alex, sam = await make_pair(box, "Berlin", "New York")
    await alex.send("/frequency off")
    await box.run_until(datetime(2026, 3, 2, 14, 0, tzinfo=UTC))  # 09:00 in New York
    await sam.send("/settings")
    await sam.press(texts.BTN_TZ)
    await sam.press(texts.PAIR_TZ_MINE.format(zone="America/New_York"))
    await notices_told(box)
    told = "The check-in time stays 20:00 (America/New_York), 02:00 your time"
    assert told in alex.chat.last.text, alex.chat.last.text
    assert alex.chat.last.text.startswith(texts.NOTICE_HEAD.format(name="Sam"))
