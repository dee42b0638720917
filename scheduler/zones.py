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
from enum import StrEnum
from importlib.resources import files
from typing import Final

__all__ = [
    "MAX_TIMEZONE_INPUT",
    "UNUSABLE_ZONES",
    "ZoneError",
    "ZoneReason",
    "country_of",
    "parse_timezone",
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
    """Turn what a user typed into an IANA time zone name.

    Args:
        text: One of, tried in this order, ignoring surrounding whitespace, letter case and
            accents (``"Zürich"`` reads as ``"Zurich"``):

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
        :data:`UNUSABLE_ZONES`), usable as :attr:`scheduler.cadence.Cadence.timezone`.

    Raises:
        ZoneError: (a :class:`ValueError`) with ``reason``

            * :attr:`ZoneReason.EMPTY` for an empty or all-whitespace text;
            * :attr:`ZoneReason.TOO_LONG` for a text longer than :data:`MAX_TIMEZONE_INPUT`
              (64) characters once runs of whitespace are collapsed to one space;
            * :attr:`ZoneReason.UNKNOWN` for a name no zone matches (``"Mars/Olympus"``,
              ``"Atlantis"``, ``"Factory"``, ``"../../etc/passwd"``).
    """
    cleaned = " ".join(_fold_accents(text).split())
    if not cleaned:
        raise ZoneError(ZoneReason.EMPTY)
    if len(cleaned) > MAX_TIMEZONE_INPUT:
        raise ZoneError(ZoneReason.TOO_LONG)
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
    raise ZoneError(ZoneReason.UNKNOWN)


def _fold_accents(text: str) -> str:
    """Drop accents (Zürich -> Zurich, São Paulo -> Sao Paulo): zone names are plain ASCII."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


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
