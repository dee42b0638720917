"""Tests for scheduler.cadence: schedule -> next instant, DST rules, times of day, reminders.

Time zone parsing is tested in test_zones.py.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

import pytest
from apscheduler.triggers.cron import CronTrigger
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.cadence import (
    QUIET_END,
    QUIET_START,
    Cadence,
    Frequency,
    TimeOfDayError,
    TimeReason,
    is_night,
    local_time,
    next_occurrence,
    parse_time_of_day,
    reminder_instant,
)

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
LOS_ANGELES = "America/Los_Angeles"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def wall(instant: datetime, timezone: str) -> datetime:
    """Naive local wall clock reading of an instant."""
    return local_time(instant, timezone).replace(tzinfo=None)


def daily(at: time, timezone: str = BERLIN) -> Cadence:
    return Cadence(Frequency.DAILY, at, timezone)


def nxt(cadence: Cadence, after: datetime, last: date | None = None) -> datetime:
    result = next_occurrence(cadence, after, last_local_date=last)
    assert result is not None
    assert result.tzinfo is UTC
    return result


# --- basics --------------------------------------------------------------------------------


def test_daily_later_today_then_tomorrow() -> None:
    cadence = daily(time(20, 0))
    first = nxt(cadence, utc(2026, 5, 10, 10, 0))
    assert first == utc(2026, 5, 10, 18, 0)  # 20:00 CEST
    # strictly after: asking at the very instant gives the next day
    assert nxt(cadence, first) == utc(2026, 5, 11, 18, 0)
    assert nxt(cadence, first - timedelta(microseconds=1)) == first


def test_after_may_carry_any_timezone() -> None:
    after = datetime(2026, 5, 10, 6, 0, tzinfo=zoneinfo.ZoneInfo(NEW_YORK))  # 10:00 UTC
    assert nxt(daily(time(20, 0)), after) == utc(2026, 5, 10, 18, 0)


def test_local_date_not_utc_date_decides_the_day() -> None:
    # 00:30 in Tokyo is 15:30 UTC the day before.
    cadence = daily(time(0, 30), "Asia/Tokyo")
    assert nxt(cadence, utc(2026, 5, 10, 16, 0)) == utc(2026, 5, 11, 15, 30)
    assert wall(utc(2026, 5, 11, 15, 30), "Asia/Tokyo") == datetime(2026, 5, 12, 0, 30)


def test_weekdays_skip_the_weekend() -> None:
    cadence = Cadence(Frequency.WEEKDAYS, time(9, 0), BERLIN)
    friday_round = nxt(cadence, utc(2026, 5, 8, 6, 0))  # Friday 08:00 local
    assert friday_round == utc(2026, 5, 8, 7, 0)
    monday = nxt(cadence, friday_round)
    assert monday == utc(2026, 5, 11, 7, 0)
    assert local_time(monday, BERLIN).weekday() == 0
    assert nxt(cadence, utc(2026, 5, 9, 12, 0)) == monday  # asked on Saturday


@pytest.mark.parametrize("weekday", range(7))
def test_weekly_lands_on_its_weekday(weekday: int) -> None:
    cadence = Cadence(Frequency.WEEKLY, time(19, 0), BERLIN, weekday)
    first = nxt(cadence, utc(2026, 5, 10, 12, 0))  # a Sunday
    assert local_time(first, BERLIN).weekday() == weekday
    assert wall(first, BERLIN).time() == time(19, 0)
    assert utc(2026, 5, 10, 12, 0) < first <= utc(2026, 5, 17, 17, 0)
    assert nxt(cadence, first) == first + timedelta(days=7)


def test_weekly_same_day_before_and_after_the_time() -> None:
    cadence = Cadence(Frequency.WEEKLY, time(19, 0), BERLIN, weekday=2)  # Wednesday
    assert nxt(cadence, utc(2026, 5, 13, 16, 59)) == utc(2026, 5, 13, 17, 0)
    assert nxt(cadence, utc(2026, 5, 13, 17, 0)) == utc(2026, 5, 20, 17, 0)


def test_off_gives_none() -> None:
    cadence = Cadence(Frequency.OFF, time(20, 0), BERLIN)
    assert next_occurrence(cadence, utc(2026, 5, 10)) is None


def test_naive_after_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_occurrence(daily(time(20, 0)), datetime(2026, 5, 10, 12, 0))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"weekday": 7},
        {"weekday": -1},
        {"timezone": "Mars/Olympus"},
        {"timezone": ""},
        {"time_of_day": time(20, 0, tzinfo=UTC)},
        {"frequency": "hourly"},
    ],
)
def test_invalid_cadence_is_refused(kwargs: dict[str, object]) -> None:
    fields: dict[str, object] = {
        "frequency": Frequency.WEEKLY,
        "time_of_day": time(20, 0),
        "timezone": BERLIN,
        "weekday": 0,
    }
    fields.update(kwargs)
    with pytest.raises(ValueError):
        Cadence(**fields)  # type: ignore[arg-type]


# --- last_local_date -----------------------------------------------------------------------


def test_last_local_date_skips_the_day_already_served() -> None:
    cadence = daily(time(20, 0))
    after = utc(2026, 5, 10, 10, 0)
    assert nxt(cadence, after, last=date(2026, 5, 9)) == utc(2026, 5, 10, 18, 0)
    assert nxt(cadence, after, last=date(2026, 5, 10)) == utc(2026, 5, 11, 18, 0)
    assert nxt(cadence, after, last=date(2026, 5, 12)) == utc(2026, 5, 13, 18, 0)


def test_last_local_date_guards_a_retried_tick() -> None:
    # The round for 10 May opened; a retry computes again from an instant before it.
    cadence = daily(time(20, 0))
    opened = utc(2026, 5, 10, 18, 0)
    retry = nxt(cadence, opened - timedelta(minutes=5), last=wall(opened, BERLIN).date())
    assert retry == utc(2026, 5, 11, 18, 0)


def test_last_local_date_with_weekly() -> None:
    cadence = Cadence(Frequency.WEEKLY, time(19, 0), BERLIN, weekday=2)
    assert nxt(cadence, utc(2026, 5, 13, 10, 0), last=date(2026, 5, 13)) == utc(2026, 5, 20, 17, 0)


# --- DST: spring forward -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("timezone", "day", "jump_utc"),
    [
        (BERLIN, date(2026, 3, 29), utc(2026, 3, 29, 1, 0)),  # 02:00 CET -> 03:00 CEST
        (NEW_YORK, date(2026, 3, 8), utc(2026, 3, 8, 7, 0)),  # 02:00 EST -> 03:00 EDT
    ],
)
@pytest.mark.parametrize("at", [time(2, 0), time(2, 30), time(2, 59)])
def test_time_in_the_spring_gap_goes_out_at_the_jump(
    timezone: str, day: date, jump_utc: datetime, at: time
) -> None:
    cadence = daily(at, timezone)
    day_before_noon = datetime.combine(day - timedelta(days=1), time(12), tzinfo=UTC)
    result = nxt(cadence, day_before_noon)
    assert result == jump_utc
    assert wall(result, timezone) == datetime.combine(day, time(3, 0))
    # exactly one round that day, and the next day is back at the wall time
    following = nxt(cadence, result)
    assert wall(following, timezone) == datetime.combine(day + timedelta(days=1), at)


@pytest.mark.parametrize(
    ("timezone", "day", "at", "expected"),
    [
        (BERLIN, date(2026, 3, 29), time(1, 59), utc(2026, 3, 29, 0, 59)),  # CET
        (BERLIN, date(2026, 3, 29), time(3, 0), utc(2026, 3, 29, 1, 0)),  # CEST
        (NEW_YORK, date(2026, 3, 8), time(1, 59), utc(2026, 3, 8, 6, 59)),  # EST
        (NEW_YORK, date(2026, 3, 8), time(3, 0), utc(2026, 3, 8, 7, 0)),  # EDT
    ],
)
def test_times_just_outside_the_spring_gap_keep_their_wall_time(
    timezone: str, day: date, at: time, expected: datetime
) -> None:
    after = datetime.combine(day, time(0), tzinfo=UTC) - timedelta(hours=12)
    result = nxt(daily(at, timezone), after)
    assert result == expected
    assert wall(result, timezone) == datetime.combine(day, at)


@pytest.mark.parametrize(
    ("timezone", "before", "on_and_after"),
    [
        # 20:00 local stays 20:00 local; in UTC it moves an hour earlier.
        (BERLIN, utc(2026, 3, 28, 19, 0), [utc(2026, 3, 29, 18, 0), utc(2026, 3, 30, 18, 0)]),
        (NEW_YORK, utc(2026, 3, 8, 1, 0), [utc(2026, 3, 9, 0, 0), utc(2026, 3, 10, 0, 0)]),
    ],
)
def test_evening_time_keeps_wall_time_across_spring_change(
    timezone: str, before: datetime, on_and_after: list[datetime]
) -> None:
    cadence = daily(time(20, 0), timezone)
    got = [nxt(cadence, before - timedelta(hours=1))]
    for _ in on_and_after:
        got.append(nxt(cadence, got[-1]))
    assert got == [before, *on_and_after]
    assert {wall(instant, timezone).time() for instant in got} == {time(20, 0)}


def test_apscheduler_gap_behaviour_that_we_override() -> None:
    """Characterises APScheduler 3.11: in the gap it fires at 03:30, in the fold twice."""
    trigger = CronTrigger(hour=2, minute=30, timezone=BERLIN)
    spring = trigger.get_next_fire_time(None, utc(2026, 3, 28, 12, 0))
    assert spring.astimezone(UTC) == utc(2026, 3, 29, 1, 30)  # 03:30 CEST, not 03:00
    assert nxt(daily(time(2, 30)), utc(2026, 3, 28, 12, 0)) == utc(2026, 3, 29, 1, 0)

    first = trigger.get_next_fire_time(None, utc(2026, 10, 24, 12, 0))
    second = trigger.get_next_fire_time(first, first)
    assert [first.astimezone(UTC), second.astimezone(UTC)] == [
        utc(2026, 10, 25, 0, 30),
        utc(2026, 10, 25, 1, 30),  # the same wall time again, an hour later
    ]


def test_half_hour_gap_lord_howe() -> None:
    # Australia/Lord_Howe moves its clocks by 30 minutes: 02:00 -> 02:30 on 2026-10-04.
    result = nxt(daily(time(2, 15), "Australia/Lord_Howe"), utc(2026, 10, 3, 0, 0))
    assert wall(result, "Australia/Lord_Howe") == datetime(2026, 10, 4, 2, 30)


def test_a_vanished_local_date_gets_no_round_and_no_date_gets_two() -> None:
    # Samoa skipped 2011-12-30 entirely (from 29 Dec 23:59:59 -10:00 to 31 Dec 00:00 +14:00).
    cadence = daily(time(20, 0), "Pacific/Apia")
    result = nxt(cadence, utc(2011, 12, 30, 6, 0))  # just after the 29 Dec round
    assert wall(result, "Pacific/Apia") == datetime(2011, 12, 31, 20, 0)
    # The 23:30 round of 29 Dec still exists; the one of the 30th vanishes.
    late = daily(time(23, 30), "Pacific/Apia")
    on_29 = nxt(late, utc(2011, 12, 29, 12, 0))
    assert wall(on_29, "Pacific/Apia") == datetime(2011, 12, 29, 23, 30)
    assert wall(nxt(late, on_29), "Pacific/Apia") == datetime(2011, 12, 31, 23, 30)


# --- DST: fall back ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("timezone", "at", "first_utc", "next_day_utc"),
    [
        # 02:30 happens at 00:30 UTC (CEST) and again at 01:30 UTC (CET) on 2026-10-25.
        (BERLIN, time(2, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)),
        # 01:30 happens at 05:30 UTC (EDT) and again at 06:30 UTC (EST) on 2026-11-01.
        (NEW_YORK, time(1, 30), utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)),
    ],
)
def test_time_in_the_repeated_hour_goes_out_once_at_the_first(
    timezone: str, at: time, first_utc: datetime, next_day_utc: datetime
) -> None:
    cadence = daily(at, timezone)
    first = nxt(cadence, first_utc - timedelta(hours=12))
    assert first == first_utc
    assert local_time(first, timezone).fold == 0
    assert nxt(cadence, first) == next_day_utc
    # Even asked from inside the repeated hour, after the first reading: not again that day.
    assert nxt(cadence, first + timedelta(minutes=30)) == next_day_utc
    assert nxt(cadence, first + timedelta(hours=1, minutes=1)) == next_day_utc


@pytest.mark.parametrize(
    ("timezone", "before_utc", "after_utc"),
    [
        (BERLIN, utc(2026, 10, 24, 18, 0), utc(2026, 10, 25, 19, 0)),  # 20:00 CEST / CET
        (NEW_YORK, utc(2026, 11, 1, 0, 0), utc(2026, 11, 2, 1, 0)),  # 20:00 EDT / EST
    ],
)
def test_evening_time_keeps_wall_time_across_fall_change(
    timezone: str, before_utc: datetime, after_utc: datetime
) -> None:
    cadence = daily(time(20, 0), timezone)
    first = nxt(cadence, before_utc - timedelta(hours=1))
    second = nxt(cadence, first)
    assert (first, second) == (before_utc, after_utc)
    assert wall(first, timezone).time() == wall(second, timezone).time() == time(20, 0)
    assert second - first == timedelta(hours=25)


@pytest.mark.parametrize(
    ("timezone", "at", "expected"),
    [
        (BERLIN, time(1, 59), utc(2026, 10, 24, 23, 59)),  # CEST, before the fold
        (BERLIN, time(3, 0), utc(2026, 10, 25, 2, 0)),  # CET, after the fold
        (NEW_YORK, time(0, 59), utc(2026, 11, 1, 4, 59)),  # EDT
        (NEW_YORK, time(2, 0), utc(2026, 11, 1, 7, 0)),  # EST
    ],
)
def test_times_just_outside_the_repeated_hour(timezone: str, at: time, expected: datetime) -> None:
    assert nxt(daily(at, timezone), expected - timedelta(hours=6)) == expected


# --- partners in different zones -----------------------------------------------------------


@pytest.mark.parametrize(
    ("after", "berlin_wall", "hours_apart"),
    [
        # both on standard time: 9 hours apart
        (utc(2026, 3, 1, 12, 0), datetime(2026, 3, 2, 5, 0), 9),
        # US on DST since 8 March, EU not until 29 March: 8 hours apart
        (utc(2026, 3, 8, 12, 0), datetime(2026, 3, 9, 4, 0), 8),
        (utc(2026, 3, 27, 12, 0), datetime(2026, 3, 28, 4, 0), 8),
        # both on summer time: 9 hours again
        (utc(2026, 3, 29, 12, 0), datetime(2026, 3, 30, 5, 0), 9),
        # EU back on 25 October, US not until 1 November: 8 hours
        (utc(2026, 10, 26, 12, 0), datetime(2026, 10, 27, 4, 0), 8),
        (utc(2026, 11, 2, 12, 0), datetime(2026, 11, 3, 5, 0), 9),
    ],
)
def test_partner_nine_hours_away_sees_the_pair_time_on_their_clock(
    after: datetime, berlin_wall: datetime, hours_apart: int
) -> None:
    cadence = daily(time(20, 0), LOS_ANGELES)
    instant = nxt(cadence, after)
    assert wall(instant, LOS_ANGELES).time() == time(20, 0)
    assert wall(instant, BERLIN) == berlin_wall
    assert wall(instant, BERLIN) - wall(instant, LOS_ANGELES) == timedelta(hours=hours_apart)
    assert is_night(local_time(instant, BERLIN).time())  # what /settings warns about


# --- properties ----------------------------------------------------------------------------

PROPERTY_ZONES = [
    BERLIN,
    NEW_YORK,
    LOS_ANGELES,
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "America/Santiago",  # clocks change at midnight
    "Asia/Kolkata",
    "UTC",
]


def _offset_changes(timezone: str) -> list[date]:
    """Local dates in 2025–2027 on which the zone's UTC offset changes."""
    zone = zoneinfo.ZoneInfo(timezone)
    days: list[date] = []
    instant = utc(2025, 1, 1)
    offset = instant.astimezone(zone).utcoffset()
    while instant < utc(2028, 1, 1):
        instant += timedelta(hours=6)
        current = instant.astimezone(zone).utcoffset()
        if current != offset:
            days.append(instant.astimezone(zone).date())
            offset = current
    return days


