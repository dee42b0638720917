"""End-to-end: each partner's quiet hours (issue 12). Partners in Berlin, New York and Sydney:
what can wait arrives when their quiet hours end, a check-in and a reveal reach them without
sound, no reminder comes inside them or after /pause, and /quiet with /settings.

START (conftest) is Monday 2 March 2026, 09:00 UTC: 10:00 in Berlin (CET), 04:00 in New York
(EST, inside the default 22:00-08:00) and 20:00 in Sydney (AEDT). A pair's check-in is daily
at 20:00 in the inviter's zone: 19:00 UTC, 14:00 in New York and 06:00 the next morning in
Sydney.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import texts
from bot.emulator import FakeUser, SentMessage
from bot.sandbox import Sandbox
from tests.conftest import make_pair, open_round
from tests.e2e.helpers import (
    agree_on_first,
    count,
    mismatch_with_offer,
    offers_in,
    reveals,
)

pytestmark = pytest.mark.usefixtures("no_crash")

#: 08:00 in New York on Monday 2 March (EST): the end of Sam's default quiet hours.
NY_MORNING = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
#: The pair's check-in on Monday: 20:00 in Berlin.
CHECK_IN = datetime(2026, 3, 2, 19, 0, tzinfo=UTC)


def local(message: SentMessage, zone: str) -> time:
    """The wall time on ``zone``'s clocks at which the message reached the chat."""
    return datetime.fromtimestamp(message.date, UTC).astimezone(ZoneInfo(zone)).time()


#: Every reminder begins so: the short nudge, and the fallback that repeats a question.
NUDGE = "A gentle nudge"


def received(user: FakeUser, fragment: str) -> list[SentMessage]:
    return [m for m in user.chat.messages if fragment in m.text]


async def test_a_notice_at_the_partners_night_arrives_when_their_quiet_hours_end(
    box: Sandbox,
) -> None:
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="New York")
    await open_round(box, alex, sam)  # 10:00 in Berlin, 04:00 in New York
    # The question opens for both at once: with sound for Alex, who asked, silently for Sam.
    assert sam.chat.last.silent is True
    assert received(alex, "Check-in")[-1].silent is False
    await alex.press("5")
    waiting = texts.ANSWER_WAITING.format(name="Alex")
    assert count(sam, waiting) == 0
    await box.run_until(NY_MORNING - timedelta(minutes=1))
    assert count(sam, waiting) == 0, "sent inside Sam's quiet hours"
    await box.run_until(NY_MORNING)
    [notice] = received(sam, waiting)
    assert local(notice, "America/New_York") == time(8, 0)
    assert notice.silent is False  # the night is over: a normal message


async def test_new_quiet_hours_move_what_waits_for_the_old_ones(box: Sandbox) -> None:
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="New York")
    await open_round(box, alex, sam)
    await alex.press("5")
    waiting = texts.ANSWER_WAITING.format(name="Alex")
    assert count(sam, waiting) == 0
    await sam.send("/quiet 01:00 06:00")  # 04:00 in New York: still inside, until 06:00
    assert count(sam, waiting) == 0
    await box.run_until(datetime(2026, 3, 2, 11, 0, tzinfo=UTC))  # 06:00 in New York
    assert count(sam, waiting) == 1
    assert local(received(sam, waiting)[0], "America/New_York") == time(6, 0)


async def test_quiet_hours_off_brings_a_held_notice_now(box: Sandbox) -> None:
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="New York")
    await open_round(box, alex, sam)
    await alex.press("5")
    await sam.send("/quiet off")  # 04:00 in New York, and Sam is up
    [notice] = received(sam, texts.ANSWER_WAITING.format(name="Alex"))
    assert notice.silent is False


async def test_a_reveal_at_the_partners_night_is_silent_for_them_and_the_offer_waits(
    box: Sandbox,
) -> None:
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="New York")
    await sam.send("/checkin")  # Sam is up at 04:00: their own messages come as usual
    assert sam.chat.last.silent is False
    assert alex.chat.last.silent is False  # 10:00 in Berlin
    await sam.press("1")
    await alex.press("5")  # the reveal, triggered by Alex at Sam's night
    [alex_reveal], [sam_reveal] = (
        [m for m in user.chat.messages if m.text in reveals(user)] for user in (alex, sam)
    )
    assert alex_reveal.silent is False
    assert sam_reveal.silent is True
    assert offers_in(alex.chat.texts()), "Alex, awake, gets the exercise offer at once"
    assert offers_in(sam.chat.texts()) == []
    await box.run_until(NY_MORNING)
    [offer] = [m for m in sam.chat.messages if offers_in([m.text])]
    assert local(offer, "America/New_York") == time(8, 0)


