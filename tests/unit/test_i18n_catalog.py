"""The message catalog: every user-facing text is in it, and a translation is a file, not a code
change."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from babel.messages.pofile import read_po

from bot import i18n, texts
from bot.cli import main
from bot.i18n.catalog import extract_catalog, yaml_strings
from content.loader import load_content
from content.schema import CONTENT_DIR, Dimension


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