NEAR_CHANGES = {zone: _offset_changes(zone) for zone in PROPERTY_ZONES}

DST_HOURS = [time(h, m) for h in (0, 1, 2, 3) for m in (0, 1, 15, 30, 59)]


@st.composite
def cadences_and_instants(draw: st.DrawFn) -> tuple[Cadence, datetime, date | None]:
    timezone = draw(st.sampled_from(PROPERTY_ZONES))
    frequency = draw(st.sampled_from([Frequency.DAILY, Frequency.WEEKDAYS, Frequency.WEEKLY]))
    at = draw(
        st.one_of(
            st.sampled_from(DST_HOURS),
            st.builds(time, st.integers(0, 23), st.integers(0, 59)),
        )
    )
    cadence = Cadence(frequency, at, timezone, draw(st.integers(0, 6)))
    changes = NEAR_CHANGES[timezone]
    near_a_change = draw(st.booleans())
    if changes and near_a_change:
        anchor = datetime.combine(draw(st.sampled_from(changes)), time(0), tzinfo=UTC)
        after = anchor + timedelta(minutes=draw(st.integers(-3 * 24 * 60, 2 * 24 * 60)))
    else:
        after = utc(2025, 1, 1) + timedelta(minutes=draw(st.integers(0, 3 * 365 * 24 * 60)))
    after += timedelta(microseconds=draw(st.sampled_from([0, 1, 999_999])))
    last: date | None = None
    if draw(st.booleans()):
        last = local_time(after, timezone).date() + timedelta(days=draw(st.integers(-3, 3)))
    return cadence, after, last


