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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, get_day_names
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
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


#: Plural rules accepted for a language besides Babel's (CLDR's): GNU gettext's classic ones,
#: which translation tools write (Spanish: two forms, where CLDR adds one for millions).
_CLASSIC_PLURALS = {"es": (2, "(n != 1)"), "fr": (2, "(n > 1)")}
#: The numbers two plural rules are compared on (every form of every rule we ship shows up).
_PLURAL_SAMPLES = (*range(0, 1001), 10_000, 100_000, 1_000_000, 2_000_000, 10**9)


def plural_rules(language: str) -> list[tuple[int, str]]:
    """The plural rules a catalog of ``language`` (a locale name such as ``ru``) may declare
    in its ``Plural-Forms`` header, as (number of forms, C expression): Babel's (CLDR), first,
    then GNU gettext's classic one where it differs (issue 12)."""
    language = language.split("_")[0]
    babel_rule = get_plural(language)
    rules = [(babel_rule.num_plurals, babel_rule.plural_expr)]
    classic = _CLASSIC_PLURALS.get(language)
    if classic is not None:
        rules.append(classic)
    return rules


def plural_index(expression: str) -> Callable[[int], int]:
    """The form chooser of a ``plural=`` C expression (raises ValueError when malformed)."""
    return _gettext.c2py(expression)


def same_plural_rule(a: tuple[int, str], b: tuple[int, str]) -> bool:
    """Whether two (number of forms, expression) rules choose the same form for every number
    Tandem could show (0 to 1,000 and a few large ones)."""
    if a[0] != b[0]:
        return False
    first, second = plural_index(a[1]), plural_index(b[1])
    return all(first(n) == second(n) for n in _PLURAL_SAMPLES)


def language_rule(catalog: Catalog, language: str) -> tuple[int, str]:
    """The plural rule to use for a catalog of ``language``: its header's when that is one of
    :func:`plural_rules`, else Babel's for the language (a header left at English's
    ``n != 1`` in a Russian file would pick the wrong forms)."""
    declared = (catalog.num_plurals, catalog.plural_expr)
    rules = plural_rules(language)
    for rule in rules:
        if same_plural_rule(declared, rule):
            return declared
    return rules[0]


@lru_cache(maxsize=64)
def _load(name: str) -> _gettext.NullTranslations | None:
    path = _locale_dir / name / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=name)
    forms, expression = language_rule(catalog, name)
    if (forms, expression) != (catalog.num_plurals, catalog.plural_expr):
        logger.warning("%s: Plural-Forms is not %s's rule; using %s", path, name, expression)
    for message in catalog:
        if not message.id or not message.string:
            continue
        if not _keeps_placeholders(message.id, message.string, forms):
            # A translation that lost or invented a {placeholder}, or has the wrong number of
            # plural forms, would break formatting: that one message stays in English instead.
            logger.warning("%s: translation of %r changes its placeholders", path, message.id)
            message.string = "" if isinstance(message.id, str) else ("",) * len(message.string)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    found = _gettext.GNUTranslations(buffer)
    found.plural = plural_index(expression)  # type: ignore[attr-defined]
    return found


def _keeps_placeholders(source: object, translated: object, forms: int) -> bool:
    """Whether a translation has the placeholders of its source: a text those of the source
    text; a plural message ``forms`` forms, each with those of the source's plural form."""
    if isinstance(source, str):
        return isinstance(translated, str) and placeholders(translated) == placeholders(source)
    if not isinstance(source, tuple | list) or not isinstance(translated, tuple | list):
        return False
    wanted = placeholders(str(source[-1]))
    filled = [str(form) for form in translated if form]
    if not filled:
        return True  # untranslated: English is used
    return len(translated) == forms and all(
        form and placeholders(str(form)) == wanted for form in translated
    )


def placeholders(text: str) -> set[str]:
    """The ``{name}`` placeholders a text is formatted with."""
    return {m[1] for m in _PLACEHOLDER.finditer(text)}


