"""A pair's schedule (cadence) turned into instants: when a round opens, when to remind.

This module is pure time arithmetic. It imports nothing from ``bot/`` (see the dependency rule
in ``DESIGN.md``) and touches no clock: every function takes the instant it reasons about.

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
import unicodedata
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Final

from apscheduler.triggers.cron import CronTrigger

__all__ = [
    "QUIET_END",
    "QUIET_START",
    "REMINDER_MARGIN",
    "Cadence",
    "Frequency",
    "is_night",
    "local_time",
    "next_occurrence",
    "parse_time_of_day",
    "parse_timezone",
    "reminder_instant",
]

QUIET_START: Final = time(22, 0)
"""Local wall time at which quiet hours begin (inclusive). No reminder is sent from here…"""

QUIET_END: Final = time(8, 0)
"""…until this local wall time (exclusive), in the reminded partner's time zone."""

REMINDER_MARGIN: Final = timedelta(minutes=30)
"""A moved reminder must keep this distance from the window's edges (see reminder_instant)."""

# The last moment before quiet hours that leaves the partner REMINDER_MARGIN of evening.
_QUIET_START_MINUS_MARGIN: Final = time(21, 30)

MAX_TIMEZONE_INPUT: Final = 64
"""Longest text parse_timezone looks at, in characters (the longest IANA name is ~32)."""

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
        timezone: IANA time zone name, e.g. ``"Europe/Berlin"`` (use :func:`parse_timezone` to
            get one from user input). The pair's time zone: both partners get the question at
            this wall time here (DESIGN.md, "A round's life", step 2).
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
        ValueError: with a message fit to show the user, for anything else: an empty string,
            ``"25:00"``, ``"12:60"``, ``"13pm"``, ``"0800"``, ``"20"``, ….
    """
    cleaned = " ".join(text.split()).casefold()
    if not cleaned:
        raise ValueError("Please send a time, for example 20:00 or 8pm.")
    if cleaned in _NAMED_TIMES:
        return _NAMED_TIMES[cleaned]
    match = _TIME_24H.fullmatch(cleaned)
    if match is not None:
        hour, minute = int(match["hour"]), int(match["minute"] or 0)
        if hour > 23:
            raise ValueError("Hours go from 0 to 23 on a 24-hour clock, for example 20:00.")
        if minute > 59:
            raise ValueError("Minutes go from 00 to 59, for example 20:30.")
        return time(hour, minute)
    match = _TIME_12H.fullmatch(cleaned)
    if match is not None:
        hour = int(match["hour"])
        minute = int(match["minute"] or 0)
        if not 1 <= hour <= 12:
            raise ValueError("With am/pm the hour goes from 1 to 12, for example 8pm or 12am.")
        if minute > 59:
            raise ValueError("Minutes go from 00 to 59, for example 8:30pm.")
        hour %= 12
        if match["half"] == "p":
            hour += 12
        return time(hour, minute)
    raise ValueError("I couldn't read that as a time. Try 20:00, 8:30pm or 8 pm.")


#: "20:00", "20.00" and "20h" / "20h30" (a common way to write times in Europe).
_TIME_24H: Final = re.compile(r"(?P<hour>[0-9]{1,2})(?:[:.h](?P<minute>[0-9]{2})|h(?P<none>))")
_NAMED_TIMES: Final = {"noon": time(12, 0), "midday": time(12, 0), "midnight": time(0, 0)}
_TIME_12H: Final = re.compile(
    r"(?P<hour>[0-9]{1,2})(?::(?P<minute>[0-9]{2}))? ?(?P<half>[ap])(?:m|\.m\.)"
)


def _fold_accents(text: str) -> str:
    """Drop accents (Zürich -> Zurich, São Paulo -> Sao Paulo): zone names are plain ASCII."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def parse_timezone(text: str) -> str:
    """Turn what a user typed into an IANA time zone name.

    Args:
        text: One of, tried in this order, ignoring surrounding whitespace and letter case:

            1. a common name from a small alias table for places and abbreviations that are
               not zone names (``"UTC"``/``"GMT"`` → ``"UTC"``, ``"munich"`` →
               ``"Europe/Berlin"``, ``"seattle"`` → ``"America/Los_Angeles"``, ``"boston"`` →
               ``"America/New_York"``, ``"beijing"`` → ``"Asia/Shanghai"``, ``"india"`` →
               ``"Asia/Kolkata"``, ``"US/Eastern"`` → ``"America/New_York"``, …);
            2. an exact zone name (``"america/new_york"`` → ``"America/New_York"``; spaces may
               stand for underscores);
            3. a city: the last component(s) of a zone name, with spaces, underscores or
               hyphens alike (``"berlin"``, ``"new york"``, ``"Sao Paulo"``,
               ``"argentina/buenos aires"``). When several zones match, canonical ones win
               over legacy links: zones under ``Africa``, ``America``, ``Antarctica``,
               ``Arctic``, ``Asia``, ``Atlantic``, ``Australia``, ``Europe``, ``Indian`` and
               ``Pacific`` beat the rest, then longer names beat shorter ones (the 3-part
               ``America/Argentina/Buenos_Aires`` is canonical, ``America/Buenos_Aires`` is
               its backward-compatible link). ``Etc/``, ``SystemV/``, ``US/``, ``Canada/``,
               ``Brazil/``, ``Chile/`` and ``Mexico/`` names are never matched as cities
               (``Etc/GMT-5`` means UTC+5, which nobody guesses).

    Returns:
        A name from :func:`zoneinfo.available_timezones`, usable as :attr:`Cadence.timezone`.

    Raises:
        ValueError: with a message fit to show the user, for empty input, input longer than
            64 characters, or a name no zone matches (``"Mars/Olympus"``).
    """
    cleaned = " ".join(_fold_accents(text).split())
    if not cleaned:
        raise ValueError("Please send a city or a time zone, for example Berlin or New York.")
    if len(cleaned) > MAX_TIMEZONE_INPUT:
        raise ValueError("That is too long for a time zone. Send a city, for example Berlin.")
    index = _timezone_index()
    folded = cleaned.casefold()
    for lookup, key in (
        (index.aliases, _alias_key(folded)),
        (index.exact, folded.replace(" ", "_")),
        (index.suffixes, _suffix_key(folded)),
    ):
        found = lookup.get(key)
        if found is not None:
            return found
    raise ValueError(
        "I don't know that time zone. Send a big city near you (Berlin, New York, Sao Paulo) "
        "or a name like Europe/Berlin."
    )


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
    return datetime.combine(day, QUIET_END, zoneinfo.ZoneInfo(zone)).astimezone(UTC)


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


