"""Fixed offsets typed as a timezone (issue 12): ``GMT+3``, ``UTC+5:30``, ``+03:00``,
``UTC-8``, ``gmt -3`` are read as offsets and stored as ``UTC±HH:MM``; the sign-inverted POSIX
name ``Etc/GMT-3`` means what its users mean (UTC+3); every tzinfo lookup accepts the stored
form."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from scheduler.cadence import Cadence, Frequency, QuietHours, local_time, next_occurrence
from scheduler.zones import (
    ZoneError,
    ZoneReason,
    fixed_offset,
    is_posix_offset,
    parse_timezone,
    zone_info,
)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("GMT+3", "UTC+03:00"),
        ("UTC+5:30", "UTC+05:30"),
        ("+03:00", "UTC+03:00"),
        ("UTC-8", "UTC-08:00"),
        ("gmt -3", "UTC-03:00"),
        ("utc + 5:45", "UTC+05:45"),
        ("+0530", "UTC+05:30"),
        ("-12", "UTC-12:00"),
        ("UTC+14", "UTC+14:00"),
        ("GMT+0", "UTC"),
        ("Etc/GMT-3", "UTC+03:00"),
        ("etc/gmt+5", "UTC-05:00"),
    ],
)
def test_offsets_are_read_as_people_mean_them(text: str, stored: str) -> None:
    assert parse_timezone(text) == stored


@pytest.mark.parametrize("text", ["UTC+15", "+03:10", "GMT-13", "+3:75", "Etc/GMT-15"])
def test_offsets_out_of_range_are_refused(text: str) -> None:
    with pytest.raises(ZoneError) as caught:
        parse_timezone(text)
    assert caught.value.reason is ZoneReason.OFFSET


def test_posix_names_are_recognised() -> None:
    assert is_posix_offset("Etc/GMT-3")
    assert is_posix_offset(" etc/GMT+10 ")
    assert not is_posix_offset("GMT+3")
    assert not is_posix_offset("Europe/Berlin")


def test_the_stored_form_turns_into_a_tzinfo() -> None:
    assert fixed_offset("UTC+05:30") == timedelta(hours=5, minutes=30)
    assert fixed_offset("UTC-08:00") == timedelta(hours=-8)
    assert fixed_offset("UTC") is None
    assert fixed_offset("Europe/Berlin") is None
    instant = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert instant.astimezone(zone_info("UTC+05:30")).time() == time(17, 30)
    assert local_time(instant, "UTC-08:00").time() == time(4, 0)
    with pytest.raises(ValueError):
        zone_info("UTC+99:00")


def test_a_fixed_offset_schedule_ignores_daylight_saving() -> None:
    """20:00 at UTC+05:30 is 14:30 UTC in January and in July alike (Berlin's moves)."""
    cadence = Cadence(Frequency.DAILY, time(20, 0), "UTC+05:30")
    for month in (1, 7):
        after = datetime(2026, month, 10, 0, 0, tzinfo=UTC)
        nxt = next_occurrence(cadence, after)
        assert nxt == datetime(2026, month, 10, 14, 30, tzinfo=UTC)
    assert next_occurrence(
        cadence, datetime(2026, 1, 10, tzinfo=UTC), last_local_date=date(2026, 1, 10)
    ) == datetime(2026, 1, 11, 14, 30, tzinfo=UTC)


def test_quiet_hours_read_a_fixed_offset_clock() -> None:
    quiet = QuietHours(time(22, 0), time(8, 0))
    night = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)  # 01:00 at UTC+05:00
    assert quiet.covers(night, "UTC+05:00")
    assert quiet.end_after(night, "UTC+05:00") == datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
