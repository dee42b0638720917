"""Who is acting and whom to tell: the user behind an update, their pair and partner, their
timezone and language, and the outbox.

Every feature finds people through these helpers, so the "not paired" guard and the way a
notice reaches a partner (in the partner's own language, only while they can be reached) are
written once.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime

from bot import texts
from bot.domain.deps import Deps
from bot.domain.errors import Refused
from bot.domain.messages import Message
from bot.domain.model import Pair, PairStatus, User
from bot.domain.ports import UnitOfWork
from bot.domain.quiet import Urgency, quiet_delivery
from bot.domain.sending import actor
from bot.i18n import format_day, format_instant, speaking
from bot.logs import bind
from scheduler.cadence import local_time


@dataclass(frozen=True)
class UserInfo:
    """Who sent an update, as the adapter read it from Telegram (never trusted for access:
    only ``id`` identifies, and it comes from Telegram, not from callback data).
    ``message_id``: the id of the message that carried the update (a command or text) in the
    sender's private chat; None for a button press. ``language``: the language the sender
    chose with /language (None: they follow Telegram's ``language_code``)."""

    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = None
    message_id: int | None = None
    language: str | None = None

    @property
    def speaks(self) -> str | None:
        """The language to answer in: the /language choice (``language``, as stored when the
        update arrived), else Telegram's ``language_code`` (issue 12)."""
        return self.language or self.language_code


#: The longest first name shown, in characters (Telegram allows 64).
MAX_NAME_CHARS = 64
#: Characters a name may not carry: controls, format characters (bidi overrides, zero-width
#: joiners), line and paragraph separators, private-use and unpaired surrogates.
_HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cs"})


def clean_name(name: str | None) -> str:
    """A Telegram first name as Tandem shows it beside answers: without invisible or
    layout-changing characters (a name such as "You: 1 of 5<LINE SEPARATOR>Alex" could
    otherwise pose as a reveal's lines, DESIGN.md rule 7), whitespace runs as one space, at most
    :data:`MAX_NAME_CHARS` characters; "Partner" when nothing is left."""
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in (name or "")
        if ch.isspace() or unicodedata.category(ch) not in _HIDDEN
    )
    cleaned = " ".join(kept.split())[:MAX_NAME_CHARS].strip()
    return cleaned or "Partner"


async def touch(deps: Deps, tx: UnitOfWork, who: UserInfo) -> User:
    """Create or refresh the sender's user record from Telegram's data; return it."""
    return (await touch_seen(deps, tx, who))[1]


async def touch_seen(deps: Deps, tx: UnitOfWork, who: UserInfo) -> tuple[User | None, User]:
    """Like :func:`touch`, also returning the record as it was before (None: new user)."""
    return await tx.users.touch(who.id, who.first_name, who.username, who.language_code, deps.now())


async def pair_of(tx: UnitOfWork, user: User) -> tuple[Pair, User] | None:
    """The user's active pair and their partner, or None (not paired, or the partner's data
    is gone)."""
    if user.pair_id is None:
        return None
    bind(pair_id=user.pair_id)  # the pair in this update's log lines (ids only)
    pair = await tx.pairs.get(user.pair_id)
    if pair is None or pair.status is not PairStatus.ACTIVE:
        return None
    partner_id = pair.partner_of(user.id)
    partner = None if partner_id is None else await tx.users.get(partner_id)
    if partner is None:
        return None
    return pair, partner


async def require_pair(
    deps: Deps, tx: UnitOfWork, who: UserInfo, *, toast: bool = False, read_only: bool = False
) -> tuple[User, Pair, User]:
    """The sender, their active pair and their partner. Raises :class:`Refused` with the
    "not paired" reply (as a toast with ``toast``). ``read_only``: do not create or refresh
    the sender's record (inside a read-only unit of work)."""
    user = await tx.users.get(who.id) if read_only else await touch(deps, tx, who)
    found = None if user is None else await pair_of(tx, user)
    if user is None or found is None:
        raise Refused(texts.NOT_PAIRED, toast=toast)
    return user, found[0], found[1]


def zone_of(deps: Deps, user: User) -> str:
    """The user's IANA timezone, or the configured default until they pick one."""
    return user.timezone or deps.config.default_timezone


def fmt_local(instant: datetime, zone: str) -> str:
    """An instant (aware) as a reader in ``zone`` reads it, in the locale in force:
    ``Tue 3 Mar, 21:00``."""
    return format_instant(local_time(instant, zone))


def fmt_date(day: date) -> str:
    """A calendar date as users read it, in the locale in force: ``Mon 7 Dec``."""
    return format_day(day)


def speaking_to(user: User | None) -> AbstractContextManager[None]:
    """Texts built inside this block are in ``user``'s language (their /language choice, else
    their Telegram one)."""
    return speaking(None if user is None else user.speaks)


async def tell(
    deps: Deps,
    tx: UnitOfWork,
    message: Message,
    *,
    urgency: Urgency = Urgency.WAITS,
    to: User | None = None,
) -> None:
    """Queue ``message`` in the outbox, in this transaction (sent after commit, at least
    once). For anyone but the person acting, the recipient's quiet hours apply
    (:func:`bot.domain.quiet.quiet_delivery`): by default the message waits for their end;
    ``urgency=Urgency.SILENT`` sends it at once without sound instead (issue 12). ``to``: the
    recipient as the caller read them in this unit of work (else read here, only when the
    message is for someone other than the person acting)."""
    now = deps.now()
    if message.user_id != actor():
        recipient = to if to is not None and to.id == message.user_id else None
        if recipient is None:
            recipient = await tx.users.get(message.user_id)
        message = deliver(deps, message, recipient, urgency)
    await tx.outbox.enqueue(message, now)


def deliver(
    deps: Deps, message: Message, recipient: User | None, urgency: Urgency = Urgency.WAITS
) -> Message:
    """``message`` with the recipient's quiet hours applied at ``deps.now()`` (see
    :func:`bot.domain.quiet.quiet_delivery`; their own timezone): for callers that queue
    without :func:`tell` (a round's questions, a broadcast)."""
    if recipient is None:
        return message
    return quiet_delivery(
        message, recipient, zone_of(deps, recipient), deps.now(), urgency, actor()
    )


async def tell_pair(
    deps: Deps,
    tx: UnitOfWork,
    pair: Pair,
    build: Callable[[], str],
    *,
    urgency: Urgency = Urgency.WAITS,
) -> None:
    """Queue ``build()`` for each partner of ``pair`` who can be reached (known, not blocking
    the bot), built in that partner's language; each partner's quiet hours apply as in
    :func:`tell`."""
    members = await tx.users.get_many(pair.members)
    for member_id in pair.members:
        member = members.get(member_id)
        if member is None or not member.active:
            continue
        with speaking_to(member):
            text = build()
        await tell(deps, tx, Message(member.id, text), urgency=urgency, to=member)


def other_name(names: dict[int, str], pair: Pair, user_id: int) -> str:
    """The first name of ``user_id``'s partner in ``pair`` ('' when unknown)."""
    partner = pair.partner_of(user_id)
    return "" if partner is None else names.get(partner, "")


async def names_of(tx: UnitOfWork, pair: Pair) -> dict[int, str]:
    """First names of the pair's members, by id."""
    return {u.id: u.first_name for u in (await tx.users.get_many(pair.members)).values()}