def reminder_instant(opened_at: datetime, expires_at: datetime, timezone: str) -> datetime | None:
    """Pick the one reminder for a round's window, outside the partner's quiet hours.

    Args:
        opened_at: When the round opened. Aware, any time zone.
        expires_at: When the round expires; must be after ``opened_at``. Aware, any zone.
        timezone: IANA time zone of the partner being reminded; quiet hours are read there.

    Returns:
        An aware UTC instant in ``[opened_at, expires_at)``, or ``None`` for no reminder:

        1. halfway through the window, unless that is in quiet hours (:func:`is_night`);
        2. else the next 08:00 local after halfway, if it is at least 30 minutes
           (:data:`REMINDER_MARGIN`) before ``expires_at``;
        3. else 21:30 local on the evening the quiet hours began (the last moment that leaves
           the partner 30 minutes before the night), if it is at least 30 minutes after
           ``opened_at``;
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
    if not is_night(local.time()):
        return halfway
    # The quiet hours containing `halfway` began at 22:00 on `evening`.
    evening = local.date() if local.time() >= QUIET_START else local.date() - timedelta(days=1)
    morning = _wall_to_instant(evening + timedelta(days=1), QUIET_END, zone)
    if morning <= expires - REMINDER_MARGIN:
        return morning
    before_night = _wall_to_instant(evening, _QUIET_START_MINUS_MARGIN, zone)
    if before_night >= opened + REMINDER_MARGIN:
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


def _zone(name: str) -> zoneinfo.ZoneInfo:
    """Load an IANA zone, turning zoneinfo's KeyError into ValueError."""
    if not isinstance(name, str) or not name or name in _UNUSABLE_NAMES:
        raise ValueError(f"unknown time zone: {name!r}")
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(f"unknown time zone: {name!r}") from exc


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