def _allowed(cadence: Cadence, day: date) -> bool:
    if cadence.frequency == Frequency.WEEKDAYS:
        return day.weekday() < 5
    if cadence.frequency == Frequency.WEEKLY:
        return day.weekday() == cadence.weekday
    return True


def _exists(naive: datetime, timezone: str) -> bool:
    zone = zoneinfo.ZoneInfo(timezone)
    return naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None) == (
        naive
    )


@settings(max_examples=300, deadline=None, database=None)
@given(cadences_and_instants())
def test_property_next_occurrence(case: tuple[Cadence, datetime, date | None]) -> None:
    cadence, after, last = case
    tz = cadence.timezone
    zone = zoneinfo.ZoneInfo(tz)
    result = nxt(cadence, after, last)
    local = local_time(result, tz)
    day = local.date()

    assert result > after
    assert _allowed(cadence, day)
    if last is not None:
        assert day > last
    wanted = datetime.combine(day, cadence.time_of_day)
    if _exists(wanted, tz):
        # the wall time, and of a repeated wall time the first reading
        assert local.replace(tzinfo=None) == wanted
        assert result == wanted.replace(tzinfo=zone, fold=0).astimezone(UTC)
    else:
        # in a gap: the very instant the clocks jump past the wanted wall time
        assert local.replace(tzinfo=None) > wanted
        just_before = local_time(result - timedelta(microseconds=1), tz).replace(tzinfo=None)
        assert just_before < wanted

    # at most one per local date: the following one is on a later date
    following = nxt(cadence, result, day)
    assert local_time(following, tz).date() > day
    assert nxt(cadence, result) == following

    # Away from clock changes, the day and instant agree with APScheduler's own trigger.
    window = [result + timedelta(days=2), after - timedelta(days=2)]
    if last is None and len({instant.astimezone(zone).utcoffset() for instant in window}) == 1:
        day_of_week = {
            Frequency.DAILY: "*",
            Frequency.WEEKDAYS: "mon-fri",
            Frequency.WEEKLY: str(cadence.weekday),
        }[cadence.frequency]
        trigger = CronTrigger(
            day_of_week=day_of_week,
            hour=cadence.time_of_day.hour,
            minute=cadence.time_of_day.minute,
            timezone=tz,
        )
        assert trigger.get_next_fire_time(None, after + timedelta(microseconds=1)) == result


