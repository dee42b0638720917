"""Typed values for the two kinds of state stored as short strings: what a user's next text
message answers (``users.awaiting``) and what a row of due work is about (its kind and subject).

Each has one way to be written (``encode``) and one parser (``parse_awaiting``,
``<Subject>.parse``), so no other module splits these strings. A parser refuses anything it
does not know: an unknown awaited input reads as "nothing awaited"; an unknown subject raises
ValueError (the due-work runner then logs it and, after its retries, drops the row).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

# ---------------------------------------------------------------- the awaited input


@dataclass(frozen=True, slots=True)
class AwaitTimezone:
    """The next text is the user's timezone (a city or zone name)."""

    def encode(self) -> str:
        """The stored form."""
        return "timezone"


@dataclass(frozen=True, slots=True)
class AwaitTime:
    """The next text is the pair's new check-in time."""

    def encode(self) -> str:
        """The stored form."""
        return "time"


@dataclass(frozen=True, slots=True)
class AwaitAnswer:
    """The next text answers the open question at ``position`` of round ``round_id``."""

    round_id: int
    position: int

    def encode(self) -> str:
        """The stored form."""
        return f"answer:{self.round_id}:{self.position}"


@dataclass(frozen=True, slots=True)
class AwaitReminderTime:
    """The next text is when to be reminded of the exercise agreed in offer ``offer_id``."""

    offer_id: int

    def encode(self) -> str:
        """The stored form."""
        return f"remind:{self.offer_id}"


@dataclass(frozen=True, slots=True)
class AwaitCohortDraft:
    """The next text answers the current step of the user's ``/cohort_new`` conversation."""

    def encode(self) -> str:
        """The stored form."""
        return "cohort"


@dataclass(frozen=True, slots=True)
class AwaitBroadcast:
    """The next text is a facilitator's broadcast to cohort ``cohort_id``."""

    cohort_id: int

    def encode(self) -> str:
        """The stored form."""
        return f"broadcast:{self.cohort_id}"


Awaiting = (
    AwaitTimezone | AwaitTime | AwaitAnswer | AwaitReminderTime | AwaitCohortDraft | AwaitBroadcast
)

_AWAIT_ANSWER = re.compile(r"^answer:(\d{1,12}):(\d{1,3})$")
_AWAIT_REMIND = re.compile(r"^remind:(\d{1,12})$")
_AWAIT_BROADCAST = re.compile(r"^broadcast:(\d{1,12})$")


def parse_awaiting(stored: str | None) -> Awaiting | None:
    """The awaited input a stored string names; None for nothing or anything unknown."""
    if not stored:
        return None
    if stored == "timezone":
        return AwaitTimezone()
    if stored == "time":
        return AwaitTime()
    if stored == "cohort":
        return AwaitCohortDraft()
    if m := _AWAIT_ANSWER.match(stored):
        return AwaitAnswer(int(m[1]), int(m[2]))
    if m := _AWAIT_REMIND.match(stored):
        return AwaitReminderTime(int(m[1]))
    if m := _AWAIT_BROADCAST.match(stored):
        return AwaitBroadcast(int(m[1]))
    return None


def answer_prefix(round_id: int) -> str:
    """The stored-form prefix shared by every :class:`AwaitAnswer` of round ``round_id``
    (storage uses it to stop waiting for any answer to a closed round)."""
    return f"answer:{round_id}:"


# ---------------------------------------------------------------- due work


class DueKind(StrEnum):
    """What a row of due work does when its instant comes (the stored ``kind``)."""

    OPEN_ROUND = "open_round"  # PairSubject: the pair's next scheduled daily-lane round
    OPEN_WEEKLY = "open_weekly"  # PairSubject: the pair's weekly deeper round
    REMIND = "remind"  # MemberSubject: remind one partner of an open round
    EXPIRE = "expire"  # RoundSubject: close a round that is still open
    EXERCISE_REMIND = "exercise_remind"  # OfferSubject: the agreed exercise's reminder
    FOLLOWUP = "followup"  # OfferSubject: ask how the agreed exercise went
    COHORT_WEEK = "cohort_week"  # CohortSubject: a program week boundary
    COHORT_PREP = "cohort_prep"  # CohortWeekSubject: the prep question before a session
    BROADCAST_REPORT = "broadcast_report"  # BroadcastSubject: report a finished broadcast
    RETENTION = "retention"  # PairSubject: daily, remove what the pair's retention outlived
    ASK_ZONE = "ask_zone"  # PairSubject: ask partners without a timezone before a first round
    NOTICE = "notice"  # NoticeSubject: tell the partner one partner's recent changes at once


