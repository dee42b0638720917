"""Time zone names from what a user typed: :func:`parse_timezone` and its alias tables.

Pure lookups over the installed tz database (read once, then cached). This module imports
nothing from ``bot/`` (see the dependency rule in ``DESIGN.md``) and nothing else of ours.

A refusal is a :class:`ZoneError` carrying a :class:`ZoneReason` code, never a sentence: the
caller chooses the words, in the user's language.
"""

from __future__ import annotations

import functools
import re
import unicodedata
import zoneinfo
from dataclasses import dataclass
from datetime import timedelta, timezone, tzinfo
from enum import StrEnum
from importlib.resources import files
from typing import Final

__all__ = [
    "MAX_TIMEZONE_INPUT",
    "UNUSABLE_ZONES",
    "ZoneError",
    "ZoneReason",
    "country_of",
    "fixed_offset",
    "fixed_stored",
    "is_posix_offset",
    "parse_timezone",
    "zone_info",
]

MAX_TIMEZONE_INPUT: Final = 64
"""Longest text parse_timezone looks at, in characters (the longest IANA name is ~32)."""

UNUSABLE_ZONES: Final = frozenset({"Factory", "localtime", "posixrules"})
"""Names zoneinfo may list that are not real choices for a couple (never parsed or accepted)."""


class ZoneReason(StrEnum):
    """Why :func:`parse_timezone` refused a text. The values are stable codes, not prose."""

    EMPTY = "empty"
    """Nothing but whitespace."""
    TOO_LONG = "too_long"
    """Longer than :data:`MAX_TIMEZONE_INPUT` characters once whitespace is collapsed."""
    UNKNOWN = "unknown"
    """No alias, zone name or city matches (``"Mars/Olympus"``)."""
    OFFSET = "offset"
    """An offset from UTC outside UTC-12:00 … UTC+14:00 or not in quarter hours (``"UTC+15"``,
    ``"+03:10"``): the user gets told the range, not "no such zone" (issue 12)."""


class ZoneError(ValueError):
    """:func:`parse_timezone` refused a text.

    A :class:`ValueError`, so ``except ValueError`` keeps catching it.

    Attributes:
        reason: What is wrong, as a :class:`ZoneReason`; ``str(error)`` is its value
            (``"unknown"``), a code for the caller to put into words.
    """

    reason: ZoneReason

    def __init__(self, reason: ZoneReason) -> None:
        self.reason = ZoneReason(reason)
        super().__init__(self.reason.value)


def parse_timezone(text: str) -> str:
    """Turn what a user typed into an IANA time zone name or a fixed offset.

    Args:
        text: One of, tried in this order, ignoring surrounding whitespace, letter case,
            accents (``"Zürich"`` reads as ``"Zurich"``) and invisible formatting characters:

            0. a fixed offset from UTC (issue 12): ``"GMT+3"``, ``"UTC+5:30"``, ``"+03:00"``,
               ``"UTC-8"``, ``"gmt -3"``, ``"+0530"``, from UTC-12:00 to UTC+14:00 in quarter
               hours; and the POSIX names ``"Etc/GMT-3"``, whose sign is inverted (it means
               UTC+3), read as the offset people mean by them. Stored as
               :func:`fixed_stored` gives it (``"UTC+03:00"``; a zero offset is ``"UTC"``):
               a fixed offset does not follow daylight saving, and the caller says so;

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
        A name from :func:`zoneinfo.available_timezones` (never one of
        :data:`UNUSABLE_ZONES`) or a fixed offset ``"UTC±HH:MM"``; either is usable as
        :attr:`scheduler.cadence.Cadence.timezone` and turns into a tzinfo with
        :func:`zone_info`.

    Raises:
        ZoneError: (a :class:`ValueError`) with ``reason``

            * :attr:`ZoneReason.EMPTY` for an empty or all-whitespace text;
            * :attr:`ZoneReason.TOO_LONG` for a text longer than :data:`MAX_TIMEZONE_INPUT`
              (64) characters once runs of whitespace are collapsed to one space;
            * :attr:`ZoneReason.UNKNOWN` for a name no zone matches (``"Mars/Olympus"``,
              ``"Atlantis"``, ``"Factory"``, ``"../../etc/passwd"``);
            * :attr:`ZoneReason.OFFSET` for an offset out of range or not in quarter hours
              (``"UTC+15"``, ``"+03:10"``).
    """
    cleaned = " ".join(fold_accents(text).split())
    if not cleaned:
        raise ZoneError(ZoneReason.EMPTY)
    if len(cleaned) > MAX_TIMEZONE_INPUT:
        raise ZoneError(ZoneReason.TOO_LONG)
    folded = cleaned.casefold()
    offset = _typed_offset(folded)
    if offset is not None:
        return fixed_stored(offset)
    index = _timezone_index()
    for lookup, key in (
        (index.aliases, _alias_key(folded)),
        (index.exact, folded.replace(" ", "_")),
        (index.suffixes, _suffix_key(folded)),
    ):
        found = lookup.get(key)
        if found is not None:
            return found
    raise ZoneError(ZoneReason.UNKNOWN)


# --- fixed offsets (issue 12) ---------------------------------------------------------------

