"""A reminder of the exercise a pair agreed on: set by a suggested button, typed (``19:30``,
``tomorrow 19:30``, ``sat 10:00`` in the sender's own timezone) or turned off; sent to both
partners when it comes due.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from datetime import UTC, datetime, timedelta

from bot import texts
from bot.domain.asking import exercise_text
from bot.domain.dates import day_offset
from bot.domain.deps import Deps
from bot.domain.errors import Refused
from bot.domain.exercises.offers import offer_for, pick_label
from bot.domain.messages import Edit, Message, Outcome
from bot.domain.model import Offer, OfferStatus, Pair, PairStatus, User
from bot.domain.people import UserInfo, fmt_local, speaking_to, tell, touch, zone_of
from bot.domain.ports import UnitOfWork
from bot.domain.quiet import quiet_text
from bot.domain.schedule import parse_weekday
from bot.domain.subjects import AwaitReminderTime, DueKind, OfferSubject
from bot.i18n import gettext
from scheduler.cadence import TimeOfDayError, local_time, parse_time_of_day
from scheduler.due import DueItem
from scheduler.zones import zone_info

logger = logging.getLogger(__name__)

#: Reminders further out than this are refused (a forged or very old button).
REMIND_HORIZON = timedelta(days=30)
#: A reminder or follow-up that comes due this late (the bot was down) is dropped or moved.
STALE_AFTER = timedelta(hours=2)


async def remind_choice(deps: Deps, who: UserInfo, offer_id: int, when: str) -> Outcome:
    """A reminder button: an instant (minutes since the epoch, UTC) from the suggestions,
    ``type`` (the next text message is a time), or ``none`` (also turns off a reminder the
    partner set; they are told). An instant in the past or beyond 30 days is refused; one
    inside the presser's own quiet hours moves to their end, and the reply says so (issue 12:
    the suggestions avoid both partners' quiet hours as they were when suggested)."""
    async with deps.db.write() as tx:
        offer, pair, user = await offer_for(deps, tx, who, offer_id)
        if offer.status is not OfferStatus.AGREED:
            raise Refused(texts.OFFER_CLOSED, toast=True, close=True)
        if when == "none":
            return await _no_reminder(deps, tx, user, offer, pair)
        if when == "type":
            await tx.users.set_awaiting(who.id, AwaitReminderTime(offer_id))
            return Outcome(replies=[Message(who.id, texts.REMIND_TYPE)], toast="")
        # Compared as numbers first: a forged instant may lie beyond what a datetime holds.
        minutes = int(when)
        if minutes * 60 > (deps.now() + REMIND_HORIZON).timestamp():
            raise Refused(texts.REMIND_TOO_FAR, toast=True)
        at = datetime.fromtimestamp(minutes * 60, UTC)
        if at <= deps.now():
            raise Refused(texts.REMIND_PAST_BUTTON, toast=True)
        moved = await _set_out_of_quiet(deps, tx, user, offer, pair, at)
        if moved is not None:  # the buttons stay: "Another time" picks a different one
            return Outcome(replies=[Message(who.id, moved)], toast="")
        return Outcome(toast="", edit=Edit(None, ()))


async def remind_text(deps: Deps, who: UserInfo, offer_id: int, text: str) -> Outcome:
    """A typed reminder time, in the sender's own timezone: ``19:30``, ``tomorrow 19:30`` or
    ``sat 10:00``. A bare time that has passed today means tomorrow. A time inside the
    sender's own quiet hours is never taken silently: the reminder moves to their end and the
    reply says so (issue 12; the partner's copy waits for the end of theirs, see
    :mod:`bot.domain.quiet`)."""
    async with deps.db.write() as tx:
        user = await touch(deps, tx, who)
        offer = await tx.offers.get(offer_id)
        pair = None if offer is None else await tx.pairs.get(offer.pair_id)
        if (
            offer is None
            or pair is None
            or user.pair_id != offer.pair_id
            or offer.status is not OfferStatus.AGREED
        ):
            await tx.users.set_awaiting(who.id, None)
            return Outcome(replies=[Message(who.id, texts.OFFER_CLOSED)])
        at = parse_when(text, zone_of(deps, user), deps.now())
        if at is None:
            return Outcome(replies=[Message(who.id, texts.REMIND_BAD)])
        if at <= deps.now():
            return Outcome(replies=[Message(who.id, texts.REMIND_PAST)])
        await tx.users.set_awaiting(who.id, None)
        moved = await _set_out_of_quiet(deps, tx, user, offer, pair, at)
        if moved is None:
            return Outcome(toast="")
        return Outcome(replies=[Message(who.id, moved)])


