"""Quiet hours, delivered (issue 12): the policy in bot/domain/quiet.py, the /quiet words, and
each partner's reminder instant read on their own quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.domain.messages import Message
from bot.domain.model import User
from bot.domain.quiet import Urgency, quiet_delivery, quiet_text
from bot.domain.quiet_hours import QuietInputError, parse_quiet
from scheduler.cadence import (
    DEFAULT_QUIET_HOURS,
    REMINDER_MARGIN,
    QuietHours,
    reminder_instant,
)

NEW_YORK = "America/New_York"
SYDNEY = "Australia/Sydney"
BERLIN = "Europe/Berlin"
# 07:00 UTC on Thursday 3 December 2026: 02:00 in New York, 08:00 in Berlin, 18:00 in Sydney.
AT = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)


def person(user_id: int = 2, quiet_hours: str | None = None) -> User:
    return User(
        id=user_id,
        first_name="Sam",
        username=None,
        language_code="en",
        timezone=None,
        quiet_hours=quiet_hours,
    )


def test_a_notice_at_night_waits_for_the_end_of_the_recipients_quiet_hours() -> None:
    sam = person()
    held = quiet_delivery(Message(sam.id, "Alex answered"), sam, NEW_YORK, AT)
    # 08:00 in New York (EST) is 13:00 UTC.
    assert held.not_before == datetime(2026, 12, 3, 13, 0, tzinfo=UTC)
    assert held.silent is False


def test_a_check_in_or_reveal_at_night_goes_at_once_without_sound() -> None:
    sam = person()
    sent = quiet_delivery(Message(sam.id, "Check-in"), sam, NEW_YORK, AT, Urgency.SILENT)
    assert sent.silent is True
    assert sent.not_before is None


def test_outside_quiet_hours_nothing_changes() -> None:
    sam = person()
    message = Message(sam.id, "Alex answered")
    assert quiet_delivery(message, sam, BERLIN, AT) == message  # 08:00: the night is over
    assert quiet_delivery(message, sam, SYDNEY, AT, Urgency.SILENT) == message  # 18:00


def test_the_person_acting_is_never_held_or_silenced() -> None:
    sam = person()
    message = Message(sam.id, "Your answer is saved")
    assert quiet_delivery(message, sam, NEW_YORK, AT, actor=sam.id) == message
    assert quiet_delivery(message, sam, NEW_YORK, AT, Urgency.SILENT, actor=sam.id) == message


def test_quiet_hours_off_means_every_message_goes_with_sound() -> None:
    sam = person(quiet_hours="off")
    message = Message(sam.id, "Alex answered")
    assert quiet_delivery(message, sam, NEW_YORK, AT) == message
    assert quiet_delivery(message, sam, NEW_YORK, AT, Urgency.SILENT) == message


def test_a_persons_own_hours_are_read_on_their_own_clock() -> None:
    late = person(quiet_hours="01:00-09:30")
    # 02:00 in New York is inside 01:00-09:30; they end at 09:30 EST = 14:30 UTC.
    held = quiet_delivery(Message(late.id, "x"), late, NEW_YORK, AT)
    assert held.not_before == datetime(2026, 12, 3, 14, 30, tzinfo=UTC)
    # 18:00 in Sydney is outside them.
    assert quiet_delivery(Message(late.id, "x"), late, SYDNEY, AT).not_before is None


def test_a_message_for_someone_else_than_the_recipient_read_is_left_alone() -> None:
    # The recipient read must be the one the message names; otherwise nothing is applied.
    message = Message(99, "x")
    assert quiet_delivery(message, person(), NEW_YORK, AT) == message
    assert quiet_delivery(message, None, NEW_YORK, AT) == message


@pytest.mark.parametrize(
    ("words", "stored"),
    [
        (["off"], "off"),
        (["OFF"], "off"),
        (["on"], None),
        (["23:00", "07:30"], "23:00-07:30"),
        (["11pm", "7:30am"], "23:00-07:30"),
        (["11", "pm", "7:30", "am"], "23:00-07:30"),
        (["23:00-07:30"], "23:00-07:30"),
        (["23:00", "to", "07:30"], "23:00-07:30"),
        (["01:00\u201309:00"], "01:00-09:00"),
    ],
)
def test_quiet_words_that_set_something(words: list[str], stored: str | None) -> None:
    assert parse_quiet(words).stored == stored


@pytest.mark.parametrize(
    ("words", "reason"),
    [
        (["25:00"], "hour_24"),
        (["25:00", "07:00"], "hour_24"),
        (["23:00", "07:75"], "minute"),
        (["08:00", "08:00"], "same"),
        (["8am", "08:00"], "same"),
        (["23:00"], "two_times"),
        (["23:00", "07:00", "09:00"], "two_times"),
        (["banana"], "unreadable"),
        (["quiet", "please"], "unreadable"),
    ],
)
def test_quiet_words_that_set_nothing(words: list[str], reason: str) -> None:
    with pytest.raises(QuietInputError) as refused:
        parse_quiet(words)
    assert refused.value.reason == reason


def test_quiet_text() -> None:
    assert quiet_text(DEFAULT_QUIET_HOURS, "off") == "22:00\u201308:00"
    assert quiet_text(None, "off") == "off"


def test_a_reminder_avoids_the_partners_own_quiet_hours() -> None:
    # A round open 07:00-07:00 UTC next day: halfway is 19:00 UTC = 14:00 in New York.
    opened = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)
    expires = datetime(2026, 12, 4, 7, 0, tzinfo=UTC)
    halfway = datetime(2026, 12, 3, 19, 0, tzinfo=UTC)
    assert reminder_instant(opened, expires, NEW_YORK) == halfway
    # Quiet 12:00-16:00 (a night worker): the end of them, 16:00 EST = 21:00 UTC.
    day_sleeper = QuietHours(time(12, 0), time(16, 0))
    assert reminder_instant(opened, expires, NEW_YORK, day_sleeper) == datetime(
        2026, 12, 3, 21, 0, tzinfo=UTC
    )
    # Open 20:00-04:00 UTC: halfway is 01:00 in Berlin. By default the reminder moves to
    # 21:30 Berlin (20:30 UTC); with quiet hours off it comes halfway, whatever the hour.
    evening = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)
    closing = datetime(2026, 12, 4, 4, 0, tzinfo=UTC)
    assert reminder_instant(evening, closing, BERLIN) == datetime(2026, 12, 3, 20, 30, tzinfo=UTC)
    assert reminder_instant(evening, closing, BERLIN, None) == datetime(
        2026, 12, 4, 0, 0, tzinfo=UTC
    )


def test_a_reminder_moves_before_quiet_hours_when_their_end_is_too_late() -> None:
    # Open 16:00-02:00 UTC (Berlin 17:00-03:00): halfway 21:00 UTC = 22:00 Berlin, inside
    # 21:00-06:00; the end (06:00) is after the round closes, so 30 minutes before they
    # begin: 20:30 Berlin = 19:30 UTC.
    early = QuietHours(time(21, 0), time(6, 0))
    opened = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)
    expires = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
    assert reminder_instant(opened, expires, BERLIN, early) == datetime(
        2026, 12, 3, 19, 30, tzinfo=UTC
    )
    # The default hours (22:00) give 21:30 Berlin = 20:30 UTC.
    assert reminder_instant(opened, expires, BERLIN) == datetime(2026, 12, 3, 20, 30, tzinfo=UTC)


@settings(max_examples=200, deadline=None, database=None)
@given(
    opened=st.integers(0, 365 * 24 * 60).map(
        lambda m: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=m)
    ),
    length=st.integers(1, 48 * 60).map(lambda m: timedelta(minutes=m)),
    zone=st.sampled_from([BERLIN, NEW_YORK, SYDNEY, "Asia/Kolkata"]),
    start=st.integers(0, 24 * 4 - 1).map(lambda q: time(q // 4, q % 4 * 15)),
    end=st.integers(0, 24 * 4 - 1).map(lambda q: time(q // 4, q % 4 * 15)),
)
def test_property_a_reminder_is_never_inside_the_partners_own_quiet_hours(
    opened: datetime, length: timedelta, zone: str, start: time, end: time
) -> None:
    assume(start != end)
    quiet = QuietHours(start, end)
    expires = opened + length
    result = reminder_instant(opened, expires, zone, quiet)
    halfway = opened + length / 2
    if not quiet.covers(halfway, zone):
        assert result == halfway
    elif result is not None:
        assert opened + REMINDER_MARGIN <= result <= expires - REMINDER_MARGIN
        assert not quiet.covers(result, zone)


def test_quiet_hours_of_almost_a_whole_day_leave_no_evening_reminder() -> None:
    # Quiet 08:00-07:45: 30 minutes before they begin (07:30) is inside them too.
    long_night = QuietHours(time(8, 0), time(7, 45))
    opened = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)  # 07:00 in Berlin
    expires = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)  # halfway: 10:00 in Berlin, quiet
    assert reminder_instant(opened, expires, BERLIN, long_night) is None
