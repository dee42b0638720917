"""The message catalog: every user-facing text is in it, each partner reads their own language,
and a translation is a file, not a code change."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from bot import i18n, texts
from bot.cli import main
from bot.i18n.catalog import extract_catalog, yaml_strings
from bot.sandbox import Sandbox
from content.loader import load_content
from content.schema import CONTENT_DIR, Dimension
from tests.conftest import make_pair, open_round

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


def _source_strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _source_strings(item)
    elif isinstance(value, tuple):
        for item in value:
            yield from _source_strings(item)


def test_committed_template_lists_every_text() -> None:
    with (i18n.LOCALE_DIR / "tandem.pot").open("rb") as handle:
        committed = {m.id for m in read_po(handle) if m.id}
    current = {m.id for m in extract_catalog() if m.id}
    assert committed == current, "texts changed: run `make messages` and commit tandem.pot"


def test_every_bot_text_and_content_text_is_a_catalog_message() -> None:
    ids: set[str] = set()
    for message in extract_catalog():
        ids.update([message.id] if isinstance(message.id, str) else message.id or ())
    names = [n for n in texts._SOURCE if not n.endswith("COMMANDS")]
    for name in names:
        for text in _source_strings(texts._SOURCE[name]):
            assert text in ids, name
    for name in ("COMMANDS", "FACILITATOR_COMMANDS", "ADMIN_COMMANDS"):
        for _command, description in texts._SOURCE[name]:
            assert description in ids
    bank = load_content()
    for question in bank.questions.values():
        assert question.text in ids
        assert all(o.label in ids for o in question.options)
        if question.scale is not None:
            assert {question.scale.low, question.scale.high} <= ids
    for exercise in bank.exercises.values():
        assert {exercise.title, exercise.why, *exercise.steps} <= ids
    assert {d.label for d in Dimension} <= ids
    # Nothing else in the content files is shown to users untranslated: every string there
    # is either a catalog message or an identifier (ids, kinds, dimensions, triggers).
    for name in ("questions.yaml", "exercises.yaml"):
        for text in yaml_strings(CONTENT_DIR / name):
            assert text in ids or re.fullmatch(r"[a-z0-9_-]+", text), (name, text)


def test_the_catalog_scans_every_texts_module_and_texts_reads_them_all() -> None:
    folder = Path(texts.__file__).parent
    files = {p.stem for p in folder.glob("*.py") if p.name != "__init__.py"}
    assert files == {m.__name__.rsplit(".", 1)[1] for m in texts._FEATURES}
    where = {loc for m in extract_catalog() for loc, _line in m.locations}
    assert {loc for loc in where if loc.startswith("bot/")} == {
        f"bot/texts/{name}.py" for name in files
    }


def test_a_text_name_in_two_feature_modules_is_an_error() -> None:
    one, two = ModuleType("bot.texts.one"), ModuleType("bot.texts.two")
    for module in (one, two):
        vars(module)["KEPT"] = "Okay, nothing changed."
    clash = re.escape("KEPT is defined in bot.texts.one and bot.texts.two")
    with pytest.raises(RuntimeError, match=clash):
        texts._collect([one, two])


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


def test_unknown_or_missing_languages_read_english() -> None:
    for code in (None, "", "xx-invalid-!", "de", "pt-br"):
        with i18n.speaking(code):
            assert texts.BTN_SKIP == "Keep this private"


def test_cli_creates_a_catalog_for_a_new_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    i18n.configure(tmp_path)
    try:
        assert main(["i18n", "init", "pt-br"]) == 0
        created = tmp_path / "pt_BR" / "LC_MESSAGES" / "tandem.po"
        with created.open("rb") as handle:
            catalog = read_po(handle)
        assert texts.source("WELCOME") in catalog
        assert i18n.available_locales() == ["pt_BR"]
        assert main(["i18n", "init", "klingon!"]) == 2
        assert "unknown language" in capsys.readouterr().err
    finally:
        i18n.configure()
