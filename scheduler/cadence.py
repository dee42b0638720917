"""A pair's schedule (cadence) turned into instants: when a round opens, when to remind.

This module is pure time arithmetic. It imports nothing from ``bot/`` (see the dependency rule
in ``DESIGN.md``) and touches no clock: every function takes the instant it reasons about.
Time zone names typed by users are read by :mod:`scheduler.zones`; a time of day typed by a user
by :func:`parse_time_of_day`, which refuses with a :class:`TimeReason` code, never a sentence.

Conventions used throughout:

* An *instant* is an aware :class:`datetime.datetime`. Every instant this module returns is in
  UTC (``tzinfo is datetime.UTC``), because every stored instant is aware UTC (``DESIGN.md``,
  "Scale model"). Instants passed in may carry any time zone; naive datetimes are refused with
  :class:`ValueError`, since they do not name an instant.
* A *wall time* is a naive :class:`datetime.time` read on the clocks of an IANA time zone
  (``"Europe/Berlin"``), and a *local date* is a calendar date in that zone.

Which calendar days fire is decided by APScheduler 3.x's
:class:`~apscheduler.triggers.cron.CronTrigger`. How a wall time on such a day becomes an
instant is decided here, with :mod:`zoneinfo`, because the trigger's behaviour on the two days a
year when clocks change is not what a couple expects. Read from APScheduler 3.11.3
(``triggers/cron/__init__.py``) and checked by running it:

* Spring forward (the wall time does not exist, e.g. 02:30 in Europe/Berlin on 2026-03-29): the
  trigger builds ``datetime(..., 2, 30, tzinfo=zone)`` with ``fold=0``, which zoneinfo reads with
  the *old* offset, so the job fires at 01:30 UTC = 03:30 local, half an hour after the clocks
  already showed 03:00. We open the round at 03:00 local instead: the first wall-clock minute
  that exists after the requested time.
* Fall back (the wall time happens twice, e.g. 02:30 Berlin on 2026-10-25): the trigger fires
  twice, at the ``fold=0`` and the ``fold=1`` reading. We open one round, at the first one
  (``fold=0``).

To keep those rules out of day selection altogether, the trigger is evaluated on a plain
calendar (its time zone is UTC, which has no clock changes) and only asked "which is the next
date that fires?".
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Final

from apscheduler.triggers.cron import CronTrigger

from scheduler.zones import zone_info

__all__ = [
    "DEFAULT_QUIET_HOURS",
    "QUIET_END",
    "QUIET_OFF",
    "QUIET_START",
    "REMINDER_MARGIN",
    "Cadence",
    "Frequency",
    "QuietHours",
    "TimeOfDayError",
    "TimeReason",
    "is_night",
    "local_time",
    "next_occurrence",
    "parse_time_of_day",
    "quiet_from_stored",
    "reminder_instant",
]

QUIET_START: Final = time(22, 0)
"""Local wall time at which quiet hours begin (inclusive). No reminder is sent from here…"""

QUIET_END: Final = time(8, 0)
"""…until this local wall time (exclusive), in the reminded partner's time zone."""

REMINDER_MARGIN: Final = timedelta(minutes=30)
"""A moved reminder must keep this distance from the window's edges (see reminder_instant)."""

# A weekly round skipped by last_local_date or a vanished day needs at most ~3 candidates;
# the cap only turns an impossible endless loop into an error.
_MAX_CANDIDATES: Final = 32


class Frequency(StrEnum):
    """How often a pair's rounds open (the "schedule" in DESIGN.md's words table).

    The values are the strings stored in the database and used in ``/settings``.
    """

    DAILY = "daily"
    """Every local date."""
    WEEKDAYS = "weekdays"
    """Monday to Friday, by the local date in the cadence's time zone."""
    WEEKLY = "weekly"
    """Once a week, on :attr:`Cadence.weekday` (local date)."""
    DAYS = "days"
    """On the weekdays in :attr:`Cadence.days` (a cohort's check-in days; local dates)."""
    OFF = "off"
    """No rounds: :func:`next_occurrence` returns ``None``."""


