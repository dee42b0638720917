"""Typed dates in every shipped language (issue 12): a partner may type a date in the language
they think in, whatever the bot speaks to them."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.dates import DateError, DayMonth, read_dates

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