async def _set_out_of_quiet(
    deps: Deps, tx: UnitOfWork, user: User, offer: Offer, pair: Pair, at: datetime
) -> str | None:
    """Set the reminder at ``at`` (aware UTC), or at the end of ``user``'s quiet hours when
    ``at`` falls inside them; returns the reply that says it moved (in the language in
    force), else None."""
    zone = zone_of(deps, user)
    moved = out_of_quiet(user, at, zone)
    await _set_reminder(deps, tx, user, offer, pair, moved)
    if moved == at:
        return None
    return texts.REMIND_MOVED_QUIET.format(
        asked=fmt_local(at, zone),
        hours=quiet_text(user.quiet, texts.QUIET_OFF_WORD),
        when=fmt_local(moved, zone),
        button=texts.BTN_REMIND_TYPE,
    )


def out_of_quiet(user: User, at: datetime, zone: str) -> datetime:
    """``at`` (aware UTC), or the end of ``user``'s quiet hours (read in ``zone``, their own)
    when ``at`` falls inside them (issue 12: a typed 3am is never accepted as it is)."""
    quiet = user.quiet
    ends = None if quiet is None else quiet.end_after(at, zone)
    return at if ends is None else ends


async def _no_reminder(deps: Deps, tx: UnitOfWork, user: User, offer: Offer, pair: Pair) -> Outcome:
    """ "No reminder": nothing to do, or turn off the reminder that is set (and tell the
    partner, through the outbox so both chats end in the order the changes happened)."""
    if offer.remind_at is None:
        return Outcome(replies=[Message(user.id, texts.REMIND_NONE)], edit=Edit(None, ()))
    await tx.offers.set_reminder(offer.id, None)
    await tx.due.cancel(DueKind.EXERCISE_REMIND, OfferSubject(offer.id))
    await tell(deps, tx, Message(user.id, texts.REMIND_OFF_YOU))
    partner = await _partner(tx, pair, user)
    if partner is not None and partner.active:
        with speaking_to(partner):
            text = texts.REMIND_OFF_PARTNER.format(name=user.first_name)
        await tell(deps, tx, Message(partner.id, text))
    return Outcome(toast="", edit=Edit(None, ()))


async def _partner(tx: UnitOfWork, pair: Pair, user: User) -> User | None:
    partner_id = pair.partner_of(user.id)
    return None if partner_id is None else await tx.users.get(partner_id)


async def _set_reminder(
    deps: Deps, tx: UnitOfWork, user: User, offer: Offer, pair: Pair, at: datetime
) -> None:
    """Set the reminder at ``at`` (aware UTC); both are told, each in their own timezone.

    Both notices go through the outbox, so two reminders set at once reach both chats in the
    order of their commits: each chat ends with the one that holds."""
    await tx.offers.set_reminder(offer.id, at)
    await tx.due.schedule(DueKind.EXERCISE_REMIND, OfferSubject(offer.id), at, deps.now())
    mine = fmt_local(at, zone_of(deps, user))
    await tell(deps, tx, Message(user.id, texts.REMIND_SET_YOU.format(when=mine)))
    partner = await _partner(tx, pair, user)
    if partner is not None and partner.active:
        when = fmt_local(at, zone_of(deps, partner))
        with speaking_to(partner):
            title = pick_label(deps, offer.chosen or "")
            text = texts.REMIND_SET_PARTNER.format(name=user.first_name, title=title, when=when)
        await tell(deps, tx, Message(partner.id, text))


