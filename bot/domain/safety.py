"""``/safety``: a private page on when to seek help, that Tandem never needs an answer, how to
leave quietly, and where to find help (by the user's country, plus an international directory
and the local emergency number), with a button that removes the exchange from the user's chat.

Opening the page leaves no trace the partner can see (DESIGN.md, privacy rule 8): it writes
nothing (it reads the user's timezone in a read-only unit of work), queues nothing for anyone,
changes no pair state and logs nothing beyond the adapter's usual update handling. Removing it
trusts no id from callback data on its own: the pressed message must really carry this very
button (Telegram, not the client, describes it), so only the page and the command it answered
can be removed, and only in the presser's own chat.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from bot import texts
from bot.domain import callbacks as cb
from bot.domain.deps import Deps
from bot.domain.errors import Refused
from bot.domain.messages import Button, Keyboard, Message, Outcome, Pressed
from bot.domain.people import UserInfo
from bot.i18n import gettext
from content.safety import SafetyResources, Service
from scheduler.zones import country_of

#: Telegram lets a bot delete a message in a private chat only while it is younger than this.
DELETE_WINDOW = timedelta(hours=48)


def region_of(language_code: str | None) -> str | None:
    """The region of an IETF language tag (``en-GB``, ``pt_br`` → ``GB``, ``BR``), or None."""
    if not language_code:
        return None
    parts = language_code.replace("_", "-").split("-")
    if len(parts) >= 2 and len(parts[1]) == 2 and parts[1].isalpha():
        return parts[1].upper()
    return None


def _service_line(service: Service) -> str:
    ways = []
    if service.phone:
        ways.append(texts.SAFETY_CALL.format(number=service.phone))
    if service.text:
        ways.append(texts.SAFETY_TEXT.format(number=service.text))
    ways.append(service.web)
    return f"\u2022 {service.name}: " + ", ".join(ways)


def resources_text(resources: SafetyResources | None, codes: Sequence[str | None]) -> str:
    """Where to find help: the first of ``codes`` (ISO countries, best guess first) that the
    resources list, else a general pointer; then the international directory and the local
    emergency number, always."""
    lines: list[str] = []
    country = None
    if resources is not None:
        country = next((c for c in map(resources.country, codes) if c is not None), None)
    if country is not None:
        lines.append(texts.SAFETY_WHERE.format(country=gettext(country.name)))
        lines.extend(_service_line(s) for s in country.services)
    else:
        lines.append(texts.SAFETY_NOWHERE)
    if resources is not None:
        anywhere = resources.international
        lines.append(texts.SAFETY_ANYWHERE.format(name=anywhere.name, web=anywhere.web))
    lines.append(texts.SAFETY_EMERGENCY)
    return "\n".join(lines)


async def safety(deps: Deps, who: UserInfo, args: Sequence[str]) -> Outcome:
    """``/safety``: the private page, with a button that removes it and the command from the
    sender's chat. The country comes from the language's region, else the user's timezone."""
    async with deps.db.read() as tx:
        user = await tx.users.get(who.id)
    zone = None if user is None else user.timezone
    codes = [region_of(who.language_code), country_of(zone)]
    text = texts.SAFETY_PAGE.format(resources=resources_text(deps.content.safety, codes))
    keyboard: Keyboard = ()
    if who.message_id is not None:
        keyboard = ((Button(texts.BTN_SAFETY_REMOVE, cb.safety_remove(who.message_id)),),)
    return Outcome(replies=[Message(who.id, text, keyboard)])


def remove(deps: Deps, who: UserInfo, command_id: int, pressed: Pressed | None) -> Outcome:
    """The page's remove button: delete the page and the ``/safety`` command it answered from
    the presser's own chat. Refused, changing nothing, when the pressed message is not a
    /safety page of this chat carrying this very button (forged data), or is too old for
    Telegram to delete."""
    if pressed is None or pressed.sent_at is None:
        raise Refused(texts.SAFETY_REMOVE_TOO_OLD, toast=True)
    own_page = (
        pressed.chat_id == who.id
        and cb.safety_remove(command_id) in pressed.buttons
        and command_id < pressed.message_id
    )
    if not own_page:
        raise Refused(texts.SAFETY_REMOVE_REFUSED, toast=True)
    if deps.now() - pressed.sent_at >= DELETE_WINDOW:
        raise Refused(texts.SAFETY_REMOVE_TOO_OLD, toast=True)
    return Outcome(toast=texts.SAFETY_REMOVED, delete=(pressed.message_id, command_id))