# Day-of-week expressions for CronTrigger; APScheduler 3.x counts 0 = Monday like Python.
_WEEKDAY_NAMES: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Cadence:
    """A pair's schedule: how often, on which weekday, at which wall time, in which zone.

    Attributes:
        frequency: How often rounds open; :attr:`Frequency.OFF` means never.
        time_of_day: Naive local wall time in :attr:`timezone` at which a round opens
            (seconds are kept, ``fold`` is ignored). Must not carry a ``tzinfo``.
        timezone: IANA time zone name, e.g. ``"Europe/Berlin"`` (use
            :func:`scheduler.zones.parse_timezone` to get one from user input). The pair's
            time zone: both partners get the question at this wall time here (DESIGN.md, "A
            round's life", step 2).
        weekday: 0 = Monday … 6 = Sunday; only used for :attr:`Frequency.WEEKLY`, but always
            validated.
        days: weekdays (0 = Monday) for :attr:`Frequency.DAYS`; at least one, each 0–6.

    Raises:
        ValueError: on construction, if ``frequency`` is not a :class:`Frequency` value,
            ``time_of_day`` is aware, ``weekday`` is outside 0–6, ``days`` is empty or holds a
            value outside 0–6 for :attr:`Frequency.DAYS`, or ``timezone`` is not a time zone
            known to :mod:`zoneinfo`.
    """

    frequency: Frequency
    time_of_day: time
    timezone: str
    weekday: int = 0
    days: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        Frequency(self.frequency)  # raises ValueError for an unknown value
        if not isinstance(self.time_of_day, time):
            raise ValueError("time_of_day must be a datetime.time")
        if self.time_of_day.tzinfo is not None:
            raise ValueError("time_of_day must be a naive local wall time (no tzinfo)")
        if isinstance(self.weekday, bool) or not 0 <= self.weekday <= 6:
            raise ValueError("weekday must be 0 (Monday) … 6 (Sunday)")
        if self.frequency == Frequency.DAYS and (
            not self.days or any(not 0 <= d <= 6 for d in self.days)
        ):
            raise ValueError("days must list weekdays 0 (Monday) … 6 (Sunday), at least one")
        _zone(self.timezone)


def next_occurrence(
    cadence: Cadence, after: datetime, *, last_local_date: date | None = None
) -> datetime | None:
    """Return the next instant at which the pair's round should open.

    Args:
        cadence: The pair's schedule.
        after: The result is strictly after this instant. Aware, any time zone.
        last_local_date: Local date (in ``cadence.timezone``) of the pair's previous scheduled
            round, if any. The result's local date is strictly later than it, so a pair never
            gets two rounds on one local date, even when ``after`` lies before the previous
            round (for instance after a schedule change or a retried tick).

    Returns:
        An aware UTC datetime, or ``None`` when ``cadence.frequency`` is :attr:`Frequency.OFF`.
        The instant is the earliest one after ``after`` that falls on a local date the
        frequency allows (every date; Monday–Friday; or ``cadence.weekday``) and reads
        ``cadence.time_of_day`` on the local clock, with these rules for clock changes:

        * the wall time does not exist that day (spring forward): the first wall-clock minute
          that exists after it, i.e. the moment the clocks jump (03:00 for 02:30 in Berlin on
          2026-03-29 and in New York on 2026-03-08);
        * the wall time happens twice (fall back): the first of the two (``fold=0``) only;
        * a whole local date that does not exist, or a jump that would carry the round onto
          the next local date, gives that date no round (so no date ever gets two).

        A time outside those hours keeps its wall time across a change (20:00 stays 20:00
        local, which is a different UTC hour). Day selection comes from APScheduler's
        CronTrigger; the wall time → UTC rules are ours (see the module docstring).

    Raises:
        ValueError: if ``after`` is naive, or no occurrence fits before the year 9999.
    """
    _require_aware(after, "after")
    if cadence.frequency == Frequency.OFF:
        return None
    zone = _zone(cadence.timezone)
    wall = cadence.time_of_day.replace(fold=0)
    start = after.astimezone(zone).date()
    try:
        if last_local_date is not None and last_local_date >= start:
            start = last_local_date + timedelta(days=1)
        dates = _firing_dates(cadence.frequency, cadence.weekday, start, cadence.days)
        for count, day in enumerate(dates):
            if count >= _MAX_CANDIDATES:  # pragma: no cover - unreachable by construction
                break
            instant = _wall_to_instant(day, wall, zone)
            if instant.astimezone(zone).date() != day:
                continue  # the day (or its evening) vanished in a clock change
            if instant > after:
                return instant
    except OverflowError:
        pass
    raise ValueError("no occurrence of this schedule fits before the year 9999")


