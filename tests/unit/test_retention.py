"""Retention rules: which way is longer, calendar months back, and its buttons' data."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain import callbacks as cb
from bot.domain.model import Retention
from bot.domain.retention import months_before


def test_longer_than_orders_the_choices_with_forever_last() -> None:
    order = [Retention.MONTHS_3, Retention.MONTHS_6, Retention.MONTHS_12, Retention.FOREVER]
    for i, shorter in enumerate(order):
        for longer in order[i + 1 :]:
            assert longer.longer_than(shorter) and not shorter.longer_than(longer)
        assert not shorter.longer_than(shorter)
    assert Retention.FOREVER.months is None and Retention.MONTHS_6.months == 6


@pytest.mark.parametrize(
    ("instant", "months", "expected"),
    [
        (datetime(2026, 6, 2, 9, tzinfo=UTC), 3, datetime(2026, 3, 2, 9, tzinfo=UTC)),
        (datetime(2026, 5, 31, 9, tzinfo=UTC), 3, datetime(2026, 2, 28, 9, tzinfo=UTC)),
        (datetime(2028, 5, 31, 9, tzinfo=UTC), 3, datetime(2028, 2, 29, 9, tzinfo=UTC)),
        (datetime(2026, 2, 15, 0, tzinfo=UTC), 12, datetime(2025, 2, 15, 0, tzinfo=UTC)),
        (datetime(2026, 1, 10, 0, tzinfo=UTC), 6, datetime(2025, 7, 10, 0, tzinfo=UTC)),
    ],
)
def test_months_before_counts_calendar_months(
    instant: datetime, months: int, expected: datetime
) -> None:
    assert months_before(instant, months) == expected


def test_retention_buttons_parse_back_and_refuse_the_rest() -> None:
    for choice in Retention:
        assert cb.parse(cb.retention(choice.value)) == cb.RetentionData(choice.value)
        data = cb.proposal(42, choice.value, False)
        assert cb.parse(data) == cb.ProposalData(42, choice.value, False)
    for bad in ("rt:5", "rt:", "rta:x:3:y", "rta:1:24:y", "rta:1:3:maybe"):
        assert cb.parse(bad) is None