@settings(max_examples=200, deadline=None, database=None)
@given(
    opened=st.integers(0, 2 * 365 * 24 * 60).map(lambda m: utc(2026, 1, 1) + timedelta(minutes=m)),
    length=st.integers(1, 48 * 60).map(lambda m: timedelta(minutes=m)),
    timezone=st.sampled_from(PROPERTY_ZONES),
)
def test_property_reminder(opened: datetime, length: timedelta, timezone: str) -> None:
    expires = opened + length
    result = reminder_instant(opened, expires, timezone)
    halfway = opened + length / 2
    if not is_night(local_time(halfway, timezone).time()):
        assert result == halfway
    elif result is not None:
        assert result.tzinfo is UTC
        assert opened + timedelta(minutes=30) <= result <= expires - timedelta(minutes=30)
        assert not is_night(local_time(result, timezone).time())
        assert local_time(result, timezone).time() in (QUIET_END, time(21, 30))


# --- parse_time_of_day ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20:00", time(20, 0)),
        ("8:05", time(8, 5)),
        ("08:05", time(8, 5)),
        ("0:00", time(0, 0)),
        ("23:59", time(23, 59)),
        ("  21:30  ", time(21, 30)),
        ("8pm", time(20, 0)),
        ("8 pm", time(20, 0)),
        ("8PM", time(20, 0)),
        (" 8 Pm\n", time(20, 0)),
        ("8:30pm", time(20, 30)),
        ("8:30 am", time(8, 30)),
        ("8am", time(8, 0)),
        ("12am", time(0, 0)),
        ("12:15am", time(0, 15)),
        ("12pm", time(12, 0)),
        ("12:45 pm", time(12, 45)),
        ("11:59pm", time(23, 59)),
        ("7 p.m.", time(19, 0)),
        ("20.00", time(20, 0)),
        ("20h", time(20, 0)),
        ("20h30", time(20, 30)),
        ("Noon", time(12, 0)),
        ("midnight", time(0, 0)),
    ],
)
def test_parse_time_of_day_accepts(text: str, expected: time) -> None:
    assert parse_time_of_day(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "25:00",
        "24:00",
        "12:60",
        "13pm",
        "0pm",
        "0am",
        "0800",
        "20",
        "25h",
        "20.5",
        "8",
        "8:5",
        "8:005",
        "20:00:00",
        "-1:00",
        "8 p m",
        "eight",
        "20:00 tomorrow",
        "٨:٣٠",  # non-ASCII digits
        "x" * 1000,
    ],
)
def test_parse_time_of_day_refuses(text: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_time_of_day(text)
    assert isinstance(error.value, TimeOfDayError)
    assert str(error.value) == error.value.reason.value  # a code, not a sentence


def test_parse_time_of_day_explains_what_is_wrong() -> None:
    with pytest.raises(TimeOfDayError) as hour:
        parse_time_of_day("25:00")
    assert hour.value.reason is TimeReason.HOUR_24
    with pytest.raises(TimeOfDayError) as minute:
        parse_time_of_day("12:60")
    assert minute.value.reason is TimeReason.MINUTE
    with pytest.raises(TimeOfDayError) as half:
        parse_time_of_day("13pm")
    assert half.value.reason is TimeReason.HOUR_12


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", TimeReason.EMPTY),
        ("   ", TimeReason.EMPTY),
        ("25:00", TimeReason.HOUR_24),
        ("24:00", TimeReason.HOUR_24),
        ("25h", TimeReason.HOUR_24),
        ("12:60", TimeReason.MINUTE),
        ("8:60pm", TimeReason.MINUTE),
        ("13pm", TimeReason.HOUR_12),
        ("0am", TimeReason.HOUR_12),
        ("0800", TimeReason.UNREADABLE),
        ("20", TimeReason.UNREADABLE),
        ("8:5", TimeReason.UNREADABLE),
        ("20:00:00", TimeReason.UNREADABLE),
        ("eight", TimeReason.UNREADABLE),
    ],
)
def test_parse_time_of_day_gives_the_documented_reason(text: str, reason: TimeReason) -> None:
    with pytest.raises(TimeOfDayError) as error:
        parse_time_of_day(text)
    assert error.value.reason is reason
    assert str(error.value) == reason.value
    assert isinstance(error.value, ValueError)  # existing `except ValueError` callers still work