async def active_offer(tx: UnitOfWork, offer_id: int) -> tuple[Offer, Pair, set[int]] | None:
    """An agreed (or followed-up) offer whose pair is still active, with its pair and the ids
    of the partners Tandem can reach (not blocked); else None."""
    offer = await tx.offers.get(offer_id)
    if offer is None or offer.status not in (OfferStatus.AGREED, OfferStatus.FOLLOWED):
        return None
    pair = await tx.pairs.get(offer.pair_id)
    if pair is None or pair.status is not PairStatus.ACTIVE:
        return None
    members = await tx.users.get_many(pair.members)
    return offer, pair, {m.id for m in members.values() if m.active}


async def due_remind(deps: Deps, item: DueItem, now: datetime) -> datetime | None:
    """Remind both partners of the exercise they agreed on (subject ``offer:<id>``); a
    reminder more than two hours late (the bot was down), or due while the pair is paused
    (checked now, at fire time: issue 12), is dropped."""
    offer_id = OfferSubject.parse(item.subject).offer_id
    if now - item.due_at > STALE_AFTER:
        logger.info("offer %s: reminder due %s dropped (the bot was down)", offer_id, item.due_at)
        return None
    async with deps.db.write() as tx:
        found = await active_offer(tx, offer_id)
        if found is None:
            return None
        offer, pair, active = found
        if pair.paused:
            # Checked when it fires: a pause stops everything the pair is sent (issue 12).
            logger.info("offer %s: reminder dropped, the pair is paused", offer_id)
            return None
        exercise = deps.content.exercises.get(offer.chosen or "")
        if exercise is None:
            return None
        members = await tx.users.get_many(pair.members)
        for member_id in pair.members:
            if member_id not in active:
                continue  # blocked the bot: the reminder reaches the other one
            with speaking_to(members.get(member_id)):
                text = texts.REMIND_DUE.format(title=gettext(exercise.title))
                text += "\n\n" + exercise_text(exercise, why=False)
            await tell(deps, tx, Message(member_id, text))
    return None


#: An optional day word after an optional "on" (``on``, ``el``, ``в``/``во``), letters of
#: any script with a trailing dot allowed (``sáb.``); an optional "at" (``at``, ``a las``,
#: ``в``); then the time.
_WHEN = re.compile(
    r"^\s*(?:(?:(?:on|el|во?)\s+)?(?!at\s)([^\W\d_]{2,12})\.?,?\s+)?"
    r"(?:(?:at|a\s+las?|в)\s+)?(.+?)\s*$",
    re.I,
)


def parse_when(text: str, zone: str, now: datetime) -> datetime | None:
    """A reminder instant (aware UTC) from ``19:30``, ``tomorrow 19:30`` or ``sat 10:00`` in
    ``zone``, with the day in any read language (``mañana a las 19:30``, ``сб 10:00``:
    :func:`bot.domain.dates.day_offset`, :func:`bot.domain.schedule.parse_weekday`); None
    when unreadable. A bare time already past today means tomorrow; a weekday means its next
    occurrence (today if the time is still ahead)."""
    match = _WHEN.match(unicodedata.normalize("NFC", text))
    if match is None:
        return None
    word, clock = match[1], match[2]
    try:
        at = parse_time_of_day(clock)
    except TimeOfDayError:
        return None
    local_now = local_time(now, zone)
    day = local_now.date()
    offset = None if word is None else day_offset(word)
    relative = offset is not None
    if offset is not None:
        day += timedelta(days=offset)
    elif word is not None:
        weekday = parse_weekday(word)
        if weekday is None:
            return None
        day += timedelta(days=(weekday - local_now.weekday()) % 7)
    instant = datetime.combine(day, at, zone_info(zone)).astimezone(UTC)
    if word is None and instant <= now:
        instant += timedelta(days=1)
    if word is not None and not relative and instant <= now:
        instant += timedelta(days=7)
    return instant


DUE_HANDLERS = {DueKind.EXERCISE_REMIND: due_remind}
