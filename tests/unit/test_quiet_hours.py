"""Each person's quiet hours (issue 12): the pure rule in scheduler.cadence."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from scheduler.cadence import DEFAULT_QUIET_HOURS, QuietHours, quiet_from_stored


def test_default_spans_midnight() -> None:
    assert DEFAULT_QUIET_HOURS.contains(time(22, 0))
    assert DEFAULT_QUIET_HOURS.contains(time(3, 0))
    assert not DEFAULT_QUIET_HOURS.contains(time(8, 0))
    assert not DEFAULT_QUIET_HOURS.contains(time(21, 59))


def test_within_one_day() -> None:
    late_sleeper = QuietHours(time(1, 0), time(9, 30))
    assert late_sleeper.contains(time(9, 0))
    assert not late_sleeper.contains(time(23, 0))


def test_same_start_and_end_is_refused() -> None:
    with pytest.raises(ValueError):
        QuietHours(time(8, 0), time(8, 0))


def test_end_after_reads_the_persons_own_clock() -> None:
    # 02:00 in New York (EST, UTC-5) is 07:00 UTC; the night ends at 08:00 New York = 13:00 UTC.
    at = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)
    assert DEFAULT_QUIET_HOURS.end_after(at, "America/New_York") == datetime(
        2026, 12, 3, 13, 0, tzinfo=UTC
    )
    # The same instant is 08:00 in Berlin: not quiet there.
    assert DEFAULT_QUIET_HOURS.end_after(at, "Europe/Berlin") is None
    # 23:00 Berlin: the night ends tomorrow at 08:00 Berlin (07:00 UTC).
    evening = datetime(2026, 12, 3, 22, 0, tzinfo=UTC)
    assert DEFAULT_QUIET_HOURS.end_after(evening, "Europe/Berlin") == datetime(
        2026, 12, 4, 7, 0, tzinfo=UTC
    )


def test_stored_forms() -> None:
    assert quiet_from_stored(None) == DEFAULT_QUIET_HOURS
    assert quiet_from_stored("off") is None
    chosen = QuietHours(time(23, 0), time(7, 30))
    assert quiet_from_stored(chosen.stored()) == chosen
    assert chosen.stored() == "23:00-07:30"
    # Something unreadable falls back to quiet, never to none.
    assert quiet_from_stored("garbage") == DEFAULT_QUIET_HOURS
