"""Every shipped language is a complete translation (issue 12): each message of
``bot/locale/tandem.pot`` translated, not fuzzy, with the same ``{placeholders}``, plural
messages with the language's number of forms, and the right Plural-Forms header. The checker
itself is shown to fail on broken catalogs, and the run-time catalog picks plural forms by each
language's own rule."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from bot import i18n
from bot.cli import main
from bot.i18n import runtime
from bot.i18n.catalog import translation_problems

POT = i18n.LOCALE_DIR / f"{i18n.DOMAIN}.pot"
SHIPPED = sorted(p.parent.parent.name for p in i18n.LOCALE_DIR.glob("*/LC_MESSAGES/tandem.po"))

RU_RULE = (
    "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
    "(n%100<10 || n%100>=20) ? 1 : 2);"
)
SAVED = ("{n} question is still waiting.", "{n} questions are still waiting.")


@pytest.mark.parametrize("language", SHIPPED or ["(none shipped yet)"])
def test_every_shipped_language_translates_every_message(language: str) -> None:
    if not SHIPPED:
        pytest.skip("no translation ships yet; the test runs for each one that lands")
    po = i18n.LOCALE_DIR / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    problems = translation_problems(po, POT)
    assert problems == [], f"{len(problems)} problems, first: " + "\n".join(problems[:30])


def test_the_shipped_list_is_what_the_bot_offers() -> None:
    i18n.configure()
    assert i18n.available_locales() == SHIPPED


# ------------------------------------------------------------------- the checker on bad catalogs


def _template(tmp_path: Path) -> Path:
    """A small template: two texts (one with a placeholder) and a plural message."""
    template = Catalog(domain=i18n.DOMAIN)
    template.add("Hello {name}.")
    template.add("Goodbye.")
    template.add(SAVED)
    path = tmp_path / "tandem.pot"
    with path.open("wb") as handle:
        write_po(handle, template)
    return path


def _catalog(
    tmp_path: Path,
    language: str,
    messages: dict[object, object],
    plural_forms: str | None = None,
    fuzzy: frozenset[str] = frozenset(),
) -> Path:
    catalog = Catalog(locale=language, domain=i18n.DOMAIN)
    for source, translated in messages.items():
        catalog.add(source, translated, flags=("fuzzy",) if source in fuzzy else ())  # type: ignore[arg-type]
    path = tmp_path / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog)
    if plural_forms is not None:
        text = path.read_text(encoding="utf-8")
        start = text.index('"Plural-Forms:')
        end = text.index("\n", start)
        path.write_text(text[:start] + f'"Plural-Forms: {plural_forms}\\n"' + text[end:])
    return path


RU_GOOD: dict[object, object] = {
    "Hello {name}.": "Привет, {name}.",
    "Goodbye.": "Пока.",
    SAVED: ("{n} вопрос ждёт.", "{n} вопроса ждут.", "{n} вопросов ждут."),
}


def test_a_complete_catalog_has_no_problems(tmp_path: Path) -> None:
    pot = _template(tmp_path)
    assert translation_problems(_catalog(tmp_path, "ru", RU_GOOD, RU_RULE), pot) == []
    spanish: dict[object, object] = {
        "Hello {name}.": "Hola, {name}.",
        "Goodbye.": "Adiós.",
        SAVED: ("Queda {n} pregunta.", "Quedan {n} preguntas."),
    }
    classic = "nplurals=2; plural=(n != 1);"
    assert translation_problems(_catalog(tmp_path, "es", spanish, classic), pot) == []


def test_the_checker_finds_a_missing_message(tmp_path: Path) -> None:
    pot = _template(tmp_path)
    messages = {k: v for k, v in RU_GOOD.items() if k != "Goodbye."}
    assert translation_problems(_catalog(tmp_path, "ru", messages, RU_RULE), pot) == [
        "ru: missing 'Goodbye.'"
    ]


def test_the_checker_finds_an_empty_or_fuzzy_translation(tmp_path: Path) -> None:
    pot = _template(tmp_path)
    empty = {**RU_GOOD, "Goodbye.": ""}
    assert translation_problems(_catalog(tmp_path, "ru", empty, RU_RULE), pot) == [
        "ru: not translated 'Goodbye.'"
    ]
    fuzzy = _catalog(tmp_path, "ru", RU_GOOD, RU_RULE, fuzzy=frozenset({"Goodbye."}))
    assert translation_problems(fuzzy, pot) == ["ru: fuzzy 'Goodbye.'"]


def test_the_checker_finds_a_dropped_placeholder(tmp_path: Path) -> None:
    pot = _template(tmp_path)
    dropped = {**RU_GOOD, "Hello {name}.": "Привет."}
    assert translation_problems(_catalog(tmp_path, "ru", dropped, RU_RULE), pot) == [
        "ru: placeholders differ in 'Hello {name}.'"
    ]
    in_a_form = {**RU_GOOD, SAVED: ("{n} вопрос ждёт.", "Несколько ждут.", "{n} вопросов ждут.")}
    assert translation_problems(_catalog(tmp_path, "ru", in_a_form, RU_RULE), pot) == [
        f"ru: placeholders differ in a plural form of {SAVED[0]!r}"
    ]


def test_the_checker_finds_a_wrong_number_of_plural_forms(tmp_path: Path) -> None:
    pot = _template(tmp_path)
    two = {**RU_GOOD, SAVED: ("{n} вопрос ждёт.", "{n} вопросов ждут.")}
    assert translation_problems(_catalog(tmp_path, "ru", two, RU_RULE), pot) == [
        f"ru: {SAVED[0]!r} needs 3 plural forms (has 2)"
    ]


def test_the_checker_finds_a_wrong_plural_forms_header(tmp_path: Path) -> None:
    pot = _template(tmp_path)
    english_rule = "nplurals=2; plural=(n != 1);"
    problems = translation_problems(_catalog(tmp_path, "ru", RU_GOOD, english_rule), pot)
    assert problems[0].startswith("ru: Plural-Forms is not the language's rule")


# ----------------------------------------------------------------------- plural forms at run time


@pytest.fixture
def temp_locale(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "locale"
    folder.mkdir()
    i18n.configure(folder)
    try:
        yield folder
    finally:
        i18n.configure()


@pytest.mark.parametrize(
    ("n", "form"),
    [(1, 0), (21, 0), (2, 1), (4, 1), (22, 1), (5, 2), (11, 2), (12, 2), (14, 2), (25, 2), (0, 2)],
)
def test_russian_picks_one_few_many(temp_locale: Path, n: int, form: int) -> None:
    _catalog(temp_locale, "ru", RU_GOOD, RU_RULE)
    with i18n.speaking("ru"):
        chosen = i18n.ngettext(*SAVED, n)
    assert chosen == RU_GOOD[SAVED][form]  # type: ignore[index]


def test_a_wrong_header_still_uses_the_languages_rule(temp_locale: Path) -> None:
    """A Russian file left with English's header: the run time uses Russian's rule."""
    _catalog(temp_locale, "ru", RU_GOOD, "nplurals=3; plural=(n != 1);")
    with i18n.speaking("ru"):
        assert i18n.ngettext(*SAVED, 3) == "{n} вопроса ждут."
        assert i18n.ngettext(*SAVED, 5) == "{n} вопросов ждут."


def test_a_plural_with_a_broken_form_stays_english(temp_locale: Path) -> None:
    broken = {**RU_GOOD, SAVED: ("{n} вопрос ждёт.", "{count} ждут.", "{n} вопросов ждут.")}
    _catalog(temp_locale, "ru", broken, RU_RULE)
    with i18n.speaking("ru"):
        assert i18n.ngettext(*SAVED, 3) == SAVED[1]
        assert i18n.gettext("Goodbye.") == "Пока."


def test_each_language_has_its_own_rules() -> None:
    assert [n for n, _ in runtime.plural_rules("ru")] == [3]
    assert [n for n, _ in runtime.plural_rules("es")] == [3, 2]  # CLDR's, then gettext's
    assert runtime.native_name("es") == "Español"
    assert runtime.native_name("ru") == "Русский"
    assert runtime.native_name("en") == "English"


def test_a_complete_translation_of_the_real_template_passes(tmp_path: Path) -> None:
    """The checker on the real ``tandem.pot``: a pseudo-Russian catalog with every message
    (texts marked, plural messages in three forms) has no problem; dropping one message is
    found."""

    with POT.open("rb") as handle:
        template = read_po(handle)
    messages: dict[object, object] = {}
    for message in template:
        if not message.id:
            continue
        if isinstance(message.id, str):
            messages[message.id] = "⟦" + message.id
        else:
            messages[tuple(message.id)] = tuple("⟦" + message.id[1] for _ in range(3))
    assert any(isinstance(key, tuple) for key in messages)
    assert translation_problems(_catalog(tmp_path, "ru", messages, RU_RULE), POT) == []
    dropped = next(key for key in messages if isinstance(key, str) and "{" in key)
    del messages[dropped]
    problems = translation_problems(_catalog(tmp_path, "ru", messages, RU_RULE), POT)
    assert problems == [f"ru: missing {dropped!r}"]


def test_the_cli_check_reports_an_incomplete_language(
    temp_locale: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["i18n", "extract"]) == 0
    assert main(["i18n", "init", "ru"]) == 0  # every message there, none translated yet
    assert main(["i18n", "check"]) == 1
    out, err = capsys.readouterr()
    assert "ru: " in out and " problems" in out
    assert "ru: not translated 'Hi {name}" in err
    assert main(["i18n", "check", "es"]) == 2  # no such catalog