def translations(language_code: str | None) -> _gettext.NullTranslations:
    """The catalog for a Telegram ``language_code`` (``de``, ``pt-br``; None = source
    English): the most specific locale shipped, else the untranslated source texts."""
    return _resolve(language_code)[1]


def resolved_locale(language_code: str | None) -> str:
    """The locale name :func:`speaking` would use for ``language_code``: the most specific
    shipped one, else ``en``."""
    return _resolve(language_code)[0]


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


@dataclass(frozen=True)
class _DatePatterns:
    """How one language writes a day (``Mon 7 Dec``), a day of the year with and without its
    year (``14 June 2019``), and a local instant (``Tue 3 Mar, 21:00``): Babel patterns."""

    day: str
    day_month_year: str
    day_month: str
    instant: str


#: English, and any language without its own line. Abbreviated months are English's alone:
#: Russian's end in a dot ("мар."), which doubled at a sentence's end ("вт 3 мар.."), and
#: Spanish's read like its weekdays ("mar 3 mar"; probe of 2026-12-03).
_PATTERNS_DEFAULT = _DatePatterns("EEE d MMM", "d MMMM y", "d MMMM", "EEE d MMM, HH:mm")
_PATTERNS = {
    "es": _DatePatterns(
        "EEE d 'de' MMMM", "d 'de' MMMM 'de' y", "d 'de' MMMM", "EEE d 'de' MMMM, HH:mm"
    ),
    "ru": _DatePatterns("EEE d MMMM", "d MMMM y", "d MMMM", "EEE d MMMM, HH:mm"),
}


def _patterns() -> _DatePatterns:
    return _PATTERNS.get(current_locale().split("_")[0], _PATTERNS_DEFAULT)


def format_day(day: date) -> str:
    """A calendar date as users read it, in the locale in force: ``Mon 7 Dec`` (Spanish
    ``lun 7 de diciembre``, Russian ``пн 7 декабря``)."""
    return format_date(day, _patterns().day, locale=current_locale())


def format_day_month(day: date, with_year: bool = True) -> str:
    """A day of the year as users read it, in the locale in force: ``14 June 2019``, or
    ``14 June`` without the year (``14 de junio``, ``14 июня``)."""
    patterns = _patterns()
    pattern = patterns.day_month_year if with_year else patterns.day_month
    return format_date(day, pattern, locale=current_locale())


def weekday_short(index: int) -> str:
    """A weekday's usual short name for a button (0 = Monday), capitalised, in the locale in
    force: ``Mon``, ``Lun``, ``Пн`` (CLDR's, not the first three letters: Russian's are two,
    ``Пн``, never ``Пон``). Raises KeyError for an index outside 0-6."""
    name = get_day_names("abbreviated", "stand-alone", locale=current_locale())[index]
    return str(name[:1].upper() + name[1:])


def format_instant(local: datetime) -> str:
    """A local date and time as users read it, in the locale in force: ``Tue 3 Mar, 21:00``
    (``mar 3 de marzo, 21:00``, ``вт 3 марта, 21:00``)."""
    return format_datetime(local, _patterns().instant, locale=current_locale())


def available_locales() -> list[str]:
    """Locale names that have a catalog in the configured locale directory."""
    if not _locale_dir.is_dir():
        return []
    return sorted(p.parent.parent.name for p in _locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def native_name(locale_name: str) -> str:
    """A locale's name in its own language, capitalised as a menu item: ``es`` -> ``Español``,
    ``ru`` -> ``Русский``, ``en`` -> ``English``; the name itself when Babel does not know
    it."""
    try:
        name = Locale.parse(locale_name).get_display_name(locale_name)
    except (ValueError, UnknownLocaleError):
        return locale_name
    return (name[:1].upper() + name[1:]) if name else locale_name


def shipped_languages() -> list[str]:
    """The languages a user may choose with /language: English (the source texts) and every
    locale with a catalog (:func:`available_locales`), English first."""
    return [SOURCE_LOCALE, *(name for name in available_locales() if name != SOURCE_LOCALE)]
