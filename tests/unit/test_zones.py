"""Tests for scheduler.zones: a time zone name from what a user typed, or a reason code."""

from __future__ import annotations

import zoneinfo
from datetime import time

import pytest

from scheduler.cadence import Cadence, Frequency
from scheduler.zones import MAX_TIMEZONE_INPUT, ZoneError, ZoneReason, parse_timezone

# --- accepted ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("america/new_york", "America/New_York"),
        ("AMERICA/NEW YORK", "America/New_York"),
        ("  Asia/Tokyo ", "Asia/Tokyo"),
        ("berlin", "Europe/Berlin"),
        ("BERLIN", "Europe/Berlin"),
        ("new york", "America/New_York"),
        ("New_York", "America/New_York"),
        ("new   york", "America/New_York"),
        ("Sao Paulo", "America/Sao_Paulo"),
        ("São Paulo", "America/Sao_Paulo"),
        ("Zürich", "Europe/Zurich"),
        ("\u200bBerlin", "Europe/Berlin"),  # a zero-width space pasted in
        ("\u200eNew\u2060 York\u200f", "America/New_York"),  # direction marks, word joiner
        ("los angeles", "America/Los_Angeles"),
        ("port au prince", "America/Port-au-Prince"),
        ("kolkata", "Asia/Kolkata"),
        ("UTC", "UTC"),
        ("utc", "UTC"),
        ("GMT", "UTC"),
        ("Etc/UTC", "UTC"),
        ("munich", "Europe/Berlin"),
        ("San Francisco", "America/Los_Angeles"),
        ("seattle", "America/Los_Angeles"),
        ("washington", "America/New_York"),
        ("boston", "America/New_York"),
        ("beijing", "Asia/Shanghai"),
        ("delhi", "Asia/Kolkata"),
        ("mumbai", "Asia/Kolkata"),
        ("india", "Asia/Kolkata"),
        ("sydney", "Australia/Sydney"),
        ("US/Eastern", "America/New_York"),
        ("Japan", "Asia/Tokyo"),
        # canonical zones beat their backward-compatible links
        ("indianapolis", "America/Indiana/Indianapolis"),
        ("buenos aires", "America/Argentina/Buenos_Aires"),
        ("louisville", "America/Kentucky/Louisville"),
        ("argentina/cordoba", "America/Argentina/Cordoba"),
        ("istanbul", "Europe/Istanbul"),
    ],
)
def test_parse_timezone_accepts(text: str, expected: str) -> None:
    assert parse_timezone(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Mars/Olympus",
        "",
        "   ",
        "x" * 65,
        "Europe/Berlin" + " " * 10 + "x" * 60,
        "Atlantis",
        "gmt 5",  # Etc/GMT-5 is never guessed from a city-like input
        "eastern europe",
        "../../etc/passwd",
        "/usr/share/zoneinfo/Europe/Berlin",
        "Factory",
        "localtime",
        "Europe/",
        "Europe",
    ],
)
def test_parse_timezone_refuses(text: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_timezone(text)
    assert isinstance(error.value, ZoneError)
    assert str(error.value) == error.value.reason.value  # a code, not a sentence


def test_parse_timezone_knows_every_canonical_zone_by_exact_name() -> None:
    areas = ("Africa/", "America/", "Asia/", "Atlantic/", "Australia/", "Europe/", "Pacific/")
    names = [name for name in zoneinfo.available_timezones() if name.startswith(areas)]
    assert len(names) > 300
    for name in names:
        assert parse_timezone(name.lower()) == name
        assert parse_timezone(name.upper()) == name


@pytest.mark.parametrize("text", ["berlin", "new york", "gmt", "seattle", "indianapolis"])
def test_parse_timezone_result_is_usable(text: str) -> None:
    name = parse_timezone(text)
    assert name in zoneinfo.available_timezones()
    Cadence(Frequency.DAILY, time(20, 0), name)


# --- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", ZoneReason.EMPTY),
        ("   ", ZoneReason.EMPTY),
        ("\n\t", ZoneReason.EMPTY),
        ("x" * (MAX_TIMEZONE_INPUT + 1), ZoneReason.TOO_LONG),
        ("Europe/Berlin" + " " * 10 + "x" * 60, ZoneReason.TOO_LONG),
        ("Mars/Olympus", ZoneReason.UNKNOWN),
        ("Atlantis", ZoneReason.UNKNOWN),
        ("Factory", ZoneReason.UNKNOWN),
        ("../../etc/passwd", ZoneReason.UNKNOWN),
    ],
)
def test_parse_timezone_gives_the_documented_reason(text: str, reason: ZoneReason) -> None:
    with pytest.raises(ZoneError) as error:
        parse_timezone(text)
    assert error.value.reason is reason
    assert str(error.value) == reason.value
    assert isinstance(error.value, ValueError)  # existing `except ValueError` callers still work


def test_parse_timezone_counts_length_after_collapsing_whitespace() -> None:
    # 64 characters is the limit; a long run of spaces inside counts as one.
    assert len("x" * MAX_TIMEZONE_INPUT) == 64
    with pytest.raises(ZoneError) as error:
        parse_timezone("x" * MAX_TIMEZONE_INPUT)
    assert error.value.reason is ZoneReason.UNKNOWN
    assert parse_timezone("new" + " " * 100 + "york") == "America/New_York"
