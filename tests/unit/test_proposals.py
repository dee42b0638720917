"""The pure rules of issue 12's proposals and notices: which schedule change lands in the
partner's quiet hours, the stored forms (a change, a settings snapshot) and the callback data."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.domain import callbacks as cb
from bot.domain.model import Pair, PairStatus
from bot.domain.notices import Snapshot
from bot.domain.proposals import ScheduleChange, lands_in_quiet
from bot.domain.subjects import NoticeSubject
from content.schema import Dimension
from scheduler.cadence import DEFAULT_QUIET_HOURS, Frequency, QuietHours

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday; Berlin UTC+1, New York UTC-5
NEW_YORK = "America/New_York"


def berlin_pair(**fields: object) -> Pair:
    base: dict[str, object] = {
        "id": 1,
        "user_a": 1001,
        "user_b": 1002,
        "status": PairStatus.ACTIVE,
        "timezone": "Europe/Berlin",
        "frequency": Frequency.DAILY,
        "time_of_day": time(20, 0),
    }
    base.update(fields)
    return Pair(**base)  # type: ignore[arg-type]


def lands(before: Pair, change: ScheduleChange, quiet: QuietHours | None = DEFAULT_QUIET_HOURS):
    return lands_in_quiet(before, change, quiet, NEW_YORK, NOW)


def test_a_time_in_the_partners_night_lands_there() -> None:
    landing = lands(berlin_pair(), ScheduleChange(time_of_day=time(8, 0)))
    assert landing == datetime(2026, 3, 3, 7, 0, tzinfo=UTC)  # 02:00 in New York


def test_a_time_outside_the_partners_night_does_not() -> None:
    assert lands(berlin_pair(), ScheduleChange(time_of_day=time(19, 0))) is None


def test_quiet_hours_turned_off_are_never_asked() -> None:
    assert lands(berlin_pair(), ScheduleChange(time_of_day=time(8, 0)), None) is None


def test_their_own_hours_count_not_the_default() -> None:
    late = QuietHours(time(1, 0), time(6, 0))  # 02:00 is inside, 01:00 too, 07:00 is not
    assert lands(berlin_pair(), ScheduleChange(time_of_day=time(7, 0)), late) is not None
    assert lands(berlin_pair(), ScheduleChange(time_of_day=time(13, 0)), late) is None


def test_a_change_that_leaves_their_wall_time_alone_applies_at_once() -> None:
    already = berlin_pair(time_of_day=time(8, 0))  # 02:00 for them already
    assert lands(already, ScheduleChange(frequency=Frequency.WEEKDAYS)) is None
    off = berlin_pair(time_of_day=time(8, 0), frequency=Frequency.OFF)
    assert lands(off, ScheduleChange(frequency=Frequency.DAILY)) is not None  # off -> on moves it
    assert lands(berlin_pair(), ScheduleChange(frequency=Frequency.OFF)) is None


def test_whose_timezone_and_weekly_changes_are_read_too() -> None:
    sydney = berlin_pair(timezone="Australia/Sydney")  # 20:00 Sydney = 10:00 Berlin
    change = ScheduleChange(timezone="Europe/Berlin")  # 20:00 Berlin = 06:00 Sydney
    assert lands_in_quiet(sydney, change, DEFAULT_QUIET_HOURS, "Australia/Sydney", NOW)
    weekly = ScheduleChange(weekly_weekday=1, weekly_time=time(10, 0))  # Tue 04:00 New York
    assert lands(berlin_pair(), weekly) == datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "change",
    [
        ScheduleChange(time_of_day=time(8, 0)),
        ScheduleChange(frequency=Frequency.WEEKLY, weekday=6),
        ScheduleChange(timezone="UTC+05:30"),
        ScheduleChange(weekly_weekday=1, weekly_time=time(10, 0)),
    ],
)
def test_a_change_round_trips_through_its_stored_form(change: ScheduleChange) -> None:
    assert ScheduleChange.parse(change.encode()) == change


@pytest.mark.parametrize("raw", ["", "x=1", "t=25:00", "d=9", "z=Mars/Olympus", "t=08:00;t=09:00"])
def test_a_stored_change_that_is_not_one_is_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        ScheduleChange.parse(raw)


def test_a_snapshot_round_trips_and_sees_what_changed() -> None:
    pair = berlin_pair(focus=frozenset({Dimension.TRUST}), packs=("moving",), weekly_weekday=2)
    snapshot = Snapshot.of(pair)
    assert Snapshot.parse(snapshot.encode()) == snapshot
    assert Snapshot.of(berlin_pair(time_of_day=time(19, 0))).schedule != snapshot.schedule
    with pytest.raises(ValueError):
        Snapshot.parse("{}")


def test_proposal_buttons_and_notice_subjects_parse_strictly() -> None:
    data = cb.schedule_proposal(12, 3, True)
    assert cb.parse(data) == cb.ScheduleProposalData(12, 3, True)
    assert cb.parse(cb.schedule_proposal(12, 3, False)) == cb.ScheduleProposalData(12, 3, False)
    assert cb.parse("sp:12:3:x") is None and cb.parse("sp:-1:3:y") is None
    assert NoticeSubject.parse(NoticeSubject(4, 1001).encode()) == NoticeSubject(4, 1001)
    with pytest.raises(ValueError):
        NoticeSubject.parse("pair:4")
