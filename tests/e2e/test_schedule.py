"""End-to-end: the pair's schedule. /settings, /frequency, /time, /timezone, pause and
resume, night-time warnings, when scheduled rounds open (after downtime too) and across DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot import texts
from bot.emulator import FakeBotAPI
from bot.sandbox import Sandbox, sandbox
from scheduler.clock import ManualClock
from tests.conftest import make_pair, texts_since
from tests.e2e.helpers import DimensionPicker, new_texts, no_error_reply

pytestmark = pytest.mark.usefixtures("no_crash")


async def test_new_pair_schedule_follows_inviters_timezone_with_each_partners_local_time(
    box: Sandbox,
) -> None:
    _alex, sam = await make_pair(box, a_zone="Berlin", b_zone="New York")
    await sam.send("/settings")
    shown = sam.chat.last.text
    assert "daily at 20:00 (Europe/Berlin)" in shown
    assert "Your time: 14:00" in shown and "Alex's time: 20:00" in shown
    labels = [b.text for row in sam.chat.last.buttons for b in row]
    assert {"Daily", "Weekdays", "Weekly", "Off", "Change time", "Timezone", "Pause"} <= set(labels)


async def test_settings_warns_when_the_time_falls_in_a_partners_night(box: Sandbox) -> None:
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="Los Angeles")
    await alex.send("/time 8:00")
    # It lands in Sam's night: Sam is asked, when their own night ends (08:00 Los Angeles).
    await box.run_until(datetime(2026, 3, 2, 16, 0, tzinfo=UTC))
    await sam.press(texts.BTN_PROPOSAL_ACCEPT)
    await alex.send("/settings")
    # 08:00 in Berlin is 23:00 the evening before in Los Angeles.
    assert "that's 23:00 for Sam, inside quiet hours (22:00\u201308:00)" in alex.chat.last.text
    await sam.send("/settings")
    assert "that's 23:00 for you, inside quiet hours (22:00\u201308:00)" in sam.chat.last.text


async def test_changing_the_time_warns_when_it_falls_in_ones_own_night(box: Sandbox) -> None:
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="Los Angeles")
    await alex.send("/time 23:00")  # 14:00 in Los Angeles: applied at once
    assert "that's 23:00 for you, inside quiet hours" in alex.chat.last.text
    # 01:00 in Los Angeles: Sam's notice waits for the end of their quiet hours (issue 12).
    await box.advance(timedelta(minutes=4))
    warning = "that's 23:00 for Alex, inside quiet hours"
    assert warning not in sam.chat.last.text
    await box.run_until(datetime(2026, 3, 2, 16, 0, tzinfo=UTC))  # 08:00 in Los Angeles
    assert warning in sam.chat.last.text


async def test_either_partner_changes_the_schedule_and_both_are_told(box: Sandbox) -> None:
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="New York")
    await sam.send("/time 8pm")
    assert "daily at 20:00" in sam.chat.last.text
    await sam.send("/settings")
    await sam.press("Weekly")
    await sam.press("Sun")
    assert "every Sunday at 20:00 (Europe/Berlin)" in sam.chat.last.text
    # 15:00 "Sun 8 Mar" for Sam: New York moved to summer time on 8 March.
    assert "Sun 8 Mar, 15:00 your time" in sam.chat.last.text
    await box.advance(timedelta(minutes=4))  # the partner hears once the changes settle
    assert "Sam changed your settings" in alex.chat.last.text
    assert "every Sunday at 20:00" in alex.chat.last.text
    assert "Sun 8 Mar, 20:00 your time" in alex.chat.last.text
    # 08:00 in New York: Sam's quiet hours are over, so Alex's changes reach Sam at once.
    await box.run_until(datetime(2026, 3, 2, 13, 0, tzinfo=UTC))
    await alex.send("/frequency weekdays")
    assert "on weekdays at 20:00" in alex.chat.last.text
    await box.advance(timedelta(minutes=4))
    assert "Alex changed" in sam.chat.last.text
    await alex.send("/timezone New York")
    await alex.press("Use America/New_York for our check-ins")
    await box.advance(timedelta(minutes=4))
    assert "(America/New_York)" in sam.chat.last.text


async def test_a_change_that_changes_nothing_does_not_notify_the_partner(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    before = len(sam.chat.messages)
    await alex.send("/frequency daily")
    assert alex.chat.last.text.startswith("That's already how it is")
    await alex.send("/settings")
    await alex.press("Daily")
    assert alex.chat.toasts[-1] == texts.NOTHING_CHANGED
    assert texts_since(sam, before) == []


async def test_pause_and_resume(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await alex.send("/pause")
    assert sam.chat.last.text == texts.CHECKINS_PAUSED_NOTICE
    await box.advance(timedelta(days=2), step=timedelta(hours=1))
    assert not any("Check-in ·" in t for t in sam.chat.texts())
    await sam.send("/resume")  # Alex's pause: only Alex lifts it
    assert sam.chat.last.text == texts.RESUME_HELD
    await alex.send("/resume")
    assert "Next one:" in alex.chat.last.text
    assert sam.chat.last.text.startswith("Your check-ins are running again.")


# ----------------------------------------------------------------------------- schedule openings


async def test_scheduled_round_reaches_both_at_the_same_instant(box: Sandbox) -> None:
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="New York")
    due = await box.runtime.tandem.next_round_at_for(alex.user_id)
    assert due == datetime(2026, 3, 2, 19, 0, tzinfo=UTC)
    box.clock.set(due - timedelta(seconds=1))
    await box.tick()
    assert "Check-in ·" not in alex.chat.last.text
    box.clock.set(due)
    await box.tick()
    assert alex.chat.last.text.startswith("Check-in ·")
    assert sam.chat.last.text.startswith("Check-in ·")
    sends = [p for m, p in box.fake.requests if m == "sendMessage" and "Check-in ·" in p["text"]]
    assert len(sends) == 2
    assert "Open until Tue 3 Mar, 20:00" in alex.chat.last.text
    assert "Open until Tue 3 Mar, 14:00" in sam.chat.last.text


async def test_late_round_is_sent_on_start_up_when_within_the_lateness_bound(
    box: Sandbox,
) -> None:
    alex, sam = await make_pair(box)
    due = await box.runtime.tandem.next_round_at_for(alex.user_id)
    assert due is not None
    # MAX_LATENESS_MINUTES is 15 by default; the bot was down until now.
    box.clock.set(due + timedelta(minutes=14))
    await box.tick()
    assert sam.chat.last.text.startswith("Check-in ·")


async def test_round_later_than_the_lateness_bound_moves_to_the_next_slot(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    due = await box.runtime.tandem.next_round_at_for(alex.user_id)
    assert due is not None
    box.clock.set(due + timedelta(minutes=16))
    await box.tick()
    assert not sam.chat.last.text.startswith("Check-in ·")
    assert await box.runtime.tandem.next_round_at_for(alex.user_id) == due + timedelta(days=1)


async def test_after_downtime_a_slot_within_the_lateness_bound_still_opens(
    db_url: str, clock: ManualClock, picker: DimensionPicker
) -> None:
    fake = FakeBotAPI(clock=clock.now)
    async with sandbox(db_url, clock=clock, fake=fake, picker=picker) as box:
        _alex, sam = await make_pair(box)  # daily at 20:00 Berlin
    clock.set(datetime(2026, 3, 4, 19, 5, tzinfo=UTC))  # back on Wed at 20:05 Berlin
    async with sandbox(db_url, clock=clock, fake=fake, picker=picker) as box:
        before = len(sam.chat.messages)
        await box.tick()
        opened = [t for t in texts_since(sam, before) if t.startswith("Check-in \u00b7")]
        assert len(opened) == 1 and "Open until Thu 5 Mar, 20:00" in opened[0]


# ------------------------------------------------------------------------------------------- DST


async def _round_instants(box: Sandbox, days: int) -> list[datetime]:
    """Tick every 15 minutes for ``days``; return when Alex got each question (UTC)."""
    seen: list[datetime] = []
    alex = box.fake.chats[1001]
    count = len(alex.messages)
    end = box.clock.now() + timedelta(days=days)
    while box.clock.now() < end:
        box.clock.advance(timedelta(minutes=15))
        await box.tick()
        new = alex.messages[count:]
        count = len(alex.messages)
        seen += [box.clock.now() for m in new if m.text.startswith("Check-in ·")]
    return seen


async def test_spring_forward_gap_goes_out_at_the_first_valid_minute(box: Sandbox) -> None:
    box.clock.set(datetime(2026, 3, 27, 12, 0, tzinfo=UTC))
    alex, sam = await make_pair(box)
    await alex.send("/time 02:30")
    await sam.press(texts.BTN_PROPOSAL_ACCEPT)  # Sam's night too: Sam is asked first
    instants = await _round_instants(box, 3)
    # 28 Mar 02:30 CET = 01:30 UTC; 29 Mar 02:30 does not exist: 03:00 CEST = 01:00 UTC;
    # 30 Mar 02:30 CEST = 00:30 UTC.
    assert instants == [
        datetime(2026, 3, 28, 1, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
        datetime(2026, 3, 30, 0, 30, tzinfo=UTC),
    ]


async def test_fall_back_repeated_hour_goes_out_once(box: Sandbox) -> None:
    box.clock.set(datetime(2026, 10, 30, 12, 0, tzinfo=UTC))
    alex, sam = await make_pair(box, a_zone="New York", b_zone="Berlin")
    await alex.send("/time 1:30")
    await sam.press(texts.BTN_PROPOSAL_ACCEPT)  # 06:30 in Berlin: Sam is asked first
    instants = await _round_instants(box, 3)
    # 31 Oct 01:30 EDT = 05:30 UTC; 1 Nov 01:30 happens twice: once, at EDT = 05:30 UTC;
    # 2 Nov 01:30 EST = 06:30 UTC.
    assert instants == [
        datetime(2026, 10, 31, 5, 30, tzinfo=UTC),
        datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
        datetime(2026, 11, 2, 6, 30, tzinfo=UTC),
    ]
    sam_questions = [m for m in sam.chat.messages if m.text.startswith("Check-in ·")]
    assert len(sam_questions) == 3


# ------------------------------------------------------------------------------------- bad input


BAD_SETTINGS = [
    ("alex", "/time 25:00", None),
    ("alex", "/time 12:60", None),
    ("alex", "/time soon", None),
    ("sam", "/timezone Mars/Olympus", "Mars/Olympus"),
    ("sam", "/timezone ../../etc/passwd", "../../etc/passwd"),
    ("sam", "/timezone " + "x" * 300, "x" * 40),
]


@pytest.mark.parametrize(
    ("who", "command", "shown_zone"),
    BAD_SETTINGS,
    ids=["25h", "60min", "word", "mars", "path", "300-chars"],
)
async def test_impossible_time_and_unknown_timezone(
    box: Sandbox, who: str, command: str, shown_zone: str | None
) -> None:
    alex, sam = await make_pair(box, "Berlin", "New York")
    await alex.send("/settings")
    alex_settings = alex.chat.last.text
    await sam.send("/settings")
    sam_settings = sam.chat.last.text
    assert "Your time: 14:00" in sam_settings  # Sam is in New York
    sender, partner = (alex, sam) if who == "alex" else (sam, alex)
    sender_before, partner_before = len(sender.chat.messages), len(partner.chat.messages)

    await sender.send(command)

    replies = new_texts(sender, sender_before)
    assert len(replies) == 1
    if shown_zone is None:
        assert "for example" in replies[0] or "Try 20:00" in replies[0], replies
        assert "Done" not in replies[0]
    else:
        assert replies[0] == texts.TIMEZONE_UNKNOWN.format(text=shown_zone)
    assert len(partner.chat.messages) == partner_before  # no "... changed your check-ins"

    # Settings unchanged, as both partners see them.
    await alex.send("/settings")
    assert alex.chat.last.text == alex_settings
    await sam.send("/settings")
    assert sam.chat.last.text == sam_settings
    no_error_reply(alex, sam)
