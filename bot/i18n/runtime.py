"""Translations at run time: one gettext message catalog for every user-facing string.

The English source texts are the message ids: the bot's sentences in :mod:`bot.texts`, the
dimension labels, and every question, option, scale label and exercise in ``content/``.
``tandem i18n extract`` writes them all to ``bot/locale/tandem.pot`` (see
:mod:`bot.i18n.catalog`, the extraction tooling); a translator adds
``bot/locale/<lang>/LC_MESSAGES/tandem.po`` (``tandem i18n init <lang>``), and the bot speaks
that language to every user whose Telegram client reports it. No code changes: ``.po`` files
are compiled in memory when first needed.

The language in force is a context variable: :func:`speaking` sets it around the code that
builds one recipient's messages, so each partner reads their own language.

This module imports nothing of Tandem's, so every layer can use it.
"""

from __future__ import annotations

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

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

logger = logging.getLogger(__name__)

DOMAIN = "tandem"
_PLACEHOLDER = re.compile(r"\{(\w*)[^{}]*\}")
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"

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


def configured_locale_dir() -> Path:
    """The locale directory in use: ``bot/locale`` unless :func:`configure` chose another."""
    return _locale_dir


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


def format_day_month(day: date, with_year: bool = True) -> str:
    """A day of the year as users read it, in the locale in force: ``14 June 2019``, or
    ``14 June`` without the year."""
    return format_date(day, "d MMMM y" if with_year else "d MMMM", locale=current_locale())


def format_instant(local: datetime) -> str:
    """A local date and time as users read it, in the locale in force: ``Tue 3 Mar, 21:00``."""
    return format_datetime(local, "EEE d MMM, HH:mm", locale=current_locale())


def available_locales() -> list[str]:
    """Locale names that have a catalog in the configured locale directory."""
    if not _locale_dir.is_dir():
        return []
    return sorted(p.parent.parent.name for p in _locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
