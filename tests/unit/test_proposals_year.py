"""The year-ahead rule of issue 12's proposals: a schedule change lands in the partner's
quiet hours when any check-in of the coming year does, on either side of a clock change of
the pair's zone or the partner's (found by a probe: only the next check-in was read)."""

from __future__ import annotations

from datetime import UTC, datetime, time

from bot.domain.proposals import ScheduleChange, lands_in_quiet
from scheduler.cadence import DEFAULT_QUIET_HOURS, Frequency
from tests.unit.test_proposals import berlin_pair

SAT_7_MAR = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)  # New York changes clocks on 8 March
MON_2_MAR = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_new_yorks_clock_change_moves_a_time_into_the_night() -> None:
    change = ScheduleChange(time_of_day=time(3, 30))  # 21:30 New York now, 22:30 from 8 March
    landing = lands_in_quiet(
        berlin_pair(), change, DEFAULT_QUIET_HOURS, "America/New_York", SAT_7_MAR
    )
    assert landing == datetime(2026, 3, 9, 2, 30, tzinfo=UTC)  # Sun 8 Mar, 22:30 in New York


def test_berlins_clock_change_moves_a_time_into_sydneys_night() -> None:
    # 22:00 Berlin is 08:00 in Sydney until Berlin's change on 29 March, then 07:00.
    change = ScheduleChange(time_of_day=time(22, 0))
    landing = lands_in_quiet(
        berlin_pair(), change, DEFAULT_QUIET_HOURS, "Australia/Sydney", MON_2_MAR
    )
    assert landing == datetime(2026, 3, 29, 20, 0, tzinfo=UTC)  # Mon 30 Mar, 07:00 in Sydney


def test_a_weekly_round_is_read_across_the_year_too() -> None:
    weekly = ScheduleChange(weekly_weekday=6, weekly_time=time(3, 30))  # Sundays
    landing = lands_in_quiet(
        berlin_pair(), weekly, DEFAULT_QUIET_HOURS, "America/New_York", SAT_7_MAR
    )
    assert landing == datetime(2026, 3, 15, 2, 30, tzinfo=UTC)  # Sat 14 Mar, 22:30


def test_a_time_outside_the_night_all_year_is_not_asked() -> None:
    change = ScheduleChange(time_of_day=time(19, 0))  # 13:00 or 14:00 in New York
    assert (
        lands_in_quiet(berlin_pair(), change, DEFAULT_QUIET_HOURS, "America/New_York", SAT_7_MAR)
        is None
    )


def test_a_night_the_old_time_already_had_is_not_asked_again() -> None:
    # 03:30 Berlin already; weekdays only changes days, not the wall time, on any date.
    already = berlin_pair(time_of_day=time(3, 30))
    change = ScheduleChange(frequency=Frequency.WEEKDAYS)
    assert (
        lands_in_quiet(already, change, DEFAULT_QUIET_HOURS, "America/New_York", SAT_7_MAR) is None
    )
