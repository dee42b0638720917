"""End-to-end: a partner's changes made within a few minutes reach the other as one message
with the final values (issue 12). Alex in Berlin, Sam in New York (START: Monday 2 March
2026, 09:00 UTC; the pair checks in daily at 20:00 Berlin = 14:00 New York)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot import texts
from bot.sandbox import Sandbox
from content.schema import Dimension
from scheduler.clock import ManualClock
from tests.conftest import make_pair, texts_since
from tests.e2e.helpers import count, no_error_reply, notice, notices_told

pytestmark = pytest.mark.usefixtures("no_crash")


@pytest.fixture
def clock() -> ManualClock:
    """14:00 UTC: afternoon in Berlin, morning in New York. Quiet hours hold a notice to a
    partner at night (their own test file); here the partner is awake and reads it at once."""
    return ManualClock(datetime(2026, 3, 2, 14, 0, tzinfo=UTC))


async def test_five_quick_time_changes_and_a_focus_are_one_notice(box: Sandbox) -> None:
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="New York")
    before = len(sam.chat.messages)
    for at in ("19:00", "18:30", "19:30", "21:00"):
        await alex.send(f"/time {at}")
        await box.advance(timedelta(seconds=30))
    await alex.send("/focus trust")
    await alex.send("/time 20:30")
    assert texts_since(sam, before) == []  # nothing yet: the changes are still settling
    await notices_told(box)
    told = texts_since(sam, before)
    schedule = texts.NOTICE_SCHEDULE.format(
        schedule="daily at 20:30 (Europe/Berlin)",
        local="14:30",
        next="Mon 2 Mar, 14:30 your time",
    )
    focus = texts.NOTICE_FOCUS.format(focus=Dimension.TRUST.label)
    assert told == [notice("Alex", schedule, focus)]
    await notices_told(box)
    assert len(texts_since(sam, before)) == 1
    no_error_reply(alex, sam)


async def test_changes_that_end_where_they_started_send_nothing(box: Sandbox) -> None:
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="New York")
    before = len(sam.chat.messages)
    await alex.send("/time 19:00")
    await alex.send("/focus trust")
    await alex.send("/time 20:00")
    await alex.send("/focus clear")
    await notices_told(box)
    assert texts_since(sam, before) == []


async def test_the_other_partners_change_tells_the_held_ones_first(box: Sandbox) -> None:
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="New York")
    before_a, before_s = len(alex.chat.messages), len(sam.chat.messages)
    await alex.send("/focus trust")
    await sam.send("/time 19:00")  # Alex's focus reaches Sam now, on its own
    focus = texts.NOTICE_FOCUS.format(focus=Dimension.TRUST.label)
    assert notice("Alex", focus) in texts_since(sam, before_s)
    await notices_told(box)
    told = texts_since(alex, before_a)
    assert count(alex, "Sam changed your shared settings") == 1
    assert "daily at 19:00 (Europe/Berlin)" in told[-1] and "Focus" not in told[-1]
    assert count(sam, "Alex changed your shared settings") == 1


async def test_pause_is_told_at_once_and_without_a_name(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await alex.send("/time 19:00")
    await alex.send("/pause")
    assert sam.chat.last.text == texts.CHECKINS_PAUSED_NOTICE
    await notices_told(box)
    assert sam.chat.last.text.startswith("Alex changed your shared settings:")


async def test_an_accepted_proposal_is_not_told_again_but_other_changes_are(
    box: Sandbox,
) -> None:
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="New York")
    await alex.send("/focus trust")
    await alex.send("/time 8:00")  # 02:00 in New York: a proposal
    await sam.press(texts.BTN_PROPOSAL_ACCEPT)
    before = len(sam.chat.messages)
    await notices_told(box)
    focus = texts.NOTICE_FOCUS.format(focus=Dimension.TRUST.label)
    assert texts_since(sam, before) == [notice("Alex", focus)]