async def test_pairing_reaches_an_inviter_at_night_at_once_without_sound(box: Sandbox) -> None:
    alex, sam = await make_pair(box, a_zone="New York", b_zone="Berlin")  # 04:00 for Alex
    [paired] = received(alex, "You're now paired with Sam")
    assert paired.silent is True
    assert received(sam, "You're now paired with Alex")[0].silent is False


async def test_a_scheduled_check_in_reaches_a_partner_in_quiet_hours_silently(
    box: Sandbox,
) -> None:
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="Sydney")
    await box.run_until(CHECK_IN)  # 20:00 in Berlin, 06:00 on Tuesday in Sydney
    alex_question, sam_question = alex.chat.last, sam.chat.last
    assert "Check-in" in alex_question.text and "Check-in" in sam_question.text
    assert local(sam_question, "Australia/Sydney") == time(6, 0)
    assert alex_question.silent is False
    assert sam_question.silent is True


async def test_no_reminder_comes_inside_a_partners_own_quiet_hours(box: Sandbox) -> None:
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="New York")
    await sam.send("/quiet 23:00 09:30")
    await box.run_until(CHECK_IN)  # 14:00 in New York; nobody answers
    # Halfway through the round is 07:00 UTC: 08:00 in Berlin (Alex's nudge), 02:00 in New
    # York, inside Sam's quiet hours: Sam's waits for 09:30 there (14:30 UTC).
    await box.run_until(datetime(2026, 3, 3, 14, 29, tzinfo=UTC))
    assert [local(m, "Europe/Berlin") for m in received(alex, NUDGE)] == [time(8, 0)]
    assert received(sam, NUDGE) == []
    await box.run_until(datetime(2026, 3, 3, 14, 30, tzinfo=UTC))
    [nudge] = received(sam, NUDGE)
    assert local(nudge, "America/New_York") == time(9, 30)


async def test_no_reminder_comes_after_pause(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await box.run_until(CHECK_IN)
    assert "Check-in" in sam.chat.last.text
    await box.run_until(CHECK_IN + timedelta(minutes=30))
    await sam.send("/pause")
    # The reminders were due halfway (08:00 in Berlin on Tuesday); the round stays open.
    await box.run_until(CHECK_IN + timedelta(hours=23))
    assert received(alex, NUDGE) == []
    assert received(sam, NUDGE) == []


async def test_quiet_shows_sets_and_refuses_bad_input_without_telling_the_partner(
    box: Sandbox,
) -> None:
    alex, sam = await make_pair(box)
    default = texts.QUIET_SHOW.format(hours="22:00\u201308:00", zone="Europe/Berlin")
    await alex.send("/quiet")
    assert alex.chat.last.text == default
    sams_chat = len(sam.chat.messages)
    bad = {
        "/quiet 25:00": texts.TIME_REASONS["hour_24"] + "\n\n" + texts.QUIET_FORMAT,
        "/quiet 23:00 07:99": texts.TIME_REASONS["minute"] + "\n\n" + texts.QUIET_FORMAT,
        "/quiet 08:00 08:00": texts.QUIET_SAME,
        "/quiet 23:00": texts.QUIET_TWO_TIMES,
        "/quiet at night please": texts.TIME_REASONS["unreadable"] + "\n\n" + texts.QUIET_FORMAT,
    }
    for typed, reply in bad.items():
        await alex.send(typed)
        assert alex.chat.last.text == reply, typed
        await alex.send("/quiet")
        assert alex.chat.last.text == default, f"{typed} changed something"
    await alex.send("/quiet 23:00 07:30")
    assert alex.chat.last.text == texts.QUIET_SET.format(hours="23:00\u201307:30")
    await alex.send("/quiet")
    assert alex.chat.last.text.startswith("Your quiet hours: 23:00\u201307:30 (your time")
    await alex.send("/quiet off")
    assert alex.chat.last.text == texts.QUIET_SET_OFF
    await alex.send("/quiet")
    assert alex.chat.last.text == texts.QUIET_SHOW_OFF
    await alex.send("/quiet on")
    assert alex.chat.last.text == texts.QUIET_SET.format(hours="22:00\u201308:00")
    assert len(sam.chat.messages) == sams_chat, "the partner was told"


async def test_settings_shows_each_partners_quiet_hours(box: Sandbox) -> None:
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="New York")
    await sam.send("/quiet 23:00 07:30")
    await alex.send("/settings")
    assert "Your quiet hours: 22:00\u201308:00 \u00b7 Sam's: 23:00\u201307:30 (their time)" in (
        alex.chat.last.text
    )
    await alex.send("/quiet off")
    await sam.send("/settings")
    assert "Your quiet hours: 23:00\u201307:30 \u00b7 Alex's: off\n" in sam.chat.last.text + "\n"
    await alex.send("/settings")
    assert "Your quiet hours: off \u00b7 Sam's: 23:00\u201307:30 (their time)" in (
        alex.chat.last.text
    )