class TimeReason(StrEnum):
    """Why :func:`parse_time_of_day` refused a text. The values are stable codes, not prose."""

    EMPTY = "empty"
    """Nothing but whitespace."""
    HOUR_24 = "hour_24"
    """An hour over 23 on a 24-hour clock (``"25:00"``, ``"24:00"``, ``"25h"``)."""
    MINUTE = "minute"
    """Minutes over 59, with or without am/pm (``"12:60"``, ``"8:60pm"``)."""
    HOUR_12 = "hour_12"
    """An hour outside 1–12 with am/pm (``"13pm"``, ``"0am"``)."""
    UNREADABLE = "unreadable"
    """No form of time the parser knows (``"0800"``, ``"20"``, ``"8:5"``, ``"eight"``)."""


class TimeOfDayError(ValueError):
    """:func:`parse_time_of_day` refused a text.

    A :class:`ValueError`, so ``except ValueError`` keeps catching it.

    Attributes:
        reason: What is wrong, as a :class:`TimeReason`; ``str(error)`` is its value
            (``"hour_24"``), a code for the caller to put into words.
    """

    reason: TimeReason

    def __init__(self, reason: TimeReason) -> None:
        self.reason = TimeReason(reason)
        super().__init__(self.reason.value)


def parse_time_of_day(text: str) -> time:
    """Read a wall time typed by a user.

    Args:
        text: ``"H:MM"`` / ``"HH:MM"`` on a 24-hour clock (``"20:00"``, ``"8:05"``), or a
            12-hour time with am/pm (``"8pm"``, ``"8 pm"``, ``"8:30pm"``, ``"8:30 p.m."``);
            also ``"20.00"``, ``"20h"``, ``"20h30"``, ``"noon"`` and ``"midnight"``.
            Surrounding whitespace and letter case are ignored. ``"12am"`` is 00:00 and
            ``"12pm"`` is 12:00.

    Returns:
        A naive :class:`datetime.time` with whole minutes (seconds 0), to be read in the
        pair's time zone.

    Raises:
        TimeOfDayError: (a :class:`ValueError`) for anything else, with ``reason``

            * :attr:`TimeReason.EMPTY` for an empty or all-whitespace text;
            * :attr:`TimeReason.HOUR_24` for an hour over 23 on a 24-hour clock
              (``"25:00"``, ``"24:00"``, ``"25h"``);
            * :attr:`TimeReason.MINUTE` for minutes over 59 (``"12:60"``, ``"8:60pm"``);
            * :attr:`TimeReason.HOUR_12` for an hour outside 1–12 with am/pm (``"13pm"``,
              ``"0am"``);
            * :attr:`TimeReason.UNREADABLE` for any other text (``"0800"``, ``"20"``,
              ``"8:5"``, ``"20:00:00"``, ``"eight"``).
    """
    cleaned = " ".join(text.split()).casefold()
    if not cleaned:
        raise TimeOfDayError(TimeReason.EMPTY)
    if cleaned in _NAMED_TIMES:
        return _NAMED_TIMES[cleaned]
    match = _TIME_24H.fullmatch(cleaned)
    if match is not None:
        hour, minute = int(match["hour"]), int(match["minute"] or 0)
        if hour > 23:
            raise TimeOfDayError(TimeReason.HOUR_24)
        if minute > 59:
            raise TimeOfDayError(TimeReason.MINUTE)
        return time(hour, minute)
    match = _TIME_12H.fullmatch(cleaned)
    if match is not None:
        hour = int(match["hour"])
        minute = int(match["minute"] or 0)
        if not 1 <= hour <= 12:
            raise TimeOfDayError(TimeReason.HOUR_12)
        if minute > 59:
            raise TimeOfDayError(TimeReason.MINUTE)
        hour %= 12
        if match["half"] == "p":
            hour += 12
        return time(hour, minute)
    raise TimeOfDayError(TimeReason.UNREADABLE)


