"""End-to-end: /language (issue 12). A user chooses the language Tandem writes to them in,
over Telegram's own setting; their partner keeps their own. The command menu and the bot's
descriptions are registered in every shipped language. Spanish and Russian here are
pseudo-translations in a temporary locale folder (every text marked with its language)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po
from sqlalchemy import select

from bot import i18n, texts
from bot.emulator import FakeBotAPI, FakeUser
from bot.i18n.catalog import extract_catalog
from bot.sandbox import Sandbox, sandbox
from bot.storage.tables import users
from scheduler.clock import ManualClock
from tests.conftest import Picker, make_pair, open_round

pytestmark = pytest.mark.usefixtures("no_crash")

ES, RU = "\u27e6es\u27e7 ", "\u27e6ru\u27e7 "
#: Plural forms as Babel's catalogs for these languages declare them (CLDR: Spanish has one
#: for millions).
FORMS = {"es": 3, "ru": 3}


@cache
def _sources() -> tuple[object, ...]:
    return tuple(m.id for m in extract_catalog() if m.id)


def write_pseudo(folder: Path, language: str, mark: str) -> None:
    """A complete pseudo-translation of every message: the source text after ``mark``."""
    catalog = Catalog(locale=language, domain=i18n.DOMAIN)
    for source in _sources():
        if isinstance(source, str):
            catalog.add(source, string=mark + source)
        else:
            forms = tuple(mark + str(source[1]) for _ in range(FORMS[language]))  # type: ignore[index]
            catalog.add(source, string=forms)  # type: ignore[arg-type]
    path = folder / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    path.parent.mkdir(parents=True)
    with path.open("wb") as handle:
        write_po(handle, catalog)


@pytest.fixture
def pseudo_locales(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "locale"
    folder.mkdir()
    write_pseudo(folder, "es", ES)
    write_pseudo(folder, "ru", RU)
    i18n.configure(folder)
    try:
        yield folder
    finally:
        i18n.configure()


@pytest.fixture
async def box(
    pseudo_locales: Path, db_url: str, clock: ManualClock, fake: FakeBotAPI, picker: Picker
) -> AsyncIterator[Sandbox]:
    """The sandbox, started after the pseudo catalogs exist (the menu is registered then)."""
    async with sandbox(db_url, clock=clock, fake=fake, picker=picker) as running:
        yield running


async def stored_language(box: Sandbox, user_id: int) -> str | None:
    async with box.runtime.engine.connect() as conn:
        found = await conn.scalar(select(users.c.language).where(users.c.id == user_id))
    return None if found is None else str(found)


def marked(user: FakeUser) -> str | None:
    """The language mark of the user's last message (None: English)."""
    text = user.chat.last.text
    return next((mark for mark in (ES, RU) if text.startswith(mark)), None)


async def test_the_keyboard_lists_each_language_in_its_own_name(box: Sandbox) -> None:
    alex = box.fake.user(1001, "Alex", language_code="en")
    await alex.send("/start")
    await alex.send("/language")
    shown = alex.chat.last
    assert shown.text == texts.LANGUAGE_ASK.format(
        current=texts.LANGUAGE_FROM_TELEGRAM.format(language="English")
    )
    labels = [[b.text for b in row] for row in shown.buttons]
    assert labels == [["English", "Español", "Русский"], [texts.BTN_LANGUAGE_TELEGRAM]]
    await alex.press("Español")
    # The confirmation replaces the keyboard, already in Spanish.
    assert alex.chat.messages[-1].message_id == shown.message_id
    assert alex.chat.last.text == ES + texts.source("LANGUAGE_SET")
    assert alex.chat.last.buttons == []
    assert await stored_language(box, 1001) == "es"
    await alex.send("/help")  # the acting user's replies speak the choice from now on
    assert marked(alex) == ES
    await alex.send("/language")
    assert alex.chat.last.text.startswith(ES) and "Español" in alex.chat.last.text
    await alex.press(texts.source("BTN_LANGUAGE_TELEGRAM"))
    assert alex.chat.last.text == texts.LANGUAGE_FOLLOWS_TELEGRAM  # English again
    assert await stored_language(box, 1001) is None
    await alex.send("/help")
    assert marked(alex) is None


async def test_typed_choices_and_a_language_that_does_not_ship(box: Sandbox) -> None:
    kim = box.fake.user(1003, "Kim", language_code="es")  # Telegram says Spanish
    await kim.send("/start")
    assert marked(kim) == ES
    await kim.send("/language ru")
    assert kim.chat.last.text == RU + texts.source("LANGUAGE_SET")
    await kim.send("/language xx")
    available = "English, Español, Русский"
    assert kim.chat.last.text == RU + texts.source("LANGUAGE_UNKNOWN").format(languages=available)
    await kim.send("/language de")  # a real language, but not shipped
    assert kim.chat.last.text.endswith(available + ".\nSend /language to pick one.")
    assert await stored_language(box, 1003) == "ru"  # nothing changed
    await kim.send("/language English")
    assert kim.chat.last.text == texts.LANGUAGE_SET
    assert await stored_language(box, 1003) == "en"  # English over a Spanish Telegram
    await kim.send("/language Español")
    assert await stored_language(box, 1003) == "es"
    await kim.send("/language auto")
    assert kim.chat.last.text == ES + texts.source("LANGUAGE_FOLLOWS_TELEGRAM")
    assert await stored_language(box, 1003) is None
    # A forged button for a language that does not ship: a toast, nothing stored.
    await kim.press_data(kim.chat.last.message_id, "lg:de")
    assert kim.chat.toasts[-1].startswith(ES)
    assert await stored_language(box, 1003) is None
    # A forged button on a message that has none: the choice is made, that message untouched.
    other = kim.chat.last
    before = other.text
    await kim.press_data(other.message_id, "lg:ru")
    assert other.text == before
    assert kim.chat.last.text == RU + texts.source("LANGUAGE_SET")
    assert await stored_language(box, 1003) == "ru"