def _ids(text: str, prefix: str, count: int) -> list[int]:
    """The ``count`` integer ids of ``<prefix>:<id>[:<id>]``; ValueError for anything else."""
    parts = text.split(":")
    if len(parts) != count + 1 or parts[0] != prefix:
        raise ValueError(f"not a {prefix} subject")
    if not all(p.isdigit() and len(p) <= 15 for p in parts[1:]):
        raise ValueError(f"not a {prefix} subject")
    return [int(p) for p in parts[1:]]


@dataclass(frozen=True, slots=True)
class PairSubject:
    """Due work about a pair."""

    PREFIX: ClassVar[str] = "pair"
    pair_id: int

    def encode(self) -> str:
        """The stored form, ``pair:<id>``."""
        return f"pair:{self.pair_id}"

    @classmethod
    def parse(cls, text: str) -> PairSubject:
        """Raises ValueError for anything but ``pair:<id>``."""
        return cls(*_ids(text, cls.PREFIX, 1))


@dataclass(frozen=True, slots=True)
class RoundSubject:
    """Due work about a round."""

    PREFIX: ClassVar[str] = "round"
    round_id: int

    def encode(self) -> str:
        """The stored form, ``round:<id>``."""
        return f"round:{self.round_id}"

    @classmethod
    def parse(cls, text: str) -> RoundSubject:
        """Raises ValueError for anything but ``round:<id>``."""
        return cls(*_ids(text, cls.PREFIX, 1))


@dataclass(frozen=True, slots=True)
class MemberSubject:
    """Due work about one partner in a round (their reminder)."""

    PREFIX: ClassVar[str] = "round"
    round_id: int
    user_id: int

    def encode(self) -> str:
        """The stored form, ``round:<round id>:<user id>``."""
        return f"round:{self.round_id}:{self.user_id}"

    @classmethod
    def parse(cls, text: str) -> MemberSubject:
        """Raises ValueError for anything but ``round:<id>:<user id>``."""
        return cls(*_ids(text, cls.PREFIX, 2))


@dataclass(frozen=True, slots=True)
class OfferSubject:
    """Due work about an exercise offer."""

    PREFIX: ClassVar[str] = "offer"
    offer_id: int

    def encode(self) -> str:
        """The stored form, ``offer:<id>``."""
        return f"offer:{self.offer_id}"

    @classmethod
    def parse(cls, text: str) -> OfferSubject:
        """Raises ValueError for anything but ``offer:<id>``."""
        return cls(*_ids(text, cls.PREFIX, 1))


@dataclass(frozen=True, slots=True)
class CohortSubject:
    """Due work about a cohort."""

    PREFIX: ClassVar[str] = "cohort"
    cohort_id: int

    def encode(self) -> str:
        """The stored form, ``cohort:<id>``."""
        return f"cohort:{self.cohort_id}"

    @classmethod
    def parse(cls, text: str) -> CohortSubject:
        """Raises ValueError for anything but ``cohort:<id>``."""
        return cls(*_ids(text, cls.PREFIX, 1))


@dataclass(frozen=True, slots=True)
class CohortWeekSubject:
    """Due work about one week of a cohort (0 = the first)."""

    PREFIX: ClassVar[str] = "cohort"
    cohort_id: int
    week: int

    def encode(self) -> str:
        """The stored form, ``cohort:<id>:<week>``."""
        return f"cohort:{self.cohort_id}:{self.week}"

    @classmethod
    def parse(cls, text: str) -> CohortWeekSubject:
        """Raises ValueError for anything but ``cohort:<id>:<week>``."""
        return cls(*_ids(text, cls.PREFIX, 2))


@dataclass(frozen=True, slots=True)
class BroadcastSubject:
    """Due work about a broadcast."""

    PREFIX: ClassVar[str] = "broadcast"
    broadcast_id: int

    def encode(self) -> str:
        """The stored form, ``broadcast:<id>``."""
        return f"broadcast:{self.broadcast_id}"

    @classmethod
    def parse(cls, text: str) -> BroadcastSubject:
        """Raises ValueError for anything but ``broadcast:<id>``."""
        return cls(*_ids(text, cls.PREFIX, 1))


@dataclass(frozen=True, slots=True)
class NoticeSubject:
    """Due work telling the other partner of pair ``pair_id`` what ``user_id`` changed in the
    last few minutes, in one message (issue 12)."""

    PREFIX: ClassVar[str] = "notice"
    pair_id: int
    user_id: int

    def encode(self) -> str:
        """The stored form, ``notice:<pair id>:<user id>``."""
        return f"notice:{self.pair_id}:{self.user_id}"

    @classmethod
    def parse(cls, text: str) -> NoticeSubject:
        """Raises ValueError for anything but ``notice:<pair id>:<user id>``."""
        return cls(*_ids(text, cls.PREFIX, 2))


Subject = (
    PairSubject
    | RoundSubject
    | MemberSubject
    | OfferSubject
    | CohortSubject
    | CohortWeekSubject
    | BroadcastSubject
    | NoticeSubject
)