# --- is_night, reminder_instant, local_time ------------------------------------------------


@pytest.mark.parametrize(
    ("at", "night"),
    [
        (time(21, 59), False),
        (QUIET_START, True),
        (time(23, 30), True),
        (time(0, 0), True),
        (time(3, 0), True),
        (time(7, 59, 59), True),
        (QUIET_END, False),
        (time(12, 0), False),
    ],
)
def test_is_night(at: time, night: bool) -> None:
    assert is_night(at) is night


def test_reminder_halfway_when_it_is_daytime() -> None:
    # opened 10:00 Berlin, expires 20:00 Berlin -> 15:00 Berlin
    assert reminder_instant(utc(2026, 5, 10, 8), utc(2026, 5, 10, 18), BERLIN) == utc(
        2026, 5, 10, 13
    )


def test_reminder_for_a_daily_2000_round_is_0800_next_morning() -> None:
    # A daily 20:00 round open for 24 hours: halfway is 08:00 next morning, the end of the night.
    opened = utc(2026, 5, 10, 18, 0)  # 20:00 CEST
    result = reminder_instant(opened, opened + timedelta(days=1), BERLIN)
    assert result == utc(2026, 5, 11, 6, 0)
    assert result is not None and wall(result, BERLIN) == datetime(2026, 5, 11, 8, 0)