async def test_each_partner_reads_their_own_choice(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await alex.send("/language es")
    await sam.send("/language ru")
    await open_round(box, alex, sam)
    assert marked(alex) == ES  # Alex's own question, built by Alex's command
    assert marked(sam) == RU  # Sam's copy of it, in Sam's choice
    await alex.press("5")
    assert marked(alex) == ES  # "Saved" for the acting user
    assert marked(sam) == RU  # "Alex has answered" for the partner
    await sam.press("1")
    reveal_alex = next(t for t in alex.chat.texts() if ES + texts.source("REVEAL_HEADER") in t)
    reveal_sam = next(t for t in sam.chat.texts() if RU + texts.source("REVEAL_HEADER") in t)
    assert RU not in reveal_alex and ES not in reveal_sam
    # Back to Telegram's setting (English): the partner's choice is untouched.
    await alex.send("/language auto")
    await alex.send("/settings")
    assert marked(alex) is None
    await sam.send("/settings")
    assert marked(sam) == RU


async def test_menu_and_descriptions_are_registered_in_each_language(box: Sandbox) -> None:
    fake = box.fake
    assert set(fake.menus) == {"", "es", "ru"}
    assert fake.descriptions[""] == texts.BOT_DESCRIPTION
    assert fake.short_descriptions[""] == texts.BOT_SHORT_DESCRIPTION
    for code, mark in (("es", ES), ("ru", RU)):
        assert fake.descriptions[code] == mark + texts.source("BOT_DESCRIPTION")
        assert fake.short_descriptions[code].startswith(mark)
        menu = fake.menus[code]
        assert [c["command"] for c in menu] == [c["command"] for c in fake.menus[""]]
        assert all(c["description"].startswith(mark) for c in menu)
    assert "language" in [c["command"] for c in fake.commands]


def menu_marks(fake: FakeBotAPI, user: FakeUser) -> set[str | None]:
    """The language marks of the command menu ``user`` sees (None: English)."""
    menu = fake.menu_seen_by(user.user_id, user.language_code)
    assert menu, "no command menu"
    return {next((m for m in (ES, RU) if c["description"].startswith(m)), None) for c in menu}


async def test_the_command_menu_follows_a_users_choice_not_only_their_client(
    box: Sandbox,
) -> None:
    """Telegram picks a menu by the client's language; a user who chose another language
    in Tandem gets their chat's own menu in it, and loses it with "auto" or /delete."""
    alex, sam = await make_pair(box)  # both clients report English
    await alex.send("/language es")
    assert menu_marks(box.fake, alex) == {ES}
    assert menu_marks(box.fake, sam) == {None}  # the partner's menu is theirs
    await alex.send("/language")
    await alex.press("Русский")
    assert menu_marks(box.fake, alex) == {RU}
    await alex.send("/language auto")
    assert menu_marks(box.fake, alex) == {None}
    kim = box.fake.user(1003, "Kim", language_code="es")  # a Spanish client, by default
    await kim.send("/start")
    assert menu_marks(box.fake, kim) == {ES}
    await kim.send("/language en")
    assert menu_marks(box.fake, kim) == {None}
    await kim.send("/delete")
    await kim.press(texts.DELETE_YES)
    assert menu_marks(box.fake, kim) == {ES}  # the client's language again


async def test_a_menu_telegram_refuses_leaves_the_choice_and_its_reply(box: Sandbox) -> None:
    alex = box.fake.user(1001, "Alex", language_code="en")
    await alex.send("/start")
    box.fake.fail_next("setMyCommands", error_code=502, description="Bad Gateway")
    await alex.send("/language ru")
    assert alex.chat.last.text == RU + texts.source("LANGUAGE_SET")
    assert await stored_language(box, 1001) == "ru"
    assert menu_marks(box.fake, alex) == {None}  # the menu keeps its words, nothing more
    await alex.send("/help")  # made good by the next /help
    assert menu_marks(box.fake, alex) == {RU}
    box.fake.fail_next("deleteMyCommands", error_code=502, description="Bad Gateway")
    await alex.send("/language auto")
    assert menu_marks(box.fake, alex) == {RU}  # the removal failed: still Russian
    await alex.send("/help")
    assert menu_marks(box.fake, alex) == {None}