# --- time zone names -----------------------------------------------------------------------

# Names zoneinfo may list that are not real choices for a couple.
_UNUSABLE_NAMES: Final = frozenset({"Factory", "localtime", "posixrules"})

_CANONICAL_AREAS: Final = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)

# Legacy multi-part areas whose last component is no city (US/Eastern, Etc/GMT-5, …).
_NO_CITY_AREAS: Final = frozenset({"Etc", "SystemV", "US", "Canada", "Brazil", "Chile", "Mexico"})

# Common names that are not (canonical) zone components. Keys are compared after casefolding
# and collapsing spaces, underscores and hyphens to one space. A target missing from the
# installed tz database is skipped.
_ALIASES: Final[dict[str, str]] = {
    # UTC and friends
    "utc": "UTC",
    "gmt": "UTC",
    "z": "UTC",
    "zulu": "UTC",
    "uct": "UTC",
    "universal": "UTC",
    "greenwich": "UTC",
    "etc/utc": "UTC",
    "etc/gmt": "UTC",
    "etc/uct": "UTC",
    "etc/universal": "UTC",
    "etc/zulu": "UTC",
    "etc/greenwich": "UTC",
    "gmt0": "UTC",
    "gmt+0": "UTC",
    "gmt 0": "UTC",
    # North America
    "san francisco": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "portland": "America/Los_Angeles",
    "las vegas": "America/Los_Angeles",
    "san diego": "America/Los_Angeles",
    "california": "America/Los_Angeles",
    "pacific": "America/Los_Angeles",
    "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles",
    "us/pacific": "America/Los_Angeles",
    "washington": "America/New_York",
    "washington dc": "America/New_York",
    "boston": "America/New_York",
    "philadelphia": "America/New_York",
    "miami": "America/New_York",
    "atlanta": "America/New_York",
    "nyc": "America/New_York",
    "eastern": "America/New_York",
    "est": "America/New_York",
    "edt": "America/New_York",
    "us/eastern": "America/New_York",
    "dallas": "America/Chicago",
    "houston": "America/Chicago",
    "austin": "America/Chicago",
    "central": "America/Chicago",
    "cdt": "America/Chicago",
    "us/central": "America/Chicago",
    "mountain": "America/Denver",
    "mdt": "America/Denver",
    "us/mountain": "America/Denver",
    "arizona": "America/Phoenix",
    "us/arizona": "America/Phoenix",
    "alaska": "America/Anchorage",
    "us/alaska": "America/Anchorage",
    "hawaii": "Pacific/Honolulu",
    "us/hawaii": "Pacific/Honolulu",
    "montreal": "America/Toronto",
    "ottawa": "America/Toronto",
    # Europe
    "munich": "Europe/Berlin",
    "münchen": "Europe/Berlin",
    "hamburg": "Europe/Berlin",
    "frankfurt": "Europe/Berlin",
    "cologne": "Europe/Berlin",
    "germany": "Europe/Berlin",
    "france": "Europe/Paris",
    "spain": "Europe/Madrid",
    "barcelona": "Europe/Madrid",
    "italy": "Europe/Rome",
    "milan": "Europe/Rome",
    "uk": "Europe/London",
    "england": "Europe/London",
    "manchester": "Europe/London",
    "edinburgh": "Europe/London",
    "gb": "Europe/London",
    "ireland": "Europe/Dublin",
    "eire": "Europe/Dublin",
    "geneva": "Europe/Zurich",
    "switzerland": "Europe/Zurich",
    "poland": "Europe/Warsaw",
    "portugal": "Europe/Lisbon",
    "netherlands": "Europe/Amsterdam",
    "st petersburg": "Europe/Moscow",
    "kiev": "Europe/Kyiv",
    "istanbul": "Europe/Istanbul",
    "turkey": "Europe/Istanbul",
    "nicosia": "Asia/Nicosia",
    # Asia
    "beijing": "Asia/Shanghai",
    "china": "Asia/Shanghai",
    "prc": "Asia/Shanghai",
    "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata",
    "mumbai": "Asia/Kolkata",
    "bombay": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata",
    "bengaluru": "Asia/Kolkata",
    "calcutta": "Asia/Kolkata",
    "india": "Asia/Kolkata",
    "japan": "Asia/Tokyo",
    "osaka": "Asia/Tokyo",
    "korea": "Asia/Seoul",
    "rok": "Asia/Seoul",
    "hongkong": "Asia/Hong_Kong",
    "saigon": "Asia/Ho_Chi_Minh",
    "israel": "Asia/Jerusalem",
    "tel aviv": "Asia/Jerusalem",
    "iran": "Asia/Tehran",
    "singapore": "Asia/Singapore",
    "abu dhabi": "Asia/Dubai",
    # Oceania and the south
    "canberra": "Australia/Sydney",
    "australia": "Australia/Sydney",
    "wellington": "Pacific/Auckland",
    "new zealand": "Pacific/Auckland",
    "nz": "Pacific/Auckland",
    "samoa": "Pacific/Apia",
    "taiwan": "Asia/Taipei",
    "roc": "Asia/Taipei",
    "cuba": "America/Havana",
    "jamaica": "America/Jamaica",
    "iceland": "Atlantic/Reykjavik",
    "libya": "Africa/Tripoli",
    "navajo": "America/Denver",
    "w su": "Europe/Moscow",
    "gb eire": "Europe/London",
    "rio": "America/Sao_Paulo",
    "rio de janeiro": "America/Sao_Paulo",
    "são paulo": "America/Sao_Paulo",
    "brasilia": "America/Sao_Paulo",
    "buenos aires": "America/Argentina/Buenos_Aires",
    "cape town": "Africa/Johannesburg",
    "egypt": "Africa/Cairo",
}


