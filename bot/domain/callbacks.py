"""Callback data: the short strings carried by inline buttons (Telegram allows 64 bytes).

Callback data is user input: a client can send any string. Parsing is strict, and the ids in
it are only references; every handler checks that the sender belongs to what they name
(DESIGN.md, privacy rule 3).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CALLBACK_BYTES = 64

_ANSWER = re.compile(r"^a:(\d{1,12}):(\d):([a-z0-9_-]{1,12})$")
_WRITE = re.compile(r"^w:(\d{1,12}):(\d)$")
_INVITE = re.compile(r"^i:(\d{1,12}):([yn])$")
_SIMPLE = re.compile(r"^(unpair|delete):([yn])(?::(\d{1,12}))?$")
_FREQ = re.compile(r"^f:(daily|weekdays|weekly|off)$")
_WEEKDAY = re.compile(r"^wd:([0-6])$")
_TZ = re.compile(r"^tz:([A-Za-z0-9_+/-]{1,58})$")
_PAIR_TZ = re.compile(r"^ptz:(me|partner)$")
_SETTING = re.compile(r"^s:(time|tz|pause|resume|keep)$")

SKIP = "skip"


@dataclass(frozen=True)
class AnswerData:
    """A scale/choice answer or a skip (``value == SKIP``) for one round position."""

    round_id: int
    position: int
    value: str


@dataclass(frozen=True)
class WriteData:
    """ "Write my answer" for an open question: the next text message answers it."""

    round_id: int
    position: int


@dataclass(frozen=True)
class InviteData:
    """Accept or decline the invite the user opened."""

    invite_id: int
    accept: bool


@dataclass(frozen=True)
class ConfirmData:
    """Yes/no to a confirmation question (``what`` is "unpair" or "delete")."""

    what: str
    yes: bool
    subject_id: int | None = None  # the pair an unpair button was shown for


@dataclass(frozen=True)
class FrequencyData:
    """A new frequency for the pair's schedule."""

    frequency: str


@dataclass(frozen=True)
class WeekdayData:
    """The weekday (0 = Monday) for a weekly schedule."""

    weekday: int


@dataclass(frozen=True)
class TimezoneData:
    """A timezone picked from the tap-list (an IANA name, still to be validated)."""

    zone: str


@dataclass(frozen=True)
class PairTimezoneData:
    """Use this partner's ("me") or the other's ("partner") timezone for the schedule."""

    whose: str


@dataclass(frozen=True)
class SettingData:
    """A settings action: time, tz, pause, resume, keep (the pair's timezone)."""

    action: str


CallbackData = (
    AnswerData
    | WriteData
    | InviteData
    | ConfirmData
    | FrequencyData
    | WeekdayData
    | TimezoneData
    | PairTimezoneData
    | SettingData
)


def answer(round_id: int, position: int, value: str) -> str:
    """Callback data for answering ``value`` (a scale digit, an option id or SKIP)."""
    return f"a:{round_id}:{position}:{value}"


def write(round_id: int, position: int) -> str:
    """Callback data for "Write my answer"."""
    return f"w:{round_id}:{position}"


def invite(invite_id: int, accept: bool) -> str:
    """Callback data for accepting or declining an invite."""
    return f"i:{invite_id}:{'y' if accept else 'n'}"


def confirm(what: str, yes: bool, subject_id: int | None = None) -> str:
    """Callback data for a yes/no confirmation, optionally bound to what it was asked about."""
    base = f"{what}:{'y' if yes else 'n'}"
    return base if subject_id is None else f"{base}:{subject_id}"


def parse(data: str | None) -> CallbackData | None:
    """Parse callback data; None for anything malformed, unknown or over 64 bytes."""
    if not data or len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
        return None
    if m := _ANSWER.match(data):
        return AnswerData(int(m[1]), int(m[2]), m[3])
    if m := _WRITE.match(data):
        return WriteData(int(m[1]), int(m[2]))
    if m := _INVITE.match(data):
        return InviteData(int(m[1]), m[2] == "y")
    if m := _SIMPLE.match(data):
        return ConfirmData(m[1], m[2] == "y", int(m[3]) if m[3] else None)
    if m := _FREQ.match(data):
        return FrequencyData(m[1])
    if m := _WEEKDAY.match(data):
        return WeekdayData(int(m[1]))
    if m := _TZ.match(data):
        return TimezoneData(m[1])
    if m := _PAIR_TZ.match(data):
        return PairTimezoneData(m[1])
    if m := _SETTING.match(data):
        return SettingData(m[1])
    return None