def test_reminder_moved_out_of_the_night_to_0800() -> None:
    opened = utc(2026, 5, 10, 16, 0)  # 18:00 CEST; halfway 06:00 next morning is night
    result = reminder_instant(opened, opened + timedelta(days=1), BERLIN)
    assert result == utc(2026, 5, 11, 6, 0)  # 08:00 CEST


def test_reminder_0800_on_the_spring_forward_morning() -> None:
    opened = utc(2026, 3, 28, 17, 0)  # 18:00 CET; halfway 05:00 UTC = 07:00 CEST
    result = reminder_instant(opened, opened + timedelta(days=1), BERLIN)
    assert result == utc(2026, 3, 29, 6, 0)  # 08:00 CEST


def test_reminder_for_a_window_inside_one_night_is_none() -> None:
    # 22:30 -> 05:30 Berlin: no daytime in the window at all.
    assert reminder_instant(utc(2026, 5, 10, 20, 30), utc(2026, 5, 11, 3, 30), BERLIN) is None


def test_reminder_falls_back_to_the_evening_before_the_night() -> None:
    # 21:00 -> 07:00 Berlin: halfway 02:00 is night, 08:00 is too late, 21:30 is 30 min in.
    result = reminder_instant(utc(2026, 5, 10, 19, 0), utc(2026, 5, 11, 5, 0), BERLIN)
    assert result == utc(2026, 5, 10, 19, 30)
    # 21:01 -> 07:01: 21:30 is only 29 minutes in, so no reminder.
    assert reminder_instant(utc(2026, 5, 10, 19, 1), utc(2026, 5, 11, 5, 1), BERLIN) is None