#: "20:00", "20.00" and "20h" / "20h30" (a common way to write times in Europe).
_TIME_24H: Final = re.compile(r"(?P<hour>[0-9]{1,2})(?:[:.h](?P<minute>[0-9]{2})|h(?P<none>))")
_NAMED_TIMES: Final = {"noon": time(12, 0), "midday": time(12, 0), "midnight": time(0, 0)}
_TIME_12H: Final = re.compile(
    r"(?P<hour>[0-9]{1,2})(?::(?P<minute>[0-9]{2}))? ?(?P<half>[ap])(?:m|\.m\.)"
)


@dataclass(frozen=True, slots=True)
class QuietHours:
    """One person's quiet hours: local wall times ``start`` (inclusive) to ``end`` (exclusive),
    read in that person's own time zone (issue 12). ``start > end`` spans midnight (22:00 to
    08:00); ``start < end`` lies within one day (01:00 to 09:00). ``start == end`` is refused:
    it would mean either nothing or the whole day.

    Stored as ``"HH:MM-HH:MM"`` (:meth:`stored`, :meth:`from_stored`); a user who turned them
    off has ``None`` (see :func:`quiet_from_stored`).
    """

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start.replace(tzinfo=None) == self.end.replace(tzinfo=None):
            raise ValueError("quiet hours must not start and end at the same time")

    def contains(self, local: time) -> bool:
        """Whether a local wall time (its ``tzinfo`` ignored) lies inside these quiet hours."""
        wall = local.replace(tzinfo=None)
        if self.start > self.end:
            return wall >= self.start or wall < self.end
        return self.start <= wall < self.end

    def covers(self, instant: datetime, zone: str) -> bool:
        """Whether the aware ``instant`` falls inside these quiet hours on ``zone``'s clocks.
        Raises ValueError for a naive instant or an unknown zone."""
        return self.contains(local_time(instant, zone).time())

    def end_after(self, instant: datetime, zone: str) -> datetime | None:
        """When the quiet hours that hold the aware ``instant`` end (aware UTC), or None when
        ``instant`` is outside them. A wall time a clock change skips resolves as
        :func:`next_occurrence` does (the first minute that exists)."""
        if not self.covers(instant, zone):
            return None
        local = local_time(instant, zone)
        wall = local.time().replace(tzinfo=None)
        day = local.date() if wall < self.end else local.date() + timedelta(days=1)
        return _wall_to_instant(day, self.end, _zone(zone))

    def stored(self) -> str:
        """``"HH:MM-HH:MM"``, the stored form."""
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    @classmethod
    def from_stored(cls, raw: str) -> QuietHours:
        """Inverse of :meth:`stored`. Raises ValueError for anything else."""
        first, _, second = raw.partition("-")
        return cls(time.fromisoformat(first), time.fromisoformat(second))


DEFAULT_QUIET_HOURS: Final = QuietHours(QUIET_START, QUIET_END)
"""Everyone's quiet hours until they choose others: 22:00 to 08:00 on their own clock."""

QUIET_OFF: Final = "off"
"""The stored value of a user who turned quiet hours off (``/quiet off``)."""


def quiet_from_stored(raw: str | None) -> QuietHours | None:
    """A user's quiet hours from the stored column: None (never chosen) is
    :data:`DEFAULT_QUIET_HOURS`; :data:`QUIET_OFF` is None (no quiet hours); a value that does
    not parse falls back to the default (never to none: silence is the safe side)."""
    if raw is None:
        return DEFAULT_QUIET_HOURS
    if raw == QUIET_OFF:
        return None
    try:
        return QuietHours.from_stored(raw)
    except ValueError:
        return DEFAULT_QUIET_HOURS


