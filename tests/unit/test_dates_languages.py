"""Typed dates in every shipped language (issue 12): a partner may type a date in the language
they think in, whatever the bot speaks to them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.domain.dates import DateError, DayMonth, read_dates
from bot.domain.exercises.reminders import parse_when
from bot.i18n import format_day, format_day_month, format_instant, speaking, weekday_short

TODAY = date(2026, 12, 3)


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("14 de junio de 2019", [DayMonth(14, 6, 2019)]),
        ("14 junio", [DayMonth(14, 6, None)]),
        ("14 июня 2019", [DayMonth(14, 6, 2019)]),
        ("1 сентября", [DayMonth(1, 9, None)]),
        ("3 de mayo al 10 de mayo", [DayMonth(3, 5, None), DayMonth(10, 5, None)]),
        ("3 мая по 10 мая", [DayMonth(3, 5, None), DayMonth(10, 5, None)]),
        ("mañana", [DayMonth(4, 12, 2026)]),
        ("завтра", [DayMonth(4, 12, 2026)]),
        ("hoy", [DayMonth(3, 12, 2026)]),
        ("14 June", [DayMonth(14, 6, None)]),
    ],
)
def test_month_names_and_day_words_in_each_language(typed: str, read: list[DayMonth]) -> None:
    assert read_dates(typed, TODAY) == read


@pytest.mark.parametrize("typed", ["14 ju", "14 ma", "14 июл-ь", "14 de", "de junio"])
def test_a_start_that_names_no_single_month_is_refused(typed: str) -> None:
    # "ju" could be June or July; "ma" March or May: no guess.
    with pytest.raises(DateError):
        read_dates(typed, TODAY)


#: Monday 2 March 2026, 10:00 in Berlin.
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TOMORROW_1930 = datetime(2026, 3, 3, 18, 30, tzinfo=UTC)
SATURDAY_10 = datetime(2026, 3, 7, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "when"),
    [
        ("tomorrow 19:30", TOMORROW_1930),
        ("mañana 19:30", TOMORROW_1930),
        ("Mañana a las 19:30", TOMORROW_1930),
        ("manana 19:30", TOMORROW_1930),
        ("завтра 19:30", TOMORROW_1930),
        ("Завтра в 19:30", TOMORROW_1930),
        ("sat 10:00", SATURDAY_10),
        ("sáb 10:00", SATURDAY_10),
        ("sab. 10:00", SATURDAY_10),
        ("sábado 10:00", SATURDAY_10),
        ("сб 10:00", SATURDAY_10),
        ("суббота 10:00", SATURDAY_10),
        ("в субботу в 10:00", SATURDAY_10),
        ("el sábado a las 10:00", SATURDAY_10),
        ("on Saturday at 10:00", SATURDAY_10),
        ("man\u0303ana 19:30", TOMORROW_1930),  # "mañana" as some keyboards send it
        ("at 19:30", datetime(2026, 3, 2, 18, 30, tzinfo=UTC)),
        ("banana 10:00", None),
        ("19 30", None),
    ],
)
def test_a_reminder_time_reads_day_words_in_each_language(
    typed: str, when: datetime | None
) -> None:
    """Probe of 2026-12-03: the Spanish and Russian prompts taught English words because the
    reminder parser only read English; the language in force here is English, so each
    language's words are read whatever the bot speaks."""
    assert parse_when(typed, "Europe/Berlin", NOW) == when


@pytest.mark.parametrize(
    ("language", "day", "anniversary", "instant", "monday"),
    [
        ("en", "Tue 3 Mar", "14 June", "Tue 3 Mar, 19:30", "Mon"),
        ("es", "mar 3 de marzo", "14 de junio", "mar 3 de marzo, 19:30", "Lun"),
        ("ru", "вт 3 марта", "14 июня", "вт 3 марта, 19:30", "Пн"),
    ],
)
def test_dates_and_weekday_buttons_as_each_language_writes_them(
    language: str, day: str, anniversary: str, instant: str, monday: str
) -> None:
    """Probe of 2026-12-03: Russian abbreviated months end in a dot, doubled at a sentence's
    end ("вт 3 мар.."); Spanish read "14 junio"; Russian weekday buttons were cut to "Пон"."""
    with speaking(language):
        assert format_day(date(2026, 3, 3)) == day
        assert format_day_month(date(2019, 6, 14), with_year=False) == anniversary
        assert format_instant(datetime(2026, 3, 3, 19, 30)) == instant
        assert weekday_short(0) == monday