def test_reminder_0800_needs_thirty_minutes_before_expiry() -> None:
    # 20:00 -> 08:30 Berlin: halfway 02:15; 08:00 is exactly 30 minutes before expiry.
    assert reminder_instant(utc(2026, 5, 10, 18, 0), utc(2026, 5, 11, 6, 30), BERLIN) == utc(
        2026, 5, 11, 6, 0
    )
    # 20:00 -> 08:29: 08:00 is too close; 21:30 is 90 minutes in.
    assert reminder_instant(utc(2026, 5, 10, 18, 0), utc(2026, 5, 11, 6, 29), BERLIN) == utc(
        2026, 5, 10, 19, 30
    )


def test_reminder_uses_the_reminded_partners_timezone() -> None:
    # 20:00 -> 08:00 Berlin is 14:00 -> 02:00 New York: halfway 20:00 there, fine for them.
    opened, expires = utc(2026, 5, 10, 18, 0), utc(2026, 5, 11, 6, 0)
    assert reminder_instant(opened, expires, NEW_YORK) == utc(2026, 5, 11, 0, 0)
    assert reminder_instant(opened, expires, BERLIN) == utc(2026, 5, 10, 19, 30)


def test_reminder_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="aware"):
        reminder_instant(datetime(2026, 5, 10, 18), utc(2026, 5, 11, 18), BERLIN)
    with pytest.raises(ValueError, match="aware"):
        reminder_instant(utc(2026, 5, 10, 18), datetime(2026, 5, 11, 18), BERLIN)
    with pytest.raises(ValueError, match="after"):
        reminder_instant(utc(2026, 5, 10, 18), utc(2026, 5, 10, 18), BERLIN)
    with pytest.raises(ValueError, match="time zone"):
        reminder_instant(utc(2026, 5, 10, 18), utc(2026, 5, 11, 18), "Mars/Olympus")


