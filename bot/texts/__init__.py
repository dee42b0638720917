"""Every user-facing sentence of the bot, in English: the source of the message catalog.

The texts live in one data module per feature (``common``, ``onboarding``, ``pairing``,
``account``, ``data``, ``schedule``, ``calendar``, ``rounds``, ``exercises``, ``insight``,
``cohorts``, ``safety``, ``language``, ``reactions``, ``quiet``); this package collects them into one table. Each UPPER_CASE name is a gettext message id (or a tuple/dict of
them). Reading one (``texts.WELCOME``) returns it translated into the language in force (see
:func:`bot.i18n.speaking`), so a second language is a ``.po`` file, not a code change. Read
texts only this way, never from a feature module, which holds the untranslated source.

Texts are plain: they are sent without a parse mode, so user text is never markup.
Placeholders in braces are filled with ``str.format`` after translation; translations must keep
them. Names ending in ``_N`` are (singular, plural) pairs read with :func:`count`. Content texts
(questions, exercises) live in ``content/`` and go through the same catalog.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import ModuleType
from typing import TYPE_CHECKING, Any

from bot.i18n import gettext, ngettext
from bot.texts import (
    account,
    calendar,
    cohorts,
    common,
    data,
    exercises,
    insight,
    language,
    onboarding,
    pairing,
    quiet,
    reactions,
    rounds,
    safety,
    schedule,
)

if TYPE_CHECKING:  # mypy sees every text with its type, as if it were defined here
    from bot.texts.account import *  # noqa: F403
    from bot.texts.calendar import *  # noqa: F403
    from bot.texts.cohorts import *  # noqa: F403
    from bot.texts.common import *  # noqa: F403
    from bot.texts.data import *  # noqa: F403
    from bot.texts.exercises import *  # noqa: F403
    from bot.texts.insight import *  # noqa: F403
    from bot.texts.language import *  # noqa: F403
    from bot.texts.onboarding import *  # noqa: F403
    from bot.texts.pairing import *  # noqa: F403
    from bot.texts.quiet import *  # noqa: F403
    from bot.texts.reactions import *  # noqa: F403
    from bot.texts.rounds import *  # noqa: F403
    from bot.texts.safety import *  # noqa: F403
    from bot.texts.schedule import *  # noqa: F403

_FEATURES: tuple[ModuleType, ...] = (
    common,
    onboarding,
    pairing,
    account,
    data,
    schedule,
    quiet,
    calendar,
    rounds,
    exercises,
    insight,
    cohorts,
    safety,
    language,
    reactions,
)


def _collect(modules: Iterable[ModuleType]) -> dict[str, Any]:
    """The UPPER_CASE names of ``modules`` in one table; a name in two modules is an error."""
    table: dict[str, Any] = {}
    home: dict[str, str] = {}
    for module in modules:
        for name, value in vars(module).items():
            if not name.isupper():
                continue
            if name in table:
                raise RuntimeError(f"text {name} is defined in {home[name]} and {module.__name__}")
            table[name] = value
            home[name] = module.__name__
    return table


_SOURCE: dict[str, Any] = _collect(_FEATURES)


def _translate(value: Any) -> Any:
    if isinstance(value, str):
        return gettext(value)
    if isinstance(value, dict):
        return {key: _translate(item) for key, item in value.items()}
    return tuple(_translate(item) for item in value)


def source(name: str) -> str:
    """The untranslated English text ``name`` (a message id), for data that is translated
    later, when it is shown. Raises KeyError for an unknown name."""
    value = _SOURCE[name]
    assert isinstance(value, str)
    return value


def plural_names() -> list[str]:
    """Names of the texts that have a singular and a plural form (they end in ``_N``)."""
    return [name for name in _SOURCE if name.endswith("_N")]


def count(name: str, n: int, /, **fields: object) -> str:
    """The text ``name`` (a ``_N`` pair) for ``n`` in the right form, with ``{n}`` and the
    other ``fields`` filled in."""
    singular, plural = _SOURCE[name]
    return str(ngettext(singular, plural, n)).format(n=n, **fields)


def source_of(name: str) -> Any:
    """The untranslated value of ``name`` (a text, or a tuple/dict of texts)."""
    return _SOURCE[name]


def __getattr__(name: str) -> Any:
    """``texts.NAME``: the source text translated into the language in force."""
    try:
        value = _SOURCE[name]
    except KeyError:
        raise AttributeError(f"bot.texts has no text {name!r}") from None
    if name.endswith("COMMANDS"):  # command names stay as they are; descriptions are texts
        return tuple((command, gettext(description)) for command, description in value)
    return _translate(value)
