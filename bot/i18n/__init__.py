"""Translations: the run-time API of one gettext message catalog (see :mod:`bot.i18n.runtime`).

``from bot.i18n import gettext, speaking`` is how the bot reads its catalogs. The extraction
tooling behind ``tandem i18n`` lives in :mod:`bot.i18n.catalog`, which this package does not
import: the bot never needs it, and it imports :mod:`bot.texts`, which imports this package.
"""

from __future__ import annotations

from bot.i18n.runtime import (
    DOMAIN,
    LOCALE_DIR,
    SOURCE_LOCALE,
    available_locales,
    configure,
    configured_locale_dir,
    current_locale,
    format_day,
    format_day_month,
    format_instant,
    gettext,
    native_name,
    ngettext,
    placeholders,
    resolved_locale,
    shipped_languages,
    speaking,
    translations,
    weekday_short,
)

__all__ = [
    "DOMAIN",
    "LOCALE_DIR",
    "SOURCE_LOCALE",
    "available_locales",
    "configure",
    "configured_locale_dir",
    "current_locale",
    "format_day",
    "format_day_month",
    "format_instant",
    "gettext",
    "native_name",
    "ngettext",
    "placeholders",
    "resolved_locale",
    "shipped_languages",
    "speaking",
    "translations",
    "weekday_short",
]
