"""Arriving: ``/start`` (with a deep link or without, also coming back after blocking the
bot), ``/help``, and the user's own timezone (``/timezone``)."""

from __future__ import annotations

from collections.abc import Sequence

from bot import texts
from bot.domain import callbacks as cb
from bot.domain.account import reactivate
from bot.domain.cohorts.roles import is_admin
from bot.domain.deps import Deps
from bot.domain.messages import Button, MenuLanguage, Message, Outcome
from bot.domain.model import User
from bot.domain.pairing import open_link, start_waiting_schedule, zone_keyboard
from bot.domain.people import UserInfo, pair_of, touch, touch_seen
from bot.domain.ports import UnitOfWork
from bot.domain.subjects import AwaitTimezone
from scheduler.cadence import local_time
from scheduler.zones import ZoneError, ZoneReason, fixed_offset, is_posix_offset, parse_timezone

#: A command's name and its description (in the language in force), for /help.
Listing = Sequence[tuple[str, str]]


async def start(deps: Deps, who: UserInfo, payload: str | None = None) -> Outcome:
    """``/start`` with an optional deep-link payload (an invite or enrolment token). A user
    back after blocking the bot is welcomed back and gets what they missed."""
    async with deps.db.write() as tx:
        before, user = await touch_seen(deps, tx, who)
        out = Outcome()
        if before is not None and not before.active:
            await reactivate(deps, tx, before)
            out.replies.append(Message(who.id, texts.WELCOME_BACK.format(name=user.first_name)))
        if payload:
            out.replies.extend((await open_link(deps, tx, user, payload)).replies)
            return out
        if before is None or before.active:
            out.replies.append(Message(who.id, texts.WELCOME.format(name=user.first_name)))
        if user.timezone is None:
            await tx.users.set_awaiting(who.id, AwaitTimezone())
            out.replies.append(Message(who.id, texts.ASK_TIMEZONE, zone_keyboard()))
        else:
            out.replies.append(await _next_step(tx, user))
        return out


async def _next_step(tx: UnitOfWork, user: User) -> Message:
    found = await pair_of(tx, user)
    if found is None:
        return Message(user.id, texts.NEXT_STEP_UNPAIRED)
    return Message(user.id, texts.NEXT_STEP_PAIRED.format(partner=found[1].first_name))


async def help_text(
    deps: Deps, who: UserInfo, everyone: Listing, facilitators: Listing, admins: Listing
) -> Outcome:
    """``/help``: what Tandem does and the commands; facilitators and admins also see their
    own commands (the listings come from the adapter's command registry). The chat's command
    menu is (re)set to match the user's choice too (their language's, or Telegram's pick when
    they follow it): a choice made before chat menus existed, or a menu call that failed
    then, is made good here."""
    lines = "\n".join(f"/{name} \u2013 {desc}" for name, desc in everyone)
    text = texts.HELP.format(commands=lines)
    async with deps.db.read() as tx:
        facilitator = await tx.facilitators.is_active(who.id)
    extra = list(facilitators) if facilitator else []
    if is_admin(deps, who.id):
        extra += list(admins)
    if extra:
        listed = "\n".join(f"/{name} \u2013 {desc}" for name, desc in extra)
        text += "\n\n" + texts.HELP_FACILITATOR.format(commands=listed)
    return Outcome(replies=[Message(who.id, text)], menu=MenuLanguage(who.language))


async def ask_timezone(deps: Deps, who: UserInfo) -> Outcome:
    """``/timezone`` without an argument: the tap-list, and typed text is taken next."""
    async with deps.db.write() as tx:
        await touch(deps, tx, who)
        await tx.users.set_awaiting(who.id, AwaitTimezone())
    return Outcome(replies=[Message(who.id, texts.ASK_TIMEZONE_AGAIN, zone_keyboard())])


def _zone_set_text(typed: str, zone: str, now_local: str) -> str:
    """The reply to a timezone set from ``typed``: the zone and its time now; for a fixed
    offset, that it does not follow daylight saving (a city does); for a sign-inverted POSIX
    name (``Etc/GMT-3``), how it was read (issue 12)."""
    text = texts.TIMEZONE_SET.format(zone=zone, local=now_local)
    if is_posix_offset(typed):
        text += "\n\n" + texts.TIMEZONE_POSIX_NOTE.format(text=typed.strip(), zone=zone)
    if fixed_offset(zone) is not None:
        text += "\n\n" + texts.TIMEZONE_FIXED_NOTE.format(zone=zone)
    return text


async def set_timezone(deps: Deps, who: UserInfo, text: str) -> Outcome:
    """Set the sender's own timezone from a typed city or zone, or a tapped zone (``other``:
    they will type it). Unknown input gets a friendly reply and changes nothing. A paired
    user whose pair follows another zone is offered to switch it."""
    if text == "other":
        async with deps.db.write() as tx:
            await touch(deps, tx, who)
            await tx.users.set_awaiting(who.id, AwaitTimezone())
        return Outcome(replies=[Message(who.id, texts.TIMEZONE_TYPE)], toast="")
    try:
        zone = parse_timezone(text)
    except ZoneError as error:
        shown = text.strip()[:40]
        bad = texts.TIMEZONE_BAD_OFFSET if error.reason is ZoneReason.OFFSET else None
        reply = (bad or texts.TIMEZONE_UNKNOWN).format(text=shown)
        return Outcome(replies=[Message(who.id, reply)])
    async with deps.db.write() as tx:
        user = await touch(deps, tx, who)
        await tx.users.set_timezone(who.id, zone, deps.now())
        await tx.users.stop_awaiting(who.id, AwaitTimezone())
        now_local = local_time(deps.now(), zone).strftime("%H:%M")
        out = Outcome(replies=[Message(who.id, _zone_set_text(text, zone, now_local))])
        started = await start_waiting_schedule(deps, tx, user, zone)
        found = await pair_of(tx, user)
        if started is not None:
            out.replies.append(Message(who.id, started))
        elif found is None:
            out.replies.append(await _next_step(tx, user))
        elif found[0].timezone != zone:
            pair, partner = found
            keyboard = (
                (Button(texts.TIMEZONE_USE_MINE.format(zone=zone), cb.pair_timezone("me")),),
                (Button(texts.TIMEZONE_KEEP.format(zone=pair.timezone), cb.setting("keep")),),
            )
            text = texts.TIMEZONE_OFFER_PAIR.format(
                partner=partner.first_name, pair_zone=pair.timezone, zone=zone
            )
            out.replies.append(Message(who.id, text, keyboard))
        return out