def next_morning(now: datetime, zone: str) -> datetime:
    """The next end of the quiet hours (08:00 local in ``zone``) after ``now``.

    Args:
        now: An aware instant.
        zone: An IANA timezone name.

    Returns:
        An aware UTC instant: today's 08:00 in ``zone`` if that is still ahead, else
        tomorrow's. Used to move something that came due at night (after downtime).
    """
    local = local_time(now, zone)
    day = local.date() if local.time() < QUIET_END else local.date() + timedelta(days=1)
    return datetime.combine(day, QUIET_END, _zone(zone)).astimezone(UTC)


def is_night(local: time) -> bool:
    """Tell whether a local wall time lies in quiet hours.

    Args:
        local: A wall time on the partner's clock (a ``tzinfo`` on it is ignored).

    Returns:
        ``True`` from :data:`QUIET_START` (22:00, inclusive) to :data:`QUIET_END` (08:00,
        exclusive), otherwise ``False``. Used to keep reminders out of the night and to let
        ``/settings`` say when the pair's time falls in one partner's night (DESIGN.md, "A
        round's life", step 2).
    """
    wall = local.replace(tzinfo=None)
    return wall >= QUIET_START or wall < QUIET_END


def reminder_instant(
    opened_at: datetime,
    expires_at: datetime,
    timezone: str,
    quiet: QuietHours | None = DEFAULT_QUIET_HOURS,
) -> datetime | None:
    """Pick the one reminder for a round's window, outside the partner's quiet hours.

    Args:
        opened_at: When the round opened. Aware, any time zone.
        expires_at: When the round expires; must be after ``opened_at``. Aware, any zone.
        timezone: IANA time zone of the partner being reminded; quiet hours are read there.
        quiet: The reminded partner's own quiet hours (``User.quiet``, issue 12; default
            :data:`DEFAULT_QUIET_HOURS`, 22:00-08:00); None (turned off) leaves the whole day
            open, so the reminder comes halfway.

    Returns:
        An aware UTC instant in ``[opened_at, expires_at)``, or ``None`` for no reminder:

        1. halfway through the window, unless that is in the quiet hours;
        2. else the end of those quiet hours (08:00 local by default) after halfway, if it is
           at least 30 minutes (:data:`REMINDER_MARGIN`) before ``expires_at``;
        3. else 30 minutes before they began (21:30 local by default, the last moment that
           leaves the partner 30 minutes before the night), if it is at least 30 minutes after
           ``opened_at`` and not itself inside quiet hours of almost a whole day;
        4. else ``None``: the window sits inside one night, and the partner already got the
           question when it opened.

        Local wall times that a clock change skips follow :func:`next_occurrence`'s rule (the
        first minute that exists). The rule is a product decision for Tandem: one nudge per
        round, never at night.

    Raises:
        ValueError: if either instant is naive, ``expires_at`` is not after ``opened_at``, or
            ``timezone`` is unknown.
    """
    _require_aware(opened_at, "opened_at")
    _require_aware(expires_at, "expires_at")
    if expires_at <= opened_at:
        raise ValueError("expires_at must be after opened_at")
    zone = _zone(timezone)
    opened = opened_at.astimezone(UTC)
    expires = expires_at.astimezone(UTC)
    halfway = opened + (expires - opened) / 2
    local = halfway.astimezone(zone)
    if quiet is None or not quiet.contains(local.time()):
        return halfway
    # The quiet hours containing `halfway` began at `quiet.start` on `began`.
    wall = local.time().replace(tzinfo=None)
    spans_midnight = quiet.start > quiet.end
    began = (
        local.date() - timedelta(days=1) if spans_midnight and wall < quiet.end else local.date()
    )
    ends = began + timedelta(days=1) if spans_midnight else began
    morning = _wall_to_instant(ends, quiet.end, zone)
    if morning <= expires - REMINDER_MARGIN:
        return morning
    margin_before = datetime.combine(began, quiet.start) - REMINDER_MARGIN
    before_night = _wall_to_instant(margin_before.date(), margin_before.time(), zone)
    # Quiet hours of almost a whole day leave no evening before them.
    evening = not quiet.contains(before_night.astimezone(zone).time())
    if evening and before_night >= opened + REMINDER_MARGIN:
        return before_night
    return None


