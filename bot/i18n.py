"""Translations: one gettext message catalog for every user-facing string, content included.

The English source texts are the message ids: the bot's sentences in :mod:`bot.texts`, the
dimension labels, and every question, option, scale label and exercise in ``content/``.
``tandem i18n extract`` writes them all to ``bot/locale/tandem.pot`` (Babel's catalog API);
a translator adds ``bot/locale/<lang>/LC_MESSAGES/tandem.po`` (``tandem i18n init <lang>``),
and the bot speaks that language to every user whose Telegram client reports it. No code
changes: ``.po`` files are compiled in memory when first needed.

The language in force is a context variable: :func:`speaking` sets it around the code that
builds one recipient's messages, so each partner reads their own language.
"""

from __future__ import annotations

import ast
import gettext as _gettext
import io
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import yaml
from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

logger = logging.getLogger(__name__)

DOMAIN = "tandem"
_PLACEHOLDER = re.compile(r"\{(\w*)[^{}]*\}")
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
_SOURCES = (Path(__file__).resolve().parent / "texts.py",)

_locale_dir: Path = LOCALE_DIR
_SOURCE_LANGUAGE = _gettext.NullTranslations()
_current: ContextVar[tuple[str, _gettext.NullTranslations] | None] = ContextVar(
    "tandem_translations", default=None
)
SOURCE_LOCALE = "en"


def configure(locale_dir: Path | None = None) -> None:
    """Use catalogs from ``locale_dir`` (default: ``bot/locale``); forgets loaded ones."""
    global _locale_dir
    _locale_dir = locale_dir or LOCALE_DIR
    _load.cache_clear()


def _candidates(language_code: str | None) -> list[str]:
    """Locale names to try for a Telegram ``language_code`` (an IETF tag like ``pt-br``)."""
    if not language_code:
        return []
    try:
        locale = Locale.parse(language_code.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return []
    names = [str(locale)]
    if locale.territory:
        names.append(locale.language)
    return names


@lru_cache(maxsize=64)
def _load(name: str) -> _gettext.NullTranslations | None:
    path = _locale_dir / name / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=name)
    for message in catalog:
        if not message.id or not isinstance(message.id, str) or not message.string:
            continue
        if placeholders(str(message.string)) != placeholders(message.id):
            # A translation that lost or invented a {placeholder} would break formatting:
            # that one message stays in English instead.
            logger.warning("%s: translation of %r changes its placeholders", path, message.id)
            message.string = ""
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def placeholders(text: str) -> set[str]:
    """The ``{name}`` placeholders a text is formatted with."""
    return {m[1] for m in _PLACEHOLDER.finditer(text)}


def translations(language_code: str | None) -> _gettext.NullTranslations:
    """The catalog for a Telegram ``language_code`` (``de``, ``pt-br``; None = source
    English): the most specific locale shipped, else the untranslated source texts."""
    return _resolve(language_code)[1]


def _resolve(language_code: str | None) -> tuple[str, _gettext.NullTranslations]:
    for name in _candidates(language_code):
        found = _load(name)
        if found is not None:
            return name, found
    return SOURCE_LOCALE, _SOURCE_LANGUAGE


@contextmanager
def speaking(language_code: str | None) -> Iterator[None]:
    """Within this block, :func:`gettext` answers in ``language_code``'s language."""
    token = _current.set(_resolve(language_code))
    try:
        yield
    finally:
        _current.reset(token)


def gettext(message: str) -> str:
    """``message`` (an English source text) in the language currently in force."""
    current = _current.get()
    catalog = current[1] if current is not None else _SOURCE_LANGUAGE
    return catalog.gettext(message) if message else message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, by the rules of the language in force."""
    current = _current.get()
    catalog = current[1] if current is not None else _SOURCE_LANGUAGE
    return catalog.ngettext(singular, plural, n)


def current_locale() -> str:
    """The locale name in force (``en`` unless a shipped catalog was chosen)."""
    current = _current.get()
    return current[0] if current is not None else SOURCE_LOCALE


def format_day(day: date) -> str:
    """A calendar date as users read it, in the locale in force: ``Mon 7 Dec``."""
    return format_date(day, "EEE d MMM", locale=current_locale())


def format_instant(local: datetime) -> str:
    """A local date and time as users read it, in the locale in force: ``Tue 3 Mar, 21:00``."""
    return format_datetime(local, "EEE d MMM, HH:mm", locale=current_locale())


def available_locales() -> list[str]:
    """Locale names that have a catalog in the configured locale directory."""
    if not _locale_dir.is_dir():
        return []
    return sorted(p.parent.parent.name for p in _locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


# ---------------------------------------------------------------- extraction (Babel catalog)


def _texts_messages(path: Path) -> Iterator[tuple[str, int]]:
    """Every string literal assigned to an UPPER_CASE name in ``path`` (with its line), except
    dict keys (lookup keys, not texts)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if not any(isinstance(t, ast.Name) and t.id.isupper() for t in targets):
                continue
            if node.value is None:
                continue
            keys = {id(k) for d in ast.walk(node.value) if isinstance(d, ast.Dict) for k in d.keys}
            for sub in ast.walk(node.value):
                if not isinstance(sub, ast.Constant) or id(sub) in keys:
                    continue
                if isinstance(sub.value, str):
                    yield sub.value, sub.lineno