@dataclass(frozen=True)
class _TimezoneIndex:
    aliases: dict[str, str]
    exact: dict[str, str]
    suffixes: dict[str, str]


def _alias_key(folded: str) -> str:
    return re.sub(r"[\s_\-]+", " ", folded).strip()


def _suffix_key(folded: str) -> str:
    return re.sub(r"[\s_\-]+", "_", folded).strip("_")


def _rank(name: str) -> tuple[bool, int, str]:
    """Sort key: canonical areas first, then more components, then alphabetical."""
    parts = name.split("/")
    legacy = parts[0] not in _CANONICAL_AREAS and name != "UTC"
    return (legacy, -len(parts), name)


@functools.cache
def _timezone_index() -> _TimezoneIndex:
    """Build the lookup tables once from the installed tz database (a filesystem scan)."""
    names = zoneinfo.available_timezones() - _UNUSABLE_NAMES
    aliases = {_alias_key(k): v for k, v in _ALIASES.items() if v in names}
    exact = {name.casefold(): name for name in names}
    candidates: dict[str, list[str]] = {}
    for name in names:
        parts = name.split("/")
        if len(parts) > 1 and parts[0] in _NO_CITY_AREAS:
            continue
        for i in range(len(parts)):
            key = _suffix_key("/".join(parts[i:]).casefold())
            candidates.setdefault(key, []).append(name)
    suffixes = {key: min(found, key=_rank) for key, found in candidates.items()}
    return _TimezoneIndex(aliases=aliases, exact=exact, suffixes=suffixes)