#: A typed offset: an optional UTC/GMT, a sign, hours, optional minutes (``+5:30``, ``+0530``).
_TYPED_OFFSET: Final = re.compile(
    r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?:(?::|\s?h\s?)?(\d{2}))?h?$"
)
#: A POSIX name: ``Etc/GMT-3`` is three hours *ahead* of UTC (the sign is inverted).
_POSIX_OFFSET: Final = re.compile(r"^etc/gmt([+-])(\d{1,2})$")
#: The stored form of a fixed offset.
_STORED_OFFSET: Final = re.compile(r"^UTC([+-])(\d{2}):(\d{2})$")
#: The offsets in use on Earth: UTC-12:00 … UTC+14:00.
_MIN_OFFSET: Final = timedelta(hours=-12)
_MAX_OFFSET: Final = timedelta(hours=14)


def _offset(sign: str, hours: str, minutes: str | None) -> timedelta | None:
    """A signed offset, or None when it is out of range or not in quarter hours."""
    mins = int(minutes or 0)
    if mins >= 60 or mins % 15:
        return None
    value = timedelta(hours=int(hours), minutes=mins) * (-1 if sign == "-" else 1)
    return value if _MIN_OFFSET <= value <= _MAX_OFFSET else None


def _typed_offset(folded: str) -> timedelta | None:
    """The offset a casefolded text names (typed or POSIX), or None when it names none.
    Raises ZoneError(OFFSET) for an offset-shaped text out of range (``UTC+15``)."""
    m = _TYPED_OFFSET.match(folded)
    posix = _POSIX_OFFSET.match(folded)
    if m is None and posix is None:
        return None
    if m is not None:
        found = _offset(m[1], m[2], m[3])
    else:
        assert posix is not None
        found = _offset("-" if posix[1] == "+" else "+", posix[2], None)
    if found is None:
        raise ZoneError(ZoneReason.OFFSET)
    return found


def is_posix_offset(text: str) -> bool:
    """Whether ``text`` is a sign-inverted POSIX name such as ``Etc/GMT-3`` (which means
    UTC+3): the caller then says how Tandem reads it."""
    return _POSIX_OFFSET.match(" ".join(text.split()).casefold()) is not None


def fixed_stored(offset: timedelta) -> str:
    """The stored form of a fixed offset: ``"UTC+05:30"``, ``"UTC-08:00"``; ``"UTC"`` for
    zero (the IANA name, which also never changes)."""
    if not offset:
        return "UTC"
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def fixed_offset(name: str) -> timedelta | None:
    """The offset of a stored fixed-offset zone (``"UTC+05:30"``), or None for any other name
    (an IANA name, including ``"UTC"``)."""
    m = _STORED_OFFSET.match(name)
    return None if m is None else _offset(m[1], m[2], m[3])


def zone_info(name: str) -> tzinfo:
    """The tzinfo for a stored zone: a :class:`datetime.timezone` for a fixed offset
    (``"UTC+05:30"``; its ``tzname`` is that name), else :class:`zoneinfo.ZoneInfo`.

    Raises:
        ValueError: for an empty, unusable (:data:`UNUSABLE_ZONES`) or unknown name.
    """
    if not isinstance(name, str) or not name or name in UNUSABLE_ZONES:
        raise ValueError(f"unknown time zone: {name!r}")
    offset = fixed_offset(name)
    if offset is not None:
        return timezone(offset, name)
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(f"unknown time zone: {name!r}") from exc


def fold_accents(text: str) -> str:
    """``text`` without accents (Zürich -> Zurich, São Paulo -> Sao Paulo, sábado -> sabado)
    and without invisible formatting characters (category Cf: a zero-width space or a
    direction mark pasted in), for matching what people type against names: zone names are
    plain ASCII, and typed day words are matched this way too (``bot.domain.dates``)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(
        ch
        for ch in decomposed
        if not unicodedata.combining(ch) and unicodedata.category(ch) != "Cf"
    )


# --- the index ---------------------------------------------------------------------------

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
    names = zoneinfo.available_timezones() - UNUSABLE_ZONES
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


def country_of(zone: str | None) -> str | None:
    """The ISO 3166-1 alpha-2 code of the country an IANA zone belongs to (``Europe/Berlin``
    → ``DE``; a link such as ``US/Eastern`` or ``Europe/Belfast`` → its target's country), or
    None for a zone of no one country (``UTC``, ``Etc/GMT+2``) or an unknown name.

    Read from the tz database's ``zone.tab`` (one country per zone), shipped by the ``tzdata``
    package or found on the system's zoneinfo path."""
    if not zone:
        return None
    countries, links = _zone_countries()
    return countries.get(zone) or countries.get(links.get(zone, ""))


def _tz_file(name: str) -> str | None:
    """A text file of the tz database (``zone.tab``, ``tzdata.zi``), or None if not found."""
    try:
        return files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        pass
    for folder in zoneinfo.TZPATH:
        try:
            with open(f"{folder}/{name}", encoding="utf-8") as handle:
                return handle.read()
        except OSError:
            continue
    return None


@functools.cache
def _zone_countries() -> tuple[dict[str, str], dict[str, str]]:
    """(zone → country code from ``zone.tab``, link name → target from ``tzdata.zi``)."""
    countries: dict[str, str] = {}
    for line in (_tz_file("zone.tab") or "").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) >= 3:
            countries[fields[2]] = fields[0]
    links: dict[str, str] = {}
    for line in (_tz_file("tzdata.zi") or "").splitlines():
        if line.startswith("L "):
            _, target, name = line.split()[:3]
            links[name] = target
    return countries, links