def _content_messages(folder: Path) -> Iterator[tuple[str, str]]:
    """(text, where) for every translatable string of the content files."""
    from content.loader import load_content

    bank = load_content(folder)
    for q in bank.questions.values():
        yield q.text, f"questions.yaml:{q.id}"
        if q.scale is not None:
            yield q.scale.low, f"questions.yaml:{q.id}"
            yield q.scale.high, f"questions.yaml:{q.id}"
        for option in q.options:
            yield option.label, f"questions.yaml:{q.id}"
    for e in bank.exercises.values():
        for text in (e.title, e.why, *e.steps):
            yield text, f"exercises.yaml:{e.id}"
    for program in bank.programs.values():
        where = f"programs/{program.id}"
        yield program.name, where
        yield program.description, where
        for week in program.schedule:
            for piece in (week.theme, week.message, week.prep_question):
                if piece:
                    yield piece, where


def extract_catalog(content_dir: Path | None = None) -> Catalog:
    """A Babel catalog of every user-facing source text: bot texts, dimension labels and
    content. Command names (the first item of each ``COMMANDS`` pair) are not texts."""
    from content.schema import CONTENT_DIR, Dimension

    catalog = Catalog(project="Tandem", domain=DOMAIN, fuzzy=False)
    from bot.texts import plural_names, source_of

    plurals = {str(source_of(name)[0]): source_of(name) for name in plural_names()}
    plural_forms = {form for pair in plurals.values() for form in pair}
    for path in _SOURCES:
        skip = _command_names()
        for text, line in _texts_messages(path):
            if text in plurals:
                catalog.add(plurals[text], locations=[(f"bot/{path.name}", line)])
            elif text not in skip and text not in plural_forms:
                catalog.add(text, locations=[(f"bot/{path.name}", line)])
    for dimension in Dimension:
        catalog.add(dimension.label, locations=[("content/schema.py", 0)])
    for text, where in _content_messages(content_dir or CONTENT_DIR):
        catalog.add(text, locations=[(f"content/{where}", 0)])
    return catalog


def _command_names() -> set[str]:
    from bot.texts import ADMIN_COMMANDS, COMMANDS, FACILITATOR_COMMANDS

    return {name for name, _ in (*COMMANDS, *FACILITATOR_COMMANDS, *ADMIN_COMMANDS)}


def write_template(path: Path | None = None) -> Path:
    """Write the catalog template (``tandem.pot``) and return its path."""
    target = path or (_locale_dir / f"{DOMAIN}.pot")
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as handle:
        write_po(handle, extract_catalog(), width=100, omit_header=False)
    return target


def init_locale(language: str) -> Path:
    """Create (or update, keeping translations) ``<lang>/LC_MESSAGES/tandem.po`` from the
    current source texts. Raises ValueError for a language Babel does not know."""
    try:
        locale = Locale.parse(language.replace("-", "_"))
    except (ValueError, UnknownLocaleError) as exc:
        raise ValueError(f"unknown language: {language}") from exc
    template = extract_catalog()
    path = _locale_dir / str(locale) / "LC_MESSAGES" / f"{DOMAIN}.po"
    if path.is_file():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        catalog.update(template)
    else:
        catalog = Catalog(locale=locale, project="Tandem", domain=DOMAIN)
        catalog.update(template)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100)
    return path


def yaml_strings(path: Path) -> list[str]:
    """Every string in a YAML file (a helper for checks that content is in the catalog)."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return found