async def test_quiet_hours_over_the_check_in_time_say_it_will_come_silently(
    box: Sandbox,
) -> None:
    _alex, sam = await make_pair(box, a_zone="Berlin", b_zone="Sydney")
    await sam.send("/quiet 22:00 07:00")  # the check-in comes at 06:00 in Sydney
    assert sam.chat.last.text == (
        texts.QUIET_SET.format(hours="22:00\u201307:00")
        + "\n\n"
        + texts.QUIET_CHECKINS_SILENT.format(local="06:00")
    )
    await sam.send("/quiet 23:00 05:30")
    assert sam.chat.last.text == texts.QUIET_SET.format(hours="23:00\u201305:30")


async def test_a_reminder_typed_for_3am_moves_to_the_end_of_quiet_hours(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    titles = await mismatch_with_offer(box, alex, sam)
    await agree_on_first(alex, sam, titles)
    await alex.press(texts.BTN_REMIND_TYPE)
    await alex.send("3:00")
    assert (
        texts.REMIND_MOVED_QUIET.format(
            asked="Tue 3 Mar, 03:00",
            hours="22:00\u201308:00",
            when="Tue 3 Mar, 08:00",
            button=texts.BTN_REMIND_TYPE,
        )
        in alex.chat.texts()
    )
    assert alex.chat.last.text == texts.REMIND_SET_YOU.format(when="Tue 3 Mar, 08:00")
    assert "Tue 3 Mar, 08:00" in sam.chat.last.text


async def test_a_suggested_reminder_inside_my_own_quiet_hours_moves_too(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    titles = await mismatch_with_offer(box, alex, sam)
    await agree_on_first(alex, sam, titles)
    await alex.send("/quiet 20:00 09:00")  # after the suggestions were made
    await alex.press("Today 21:00")
    assert (
        texts.REMIND_MOVED_QUIET.format(
            asked="Mon 2 Mar, 21:00",
            hours="20:00\u201309:00",
            when="Tue 3 Mar, 09:00",
            button=texts.BTN_REMIND_TYPE,
        )
        in alex.chat.texts()
    )
    assert alex.chat.last.text == texts.REMIND_SET_YOU.format(when="Tue 3 Mar, 09:00")


async def test_local_times_are_those_of_the_next_check_in_across_one_zones_clock_change(
    box: Sandbox,
) -> None:
    """Monday 2 March: 20:00 in Berlin is 14:00 in New York, but the United States move their
    clocks on Sunday 8 March, so the weekly Sunday check-in comes at 15:00 there: /settings
    and /quiet read the times of the check-in that really comes (probe of 2026-12-03)."""
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="New York")
    await alex.send("/frequency weekly sun")
    await sam.send("/settings")
    page = sam.chat.last.text
    assert "Your time: 15:00 \u00b7 Alex's time: 20:00" in page
    assert "Sun 8 Mar, 15:00" in page
    await sam.send("/quiet 13:30 14:30")  # Monday's 14:00, not Sunday's 15:00
    assert sam.chat.last.text == texts.QUIET_SET.format(hours="13:30\u201314:30")
    await sam.send("/quiet 14:30 15:30")
    assert sam.chat.last.text.endswith(texts.QUIET_CHECKINS_SILENT.format(local="15:00"))


async def test_reminder_suggestions_avoid_each_partners_own_quiet_hours(box: Sandbox) -> None:
    """The pair's time is 20:00 in Berlin, 14:00 in New York. Sam keeps 13:00-17:00 quiet:
    an hour after (15:00 there), before, at, and two hours after (16:00) all fall in it, so
    the suggestion is two hours before: 18:00 in Berlin, 12:00 in New York."""
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="New York")
    await sam.send("/quiet 13:00 17:00")
    titles = await mismatch_with_offer(box, alex, sam)
    await agree_on_first(alex, sam, titles)
    shown = [b.text for m in alex.chat.messages for row in m.buttons for b in row]
    assert "Today 18:00" in shown and "Tomorrow 18:00" in shown
    assert "Today 21:00" not in shown
    theirs = [b.text for m in sam.chat.messages for row in m.buttons for b in row]
    assert "Today 12:00" in theirs
