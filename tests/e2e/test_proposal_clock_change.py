"""End-to-end: a schedule change is checked against the partner's quiet hours for the coming
year, not only for the next check-in (issue 12): a time that slips into their night when the
clocks change is asked first. Alex in Berlin, Sam in New York; here the clock starts on
Saturday 7 March 2026, 12:00 UTC (13:00 Berlin, 07:00 New York); New York moves to summer
time on Sunday 8 March, Berlin on 29 March."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import texts
from bot.sandbox import Sandbox
from scheduler.clock import ManualClock
from tests.conftest import make_pair
from tests.e2e.helpers import labels, newest, no_error_reply, press_in

pytestmark = pytest.mark.usefixtures("no_crash")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 3, 7, 12, 0, tzinfo=UTC))


async def test_a_time_that_enters_the_partners_night_at_a_clock_change_is_asked_first(
    box: Sandbox,
) -> None:
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="New York")
    # 03:30 Berlin is 21:30 in New York tonight, 22:30 from Sunday on: inside Sam's night.
    await alex.send("/time 3:30")
    assert alex.chat.last.text == texts.PROPOSAL_SENT_FROM.format(
        when="03:30", zone="Europe/Berlin", local="22:30", partner="Sam", day="Sun 8 Mar"
    )
    await alex.send("/settings")
    assert "daily at 20:00 (Europe/Berlin)" in alex.chat.last.text  # nothing changed yet
    await box.run_until(datetime(2026, 3, 7, 13, 30, tzinfo=UTC))  # 08:30 in New York
    asked = newest(sam, "Alex would like")
    assert asked.text == texts.PROPOSAL_ASK_FROM.format(
        name="Alex", schedule="daily at 03:30 (Europe/Berlin)", day="Sun 8 Mar", local="22:30"
    )
    assert labels(asked) == [texts.BTN_PROPOSAL_ACCEPT, texts.BTN_PROPOSAL_DECLINE]
    await press_in(sam, asked, texts.BTN_PROPOSAL_DECLINE)
    await alex.send("/settings")
    assert "daily at 20:00 (Europe/Berlin)" in alex.chat.last.text
    no_error_reply(alex, sam)