def local_time(instant: datetime, timezone: str) -> datetime:
    """Show an instant on the clocks of a time zone.

    Args:
        instant: Aware datetime, any time zone.
        timezone: IANA time zone name.

    Returns:
        The same instant as an aware datetime in ``timezone`` (``fold`` set for the second
        reading of a repeated hour), e.g. for telling each partner the time on their own
        clock (DESIGN.md, "A round's life", step 2).

    Raises:
        ValueError: if ``instant`` is naive or ``timezone`` is unknown.
    """
    _require_aware(instant, "instant")
    return instant.astimezone(_zone(timezone))


# --- helpers -------------------------------------------------------------------------------


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got a naive one: {value!r}")


def _zone(name: str) -> tzinfo:
    """Load a stored zone (an IANA name or a fixed offset ``"UTC+05:30"``, see
    :func:`scheduler.zones.zone_info`); ValueError for an unknown one."""
    return zone_info(name)


def _wall_to_instant(day: date, wall: time, zone: tzinfo) -> datetime:
    """Return the UTC instant at which clocks in ``zone`` first read ``wall`` on ``day``.

    Repeated wall time (fall back): the first reading (``fold=0``). Skipped wall time (spring
    forward): the first whole wall-clock minute that exists after it, i.e. the jump itself.
    The result's local date can differ from ``day`` only if the jump crosses midnight.
    """
    naive = datetime.combine(day, wall.replace(fold=0))
    first = naive.replace(tzinfo=zone).astimezone(UTC)
    if _wall(first, zone) == naive:
        return first
    # `naive` lies in a gap. Reading it with the offset before the jump (fold=0) gives an
    # instant after the jump; reading it with the offset after the jump (fold=1) gives one
    # before it.
    low = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)  # wall time < naive
    high = first  # wall time > naive
    # Bisect (to the microsecond, ~40 steps for a whole lost day) for the jump: the first
    # instant whose wall time is >= naive.
    while high - low > _RESOLUTION:
        middle = low + (high - low) // 2
        if _wall(middle, zone) >= naive:
            high = middle
        else:
            low = middle
    shown = _wall(high, zone)
    if shown.second or shown.microsecond:  # only odd pre-1970 offsets; round up to a minute
        high += timedelta(minutes=1) - timedelta(
            seconds=shown.second, microseconds=shown.microsecond
        )
    return high


_RESOLUTION: Final = timedelta(microseconds=1)


def _wall(instant: datetime, zone: tzinfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None, fold=0)


@functools.cache
def _trigger(frequency: Frequency, weekday: int, days: tuple[int, ...] = ()) -> CronTrigger:
    """A CronTrigger firing at 00:00 on each allowed date of a DST-free (UTC) calendar."""
    if frequency == Frequency.DAILY:
        day_of_week = "*"
    elif frequency == Frequency.WEEKDAYS:
        day_of_week = "mon-fri"
    elif frequency == Frequency.DAYS:
        day_of_week = ",".join(_WEEKDAY_NAMES[d] for d in sorted(set(days)))
    else:
        day_of_week = _WEEKDAY_NAMES[weekday]
    return CronTrigger(day_of_week=day_of_week, hour=0, minute=0, second=0, timezone="UTC")


def _firing_dates(
    frequency: Frequency, weekday: int, start: date, days: tuple[int, ...] = ()
) -> Iterator[date]:
    """Yield the calendar dates >= ``start`` on which ``frequency`` fires, in order."""
    trigger = _trigger(frequency, weekday if frequency == Frequency.WEEKLY else 0, days)
    day = start
    while True:
        probe = datetime.combine(day, time(0), tzinfo=UTC)
        fire: datetime | None = trigger.get_next_fire_time(None, probe)
        if fire is None:
            raise OverflowError("CronTrigger ran out of years")
        yield fire.date()
        day = fire.date() + timedelta(days=1)
