"""End-to-end: each partner reads their own language; a broken or missing translation
falls back to English."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po
from sqlalchemy import select

from bot import i18n, texts
from bot.i18n.catalog import extract_catalog
from bot.sandbox import Sandbox
from bot.storage.tables import users
from tests.conftest import invite_link, make_pair, open_round, start_user
from tests.e2e.helpers import mismatch_with_offer, offer_of

MARK = "\u27e6"  # every pseudo-translated text starts with this


@pytest.fixture
def pseudo_german(tmp_path: Path) -> Iterator[Path]:
    """A ``de`` catalog in a temporary locale folder where every text is marked, with its
    placeholders kept; the bot uses that folder for the duration of the test."""
    catalog = Catalog(locale="de", domain=i18n.DOMAIN)
    for message in extract_catalog():
        if message.id and isinstance(message.id, str):
            catalog.add(message.id, string=MARK + message.id)
    folder = tmp_path / "locale" / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "tandem.po").open("wb") as handle:
        write_po(handle, catalog)
    i18n.configure(tmp_path / "locale")
    yield tmp_path / "locale"
    i18n.configure()


async def test_each_partner_reads_their_own_language(box: Sandbox, pseudo_german: Path) -> None:
    alex, sam = await make_pair(box)
    box.fake.user(1002, "Sam", language_code="de")  # Sam's client switches to German
    await sam.send("/settings")  # Tandem records the language with the next update
    assert sam.chat.last.text.startswith(MARK)
    await open_round(box, alex, sam)
    alex_question, sam_question = alex.chat.last, sam.chat.last
    assert not alex_question.text.startswith(MARK)
    # Built by Alex's command, but in Sam's language: header, question text and buttons.
    assert sam_question.text.startswith(MARK + "Alex started a check-in.")
    assert sam_question.text.count(MARK) >= 4  # started by, header, dimension, question…
    assert all(b.text.startswith(MARK) for b in sam_question.buttons[-1])
    await alex.press("5")
    assert sam.chat.last.text.startswith(MARK)  # "Alex has answered" for Sam, in German
    await sam.press("1")
    reveal_alex = next(t for t in reversed(alex.chat.texts()) if texts.REVEAL_HEADER in t)
    assert MARK not in reveal_alex
    reveal_sam = next(t for t in reversed(sam.chat.texts()) if MARK + texts.REVEAL_HEADER in t)
    assert reveal_sam.count(MARK) >= 3  # header, question, "You"
    offer_sam = sam.chat.last
    assert offer_sam.text.startswith(MARK) and all(
        b.text.startswith(MARK) or b.text[0].isdigit() for row in offer_sam.buttons for b in row
    )


async def test_a_broken_translation_falls_back_to_english_for_that_text(
    box: Sandbox, tmp_path: Path
) -> None:
    catalog = Catalog(locale="de", domain=i18n.DOMAIN)
    catalog.add(texts.source("WELCOME"), string="Hallo {nom}!")  # lost {name}
    catalog.add(texts.source("HELP"), string="Hilfe: {commands}")
    folder = tmp_path / "locale" / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "tandem.po").open("wb") as handle:
        write_po(handle, catalog)
    i18n.configure(tmp_path / "locale")
    try:
        kim = box.fake.user(1003, "Kim", language_code="de-AT")
        await kim.send("/start")
        assert any(t.startswith("Hi Kim, welcome to Tandem") for t in kim.chat.texts())
        await kim.send("/help")
        assert kim.chat.last.text.startswith("Hilfe: /start")
    finally:
        i18n.configure()


async def pair_speaking(box: Sandbox, alex_lang: str | None, sam_lang: str | None) -> None:
    alex = box.fake.user(1001, "Alex", language_code=alex_lang)
    sam = box.fake.user(1002, "Sam", language_code=sam_lang)
    await start_user(alex, "Berlin")
    await start_user(sam, "Berlin")
    await alex.send("/pair")
    await sam.open_link(invite_link(alex))
    await sam.press(texts.INVITE_ACCEPT)


@pytest.fixture
def no_catalogs(tmp_path: Path) -> Iterator[Path]:
    """No translation catalog exists (whatever bot/locale holds while others work on it)."""
    folder = tmp_path / "locale"
    folder.mkdir()
    i18n.configure(folder)
    try:
        yield folder
    finally:
        i18n.configure(None)


async def test_users_whose_language_has_no_catalog_get_english(
    box: Sandbox, no_catalogs: Path
) -> None:
    await pair_speaking(box, "de", "pt-br")
    alex, sam = box.fake.users[1001], box.fake.users[1002]
    assert alex.chat.messages[0].text == texts.WELCOME.format(name="Alex")
    assert sam.chat.last.text.startswith("You're now paired with Alex.")
    await alex.send("/frequency off")
    titles = await mismatch_with_offer(box, alex, sam)
    assert (
        offer_of(sam).text.startswith("On ") and "your answers pulled apart" in offer_of(sam).text
    )
    await alex.press(f"1. {titles[0]}")
    assert sam.chat.last.text == texts.PICK_WAITING.format(name="Alex")
    await sam.press(f"1. {titles[0]}")
    assert alex.chat.last.text == texts.REMIND_ASK
    await alex.send("/history")
    assert alex.chat.last.text.startswith("Your check-ins, newest first")
    await sam.send("/insights")
    assert sam.chat.last.text.startswith("Last 12 weeks:")
    await sam.send("/weekly")
    assert sam.chat.last.text == texts.WEEKLY_STATUS_OFF
    await sam.send("/focus")
    assert sam.chat.last.text.startswith("Focus: none")
    assert not any(t == texts.SOMETHING_WRONG for t in alex.chat.texts() + sam.chat.texts())
    async with box.runtime.engine.connect() as conn:
        recorded = dict((await conn.execute(select(users.c.id, users.c.language_code))).all())
    assert recorded == {1001: "de", 1002: "pt-br"}


async def test_each_partner_reads_their_own_language_when_one_catalog_exists(
    box: Sandbox, no_catalogs: Path
) -> None:
    german_reveal = "Ihr habt beide geantwortet. Hier ist euer Check-in:"
    german_waiting = "{name} hat geantwortet. Wenn du auch antwortest, seht ihr beide Antworten."
    catalog = Catalog(locale="de", domain=i18n.DOMAIN)
    catalog.add(texts.source("REVEAL_HEADER"), german_reveal)
    catalog.add(texts.source("ANSWER_WAITING"), german_waiting)
    path = no_catalogs / "de" / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    path.parent.mkdir(parents=True)
    with path.open("wb") as handle:
        write_po(handle, catalog)
    i18n.configure(no_catalogs)

    await pair_speaking(box, "en", "de-AT")
    alex, sam = box.fake.users[1001], box.fake.users[1002]
    await open_round(box, alex, sam)
    await alex.press("3")
    assert sam.chat.last.text == german_waiting.format(name="Alex")
    await sam.press("3")
    assert alex.chat.messages[-1].text.startswith(texts.REVEAL_HEADER)
    assert sam.chat.messages[-1].text.startswith(german_reveal)
    assert "You: 3 of 5" in sam.chat.messages[-1].text  # untranslated texts stay English
