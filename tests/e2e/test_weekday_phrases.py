"""End-to-end, issue 12 (probe finding 3.2): a weekly schedule is one whole phrase per
weekday, never a day name put into a sentence, so a translation can say "cada domingo a las
20:00" (lower case, its own construction) and every place that shows the weekly schedule
reads it so."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from bot import i18n, texts
from bot.i18n.catalog import extract_catalog
from bot.sandbox import Sandbox
from tests.conftest import make_pair
from tests.e2e.helpers import notices_told

SPANISH_DAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")


@pytest.fixture
def spanish(tmp_path: Path) -> Iterator[None]:
    """An ``es`` catalog translating the weekly phrases (one per weekday), the weekly
    replies and the change notice; everything else falls back to English."""
    catalog = Catalog(locale="es", domain=i18n.DOMAIN)
    ids = {m.id for m in extract_catalog() if isinstance(m.id, str)}
    phrases = texts.source_of("SCHEDULE_WEEKLY")
    assert all(p in ids for p in phrases)
    for phrase, day in zip(phrases, SPANISH_DAYS, strict=True):
        catalog.add(phrase, string=f"cada {day} a las {{time}} ({{zone}})")
    catalog.add(
        texts.source("WEEKLY_STATUS_ON"), string="Tu check-in semanal: {schedule}. Próximo: {next}."
    )
    catalog.add(texts.source("NOTICE_WEEKLY"), string="Check-in semanal: {schedule}.")
    folder = tmp_path / "locale" / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "tandem.po").open("wb") as handle:
        write_po(handle, catalog)
    i18n.configure(tmp_path / "locale")
    yield
    i18n.configure()


def test_each_weekday_has_its_own_whole_phrase() -> None:
    phrases = texts.source_of("SCHEDULE_WEEKLY")
    days = texts.source_of("WEEKDAYS")
    assert len(phrases) == 7
    for phrase, day in zip(phrases, days, strict=True):
        assert phrase == f"every {day} at {{time}} ({{zone}})"


@pytest.mark.usefixtures("spanish")
async def test_a_translation_inflects_the_weekday_in_every_place(box: Sandbox) -> None:
    alex, sam = await make_pair(box, "Berlin", "Berlin")
    box.fake.user(1002, "Sam", language_code="es")
    await sam.send("/settings")  # the language is recorded with the next update
    await alex.send("/weekly sun")
    assert "every Sunday at 20:00 (Europe/Berlin)" in alex.chat.last.text
    await notices_told(box)
    assert "Check-in semanal: cada domingo a las 20:00 (Europe/Berlin)." in sam.chat.last.text
    await sam.send("/weekly")
    assert sam.chat.last.text.startswith(
        "Tu check-in semanal: cada domingo a las 20:00 (Europe/Berlin). Próximo:"
    )
    await alex.send("/frequency weekly wed")
    await notices_told(box)
    assert "cada miércoles a las 20:00 (Europe/Berlin)" in sam.chat.last.text
    assert "Domingo" not in sam.chat.last.text and "Sunday" not in sam.chat.last.text


def test_weekdays_in_a_list_are_their_own_texts() -> None:
    # Distinct message ids from the standalone names (buttons), so a translation can write
    # them in lower case ("lunes, miércoles") without changing the buttons.
    listed, names = texts.source_of("WEEKDAYS_LISTED"), texts.source_of("WEEKDAYS")
    assert len(listed) == 7 and not set(listed) & set(names)
    assert "Check-in days: {days}" in texts.source("ENROL_JOINED")
    assert "Check-in days: {days}" in texts.source("COHORT_CREATED")
