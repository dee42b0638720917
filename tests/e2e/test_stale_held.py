"""End-to-end: a message held for the end of the partner's quiet hours never arrives stale
(issue 12). Only the newest schedule proposal reaches the partner; a direct change drops the
held one; "X has answered" and "X has made their pick" are dropped once the round or the
exercise is settled. Alex in Berlin, Sam in New York; START is Monday 2 March 2026, 09:00 UTC
(10:00 Berlin, 04:00 New York: Sam's quiet hours, 22:00-08:00, hold what can wait)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import texts
from bot.emulator import FakeUser, SentMessage
from bot.sandbox import Sandbox
from tests.conftest import make_pair
from tests.e2e.helpers import (
    count,
    mismatch_with_offer,
    no_error_reply,
    offer_of,
    press_in,
    reveals,
)

pytestmark = pytest.mark.usefixtures("no_crash")

#: 08:30 in New York: Sam's quiet hours are over.
SAMS_MORNING = datetime(2026, 3, 2, 13, 30, tzinfo=UTC)


def proposals(user: FakeUser) -> list[SentMessage]:
    return [
        m
        for m in user.chat.messages
        if "would like your check-ins" in m.text
        and any(b.text == texts.BTN_PROPOSAL_ACCEPT for row in m.buttons for b in row)
    ]


async def test_only_the_newest_proposal_reaches_the_partner(box: Sandbox) -> None:
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="New York")
    for typed in ("7:00", "7:15", "7:30", "6:00", "5:00", "4:30"):
        await alex.send(f"/time {typed}")  # each in Sam's night: a proposal
        assert "so Sam is asked first" in alex.chat.last.text
    await box.run_until(SAMS_MORNING)
    [asked] = proposals(sam)
    assert asked.text == texts.PROPOSAL_ASK.format(
        name="Alex", schedule="daily at 04:30 (Europe/Berlin)", local="22:30"
    )
    await press_in(sam, asked, texts.BTN_PROPOSAL_ACCEPT)
    assert alex.chat.last.text.startswith("Sam accepted: check-ins now come daily at 04:30")
    no_error_reply(alex, sam)


async def test_a_direct_change_drops_the_held_proposal(box: Sandbox) -> None:
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="New York")
    await alex.send("/time 7:00")  # 01:00 in New York: asked first
    await alex.send("/time 19:00")  # 13:00 in New York: applies at once, replaces it
    assert alex.chat.last.text.startswith("Done. Check-ins now come daily at 19:00")
    await box.run_until(SAMS_MORNING)
    assert proposals(sam) == []
    assert count(sam, "daily at 19:00 (Europe/Berlin)") == 1  # the change notice


async def test_a_weekly_proposal_replaces_a_held_time_proposal(box: Sandbox) -> None:
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="New York")
    await alex.send("/time 7:00")
    await alex.send("/weekly tue 10:00")  # 04:00 in New York
    await box.run_until(SAMS_MORNING)
    assert [m.text for m in proposals(sam)] == [
        texts.PROPOSAL_ASK.format(
            name="Alex", schedule="every Tuesday at 10:00 (Europe/Berlin)", local="04:00"
        )
    ]


async def test_answered_notice_held_for_the_morning_is_dropped_by_the_reveal(
    box: Sandbox,
) -> None:
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="New York")
    await alex.send("/checkin")
    await alex.press("5")  # Sam hears "Alex has answered" only when their night ends ...
    await sam.press("1")  # ... but Sam, awake at 04:00, answers at once: revealed
    assert reveals(sam) and reveals(alex)
    await box.run_until(SAMS_MORNING)
    assert count(sam, "has answered the check-in") == 0
    no_error_reply(alex, sam)


async def test_pick_notice_held_for_quiet_hours_is_dropped_once_both_picked(
    box: Sandbox,
) -> None:
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="New York")
    await alex.send("/frequency off")
    await box.run_until(SAMS_MORNING)
    titles = await mismatch_with_offer(box, alex, sam)
    await sam.send("/quiet 08:00 20:00")  # 08:30 for Sam: inside them now
    await press_in(alex, offer_of(alex), f"1. {titles[0]}")  # held for 20:00 New York
    await press_in(sam, offer_of(sam), f"1. {titles[0]}")
    assert count(sam, texts.OFFER_AGREED.format(title=titles[0])) == 1
    await box.run_until(datetime(2026, 3, 3, 2, 0, tzinfo=UTC))  # 21:00 in New York
    assert count(sam, "has made their pick") == 0
    no_error_reply(alex, sam)
