"""``/language``: the language Tandem writes to one user in, over Telegram's own setting
(issue 12).

The choice is the user's alone: it is stored in ``users.language`` and changes only what
*they* read (replies to them and everything queued for them, see
:func:`bot.domain.people.speaking_to`); their partner keeps their own language. Only shipped
languages can be chosen: English (the source texts) and every locale with a catalog
(:func:`bot.i18n.shipped_languages`). The reply that confirms a choice is already in the
chosen language.
"""

from __future__ import annotations

from collections.abc import Sequence

from babel import Locale, UnknownLocaleError

from bot import texts
from bot.domain import callbacks as cb
from bot.domain.deps import Deps
from bot.domain.errors import Refused
from bot.domain.messages import Button, Edit, MenuLanguage, Message, Outcome, Pressed
from bot.domain.people import UserInfo, touch
from bot.i18n import native_name, resolved_locale, shipped_languages, speaking

#: Words after /language that mean "follow my Telegram setting again".
_FOLLOW_WORDS = frozenset({"auto", "telegram", "default", "reset"})


def _names(language: str) -> set[str]:
    """Ways a user may type ``language`` (a locale name): the name itself with ``_`` or
    ``-``, its language part, its own name and its English name, in lower case."""
    names = {language.lower(), language.lower().replace("_", "-"), language.split("_")[0]}
    try:
        locale = Locale.parse(language)
    except (ValueError, UnknownLocaleError):
        return names
    names.add(native_name(language).lower())
    if locale.english_name:
        names.add(locale.english_name.lower())
    return names


def match_language(typed: str) -> str | None:
    """The shipped language ``typed`` names (``es``, ``ES``, ``es-ES``... a code, ``español``
    or ``Spanish``), :data:`bot.domain.callbacks.FOLLOW_TELEGRAM` for ``auto`` (or
    ``telegram``, ``default``, ``reset``), None for anything else."""
    word = typed.strip().lower()
    if word in _FOLLOW_WORDS:
        return cb.FOLLOW_TELEGRAM
    shipped = shipped_languages()
    for language in shipped:
        if word in _names(language):
            return language
    base = word.replace("-", "_").split("_")[0]  # "es-MX" when only "es" ships
    return base if base in shipped else None


def _available() -> str:
    """The shipped languages as a list for a reply: ``English, Español, Русский``."""
    return ", ".join(native_name(language) for language in shipped_languages())


async def language(deps: Deps, who: UserInfo, args: Sequence[str]) -> Outcome:
    """``/language``: with no words, the shipped languages as buttons (each in its own name)
    and "Use my Telegram setting"; with a word (``/language es``), that choice at once. An
    unknown or unshipped language gets the list of those available; nothing changes."""
    if not args:
        return await _ask(deps, who)
    chosen = match_language(" ".join(args))
    if chosen is None:
        raise Refused(texts.LANGUAGE_UNKNOWN.format(languages=_available()))
    text = await _choose(deps, who, chosen)
    return Outcome(replies=[Message(who.id, text)], menu=_menu(chosen))


async def choose(deps: Deps, who: UserInfo, choice: str, pressed: Pressed | None = None) -> Outcome:
    """A /language button: ``choice`` (a locale name, or FOLLOW_TELEGRAM) is stored and the
    keyboard's message says so, in the new language (a reply instead when the pressed message
    does not carry that button: forged data never rewrites another message). A language that
    no longer ships (an old keyboard, or forged data) gets the list of those available as a
    toast."""
    if choice != cb.FOLLOW_TELEGRAM and choice not in shipped_languages():
        raise Refused(texts.LANGUAGE_UNKNOWN.format(languages=_available())[:200], toast=True)
    done = await _choose(deps, who, choice)
    if pressed is not None and cb.language(choice) not in pressed.buttons:
        return Outcome(replies=[Message(who.id, done)], toast="", menu=_menu(choice))
    return Outcome(edit=Edit(done, ()), menu=_menu(choice))


def _menu(choice: str) -> MenuLanguage:
    """The chat's command menu follows the choice: a shipped language's menu whatever the
    client's language, or Telegram's own pick again for FOLLOW_TELEGRAM."""
    return MenuLanguage(None if choice == cb.FOLLOW_TELEGRAM else choice)


async def _ask(deps: Deps, who: UserInfo) -> Outcome:
    """The /language screen: what is in force now and a button per shipped language."""
    async with deps.db.write() as tx:
        user = await touch(deps, tx, who)
    if user.language is not None:
        current = native_name(user.language)
    else:
        found = resolved_locale(user.language_code)
        current = texts.LANGUAGE_FROM_TELEGRAM.format(language=native_name(found))
    buttons = [Button(native_name(name), cb.language(name)) for name in shipped_languages()]
    rows = [tuple(buttons[i : i + 3]) for i in range(0, len(buttons), 3)]
    rows.append((Button(texts.BTN_LANGUAGE_TELEGRAM, cb.language(cb.FOLLOW_TELEGRAM)),))
    text = texts.LANGUAGE_ASK.format(current=current)
    return Outcome(replies=[Message(who.id, text, tuple(rows))])


async def _choose(deps: Deps, who: UserInfo, choice: str) -> str:
    """Store ``choice`` for the sender; the confirmation, in the language now in force for
    them."""
    stored = None if choice == cb.FOLLOW_TELEGRAM else choice
    async with deps.db.write() as tx:
        await touch(deps, tx, who)
        await tx.users.set_language(who.id, stored, deps.now())
    with speaking(stored or who.language_code):
        return texts.LANGUAGE_SET if stored is not None else texts.LANGUAGE_FOLLOWS_TELEGRAM