def test_local_time() -> None:
    shown = local_time(utc(2026, 5, 10, 18, 0), BERLIN)
    assert shown == utc(2026, 5, 10, 18, 0)
    assert shown.replace(tzinfo=None) == datetime(2026, 5, 10, 20, 0)
    assert shown.utcoffset() == timedelta(hours=2)
    # the second 02:30 of the fall-back night is marked fold=1
    second = local_time(utc(2026, 10, 25, 1, 30), BERLIN)
    assert (second.hour, second.minute, second.fold) == (2, 30, 1)
    with pytest.raises(ValueError, match="aware"):
        local_time(datetime(2026, 5, 10, 18), BERLIN)
    with pytest.raises(ValueError, match="time zone"):
        local_time(utc(2026, 5, 10, 18), "Nowhere/City")


def test_days_fires_on_the_listed_weekdays_only() -> None:
    cadence = Cadence(Frequency.DAYS, time(20, 0), "Europe/Berlin", days=(0, 2))
    after = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)  # Mon 21:00 Berlin: past Monday's slot
    first = next_occurrence(cadence, after)
    assert first == datetime(2026, 3, 4, 19, 0, tzinfo=UTC)  # Wednesday 20:00 Berlin
    second = next_occurrence(cadence, first)
    assert second == datetime(2026, 3, 9, 19, 0, tzinfo=UTC)  # the next Monday


def test_days_needs_at_least_one_valid_weekday() -> None:
    with pytest.raises(ValueError):
        Cadence(Frequency.DAYS, time(20, 0), "UTC", days=())
    with pytest.raises(ValueError):
        Cadence(Frequency.DAYS, time(20, 0), "UTC", days=(7,))
