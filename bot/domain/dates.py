"""Calendar dates as partners type them after ``/anniversary`` and ``/trip``: read into
day, month and (optional) year, with a reason code for anything that is not a date, so the
reply is the catalog's, never English prose from here (LAYOUT.md).

Accepted forms (month names in English, Spanish or Russian, full or a start of three letters
or more that names one month; case and commas do not matter): ``2019-06-14``, ``14.06.2019``
and ``14.06`` (day first), ``14 June``, ``14th June 2019``, ``June 14``, ``June 14, 2019``,
``14 de junio de 2019``, ``14 июня 2019``, and ``today`` / ``tomorrow`` (``hoy`` / ``mañana``,
``сегодня`` / ``завтра``). A form with slashes is refused as unreadable: ``03/05`` means March
or May depending on who typed it. Every shipped language's words are read for everyone: a
partner may type in the language they think in, whatever the bot speaks to them (issue 12).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import cache

from babel.dates import get_day_names, get_month_names

from scheduler.zones import fold_accents

#: The languages whose month names and day words are read (English and the shipped ones).
_LANGUAGES = ("en", "es", "ru")
_TODAY = frozenset({"today", "hoy", "сегодня"})
_TOMORROW = frozenset({"tomorrow", "tmrw", "mañana", "manana", "завтра"})
#: Words between a date's parts that carry nothing ("14 de junio de 2019", "to", "2019 г.").
_FILLERS = frozenset({"to", "-", "until", "de", "del", "al", "hasta", "a", "г.", "г", "по", "до"})
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.?(\d{4})?$")
_DAY = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?$")
_YEAR = re.compile(r"^\d{4}$")
#: Years outside this range are not read as dates (a typo, not a date to remember).
FIRST_YEAR, LAST_YEAR = 1900, 2199


class DateProblem(StrEnum):
    """Why typed words are not the dates wanted (``bot.texts`` has a reply for each)."""

    UNREADABLE = "unreadable"
    NO_SUCH_DAY = "no_such_day"
    #: A date read in full whose year is before :data:`FIRST_YEAR` or after
    #: :data:`LAST_YEAR` (``14 June 1066``): read, but no date a couple could mean.
    YEAR_TOO_EARLY = "year_too_early"
    YEAR_TOO_LATE = "year_too_late"


class DateError(ValueError):
    """Typed words that are not dates; ``reason`` says why."""

    def __init__(self, reason: DateProblem) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass(frozen=True)
class DayMonth:
    """A typed date: its day and month, and its year when one was typed."""

    day: int
    month: int
    year: int | None = None

    def on_or_after(self, first: date) -> date:
        """The date itself when it has a year; otherwise its first occurrence on or after
        ``first`` (29 February: the next leap year's)."""
        if self.year is not None:
            return date(self.year, self.month, self.day)
        year = first.year
        while True:
            try:
                found = date(year, self.month, self.day)
            except ValueError:  # 29 February outside a leap year
                year += 1
                continue
            if found >= first:
                return found
            year += 1


def day_offset(word: str) -> int | None:
    """0 for "today", 1 for "tomorrow", in any read language (``hoy``, ``mañana``,
    ``сегодня``, ``завтра``; case does not matter); None for any other word."""
    folded = fold(word)
    if folded in {fold(w) for w in _TODAY}:
        return 0
    return 1 if folded in {fold(w) for w in _TOMORROW} else None


def fold(word: str) -> str:
    """``word`` in lower case without accents (``Sáb`` -> ``sab``; Russian ``й`` and ``ё``
    fold too; :func:`scheduler.zones.fold_accents`), for matching typed words to names."""
    return fold_accents(word).lower()


@cache
def weekday_names() -> dict[str, int]:
    """Folded weekday names of every read language, full and short (``saturday``,
    ``sábado`` and ``sabado``, ``sáb``, ``суббота``, ``сб``) -> weekday (0 = Monday), from
    Babel's wide, abbreviated and short names, with Russian's accusative after "в" (``в
    субботу``); a name that two weekdays share is left out."""
    found: dict[str, set[int]] = {}
    for language in _LANGUAGES:
        for width in ("wide", "abbreviated", "short"):
            for context in ("format", "stand-alone"):
                for number, name in get_day_names(width, context, locale=language).items():
                    folded = fold(name).rstrip(".")
                    found.setdefault(folded, set()).add(number)
                    if language == "ru" and width == "wide" and folded.endswith("а"):
                        found.setdefault(folded[:-1] + "у", set()).add(number)
    return {name: days.pop() for name, days in found.items() if len(days) == 1 and name}


@cache
def _month_names() -> tuple[tuple[str, int], ...]:
    """(lower-case name, month number) for every month in every read language: Babel's wide
    names, in both their forms (Russian "июнь" and, in a date, "июня")."""
    names: set[tuple[str, int]] = set()
    for language in _LANGUAGES:
        for context in ("format", "stand-alone"):
            for number, name in get_month_names("wide", context, locale=language).items():
                names.add((name.lower(), number))
    return tuple(sorted(names))


def _month(word: str) -> int | None:
    """A month's number from its name in a read language, or a start of it (three letters or
    more) that only one month's names begin with."""
    word = word.rstrip(".")
    if len(word) < 3:
        return None
    exact = {n for name, n in _month_names() if name == word}
    found = exact or {n for name, n in _month_names() if name.startswith(word)}
    return found.pop() if len(found) == 1 else None


def _checked(day: int, month: int, year: int | None) -> DayMonth:
    if year is not None and year < FIRST_YEAR:
        raise DateError(DateProblem.YEAR_TOO_EARLY)
    if year is not None and year > LAST_YEAR:
        raise DateError(DateProblem.YEAR_TOO_LATE)
    try:
        date(2000 if year is None else year, month, day)  # 2000: a leap year
    except ValueError:
        raise DateError(DateProblem.NO_SUCH_DAY) from None
    return DayMonth(day, month, year)


def _read_one(words: Sequence[str], today: date) -> tuple[DayMonth, int]:
    """The first date in ``words`` and how many words it took."""
    first = words[0]
    if first in _TODAY or first in _TOMORROW:
        when = today + timedelta(days=1 if first in _TOMORROW else 0)
        return DayMonth(when.day, when.month, when.year), 1
    if m := _ISO.match(first):
        return _checked(int(m[3]), int(m[2]), int(m[1])), 1
    if m := _DOTTED.match(first):
        return _checked(int(m[1]), int(m[2]), int(m[3]) if m[3] else None), 1
    second = words[1] if len(words) > 1 else ""
    day_word, month_word = (first, second) if _DAY.match(first) else (second, first)
    m, month = _DAY.match(day_word), _month(month_word)
    if m is None or month is None:
        raise DateError(DateProblem.UNREADABLE)
    year, used = None, 2
    if len(words) > used and _YEAR.match(words[used]):
        year, used = int(words[used]), used + 1
    return _checked(int(m[1]), month, year), used


def read_dates(text: str | Sequence[str], today: date) -> list[DayMonth]:
    """Every date in ``text`` (or its words), in order. ``today``: the reader's local date,
    for ``today`` and ``tomorrow``.

    Raises :class:`DateError`: ``no_such_day`` for a day the month does not have
    (``31 February``), ``year_too_early``/``year_too_late`` for a year outside
    :data:`FIRST_YEAR`–:data:`LAST_YEAR`, ``unreadable`` for anything else that is not a date
    (or for no words).
    """
    joined = text if isinstance(text, str) else " ".join(text)
    words = [w for w in joined.lower().replace(",", " ").split() if w not in _FILLERS]
    if not words:
        raise DateError(DateProblem.UNREADABLE)
    found = []
    while words:
        one, used = _read_one(words, today)
        found.append(one)
        words = words[used:]
    return found
