"""A pair's occasions: ``/anniversary`` (optional, mentioned once in a pair's life) and
``/trip``. The questions they bring are chosen by :mod:`bot.domain.journey` (an
``anniversary`` question on the day or the first daily round within three days after, once
a year; ``before_trip`` on the two days before a trip, ``after_trip`` on the first daily
round within three days after it).

Both are pair-level facts both partners see in ``/settings``. Either partner may set or
clear them; the other is told in one short line ("Alex set your anniversary: 14 June"),
nothing about the sender beyond that. Typed dates are read by :mod:`bot.domain.dates`;
anything that is not a date, a day the calendar lacks, an anniversary still ahead, or a trip
already over gets a friendly reply and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta

from bot import texts
from bot.domain.dates import DateError, DateProblem, DayMonth, read_dates
from bot.domain.deps import Deps
from bot.domain.errors import Refused
from bot.domain.journey import trip_over
from bot.domain.messages import Message, Outcome
from bot.domain.model import Anniversary, Pair, Trip, User
from bot.domain.people import UserInfo, fmt_date, require_pair, speaking_to, tell
from bot.domain.ports import UnitOfWork
from bot.i18n import format_day_month
from scheduler.cadence import local_time

#: The bot mentions ``/anniversary`` once, after this many revealed check-ins.
ANNIVERSARY_HINT_AFTER = 10
#: A trip may start at most this far ahead and last at most this long.
TRIP_AHEAD = timedelta(days=366)
TRIP_LONGEST = 90
#: Words after the command that clear what is stored.
CLEAR_WORDS = ("clear", "none", "forget", "delete", "remove")


def pair_today(deps: Deps, pair: Pair) -> date:
    """The pair's local date now."""
    return local_time(deps.now(), pair.timezone).date()


def anniversary_text(anniversary: Anniversary) -> str:
    """An anniversary as users read it: ``14 June 2019``, or ``14 June``."""
    shown = anniversary.in_year(anniversary.year or 2000)  # 2000: a leap year
    return format_day_month(shown, with_year=anniversary.year is not None)


def trip_text(trip: Trip) -> str:
    """A trip's days as users read it: ``Sun 3 May – Sun 10 May`` (one day: ``Sun 3 May``)."""
    if trip.start == trip.end:
        return fmt_date(trip.start)
    return texts.TRIP_DATES.format(start=fmt_date(trip.start), end=fmt_date(trip.end))


def current_trip(deps: Deps, pair: Pair) -> Trip | None:
    """The pair's trip unless it is over (a past trip is forgotten)."""
    trip = pair.trip
    if trip is None or trip_over(trip, pair_today(deps, pair)):
        return None
    return trip


def _dates(args: Sequence[str], today: date, reasons: dict[DateProblem, str]) -> list[DayMonth]:
    try:
        return read_dates(args, today)
    except DateError as exc:
        raise Refused(reasons[exc.reason]) from None


async def _tell_partner(
    deps: Deps, tx: UnitOfWork, partner: User, build: Callable[[], str]
) -> None:
    """Queue the one-line notice ``build()`` for the partner, built in their language."""
    if not partner.active:
        return
    with speaking_to(partner):
        text = build()
    await tell(deps, tx, Message(partner.id, text))


# ---------------------------------------------------------------------------- /anniversary


async def anniversary(deps: Deps, who: UserInfo, args: Sequence[str]) -> Outcome:
    """``/anniversary``: show it; ``/anniversary 14 June`` (or ``2019-06-14``) sets it;
    ``/anniversary clear`` forgets it. A date that is not one date, a day the calendar lacks
    or a date still ahead gets a friendly reply and changes nothing."""
    words = [a.lower() for a in args]
    async with deps.db.write() as tx:
        user, pair, partner = await require_pair(deps, tx, who)
        if not words:
            current = pair.anniversary
            if current is None:
                return Outcome(replies=[Message(who.id, texts.ANNIVERSARY_NONE)])
            text = texts.ANNIVERSARY_STATUS.format(day=anniversary_text(current))
            return Outcome(replies=[Message(who.id, text)])
        if words[0] in CLEAR_WORDS and len(words) == 1:
            if pair.anniversary is None:
                raise Refused(texts.ANNIVERSARY_NOTHING)
            await tx.pairs.set_anniversary(pair.id, None)
            name = user.first_name
            await _tell_partner(
                deps, tx, partner, lambda: texts.ANNIVERSARY_CLEARED_PARTNER.format(name=name)
            )
            return Outcome(replies=[Message(who.id, texts.ANNIVERSARY_CLEARED_YOU)])
        today = pair_today(deps, pair)
        reasons = {
            DateProblem.UNREADABLE: texts.ANNIVERSARY_UNREADABLE,
            DateProblem.NO_SUCH_DAY: texts.ANNIVERSARY_NO_SUCH_DAY,
            DateProblem.YEAR_TOO_EARLY: texts.ANNIVERSARY_TOO_EARLY,
            DateProblem.YEAR_TOO_LATE: texts.ANNIVERSARY_FUTURE,
        }
        found = _dates(words, today, reasons)
        if len(found) != 1:
            raise Refused(texts.ANNIVERSARY_UNREADABLE)
        (typed,) = found
        if typed.year is not None and typed.on_or_after(today) > today:
            raise Refused(texts.ANNIVERSARY_FUTURE)
        chosen = Anniversary(typed.month, typed.day, typed.year)
        if chosen == pair.anniversary:
            text = texts.ANNIVERSARY_STATUS.format(day=anniversary_text(chosen))
            return Outcome(replies=[Message(who.id, text)])
        await tx.pairs.set_anniversary(pair.id, chosen)
        name = user.first_name
        await _tell_partner(
            deps,
            tx,
            partner,
            lambda: texts.ANNIVERSARY_SET_PARTNER.format(name=name, day=anniversary_text(chosen)),
        )
    you = texts.ANNIVERSARY_SET_YOU.format(day=anniversary_text(chosen))
    return Outcome(replies=[Message(who.id, you)])


async def anniversary_hint(deps: Deps, tx: UnitOfWork, pair: Pair) -> list[Message]:
    """The one mention of ``/anniversary`` in a pair's life, for both partners, once the pair
    has :data:`ANNIVERSARY_HINT_AFTER` revealed check-ins and no anniversary saved (decided
    once: ``Pairs.mention_anniversary``). Empty every other time. Called in the transaction
    that reveals a round."""
    if pair.anniversary_mentioned or pair.anniversary is not None:
        return []
    if await tx.rounds.revealed_count([pair.id]) < ANNIVERSARY_HINT_AFTER:
        return []
    if not await tx.pairs.mention_anniversary(pair.id):
        return []
    members = await tx.users.get_many(pair.members)
    messages = []
    for member in members.values():
        if member.active:
            with speaking_to(member):
                messages.append(Message(member.id, texts.ANNIVERSARY_HINT))
    return messages


# ------------------------------------------------------------------------------------ /trip


def _start_and_end(found: Sequence[DayMonth], today: date) -> tuple[date, date]:
    """The first and last day the typed dates name. A first day without a year: the
    occurrence (last year's, this year's or next year's) of the first trip that is not over;
    a last day without a year: its first occurrence from the first day on."""
    first, last = found[0], found[-1]
    years = [first.year] if first.year is not None else [today.year - 1, today.year, today.year + 1]
    start = end = today
    for year in years:
        try:
            start = date(year, first.month, first.day)
        except ValueError:  # 29 February outside a leap year
            continue
        end = last.on_or_after(start) if len(found) == 2 else start
        if end >= today:
            break
    return start, end


def _trip_of(found: Sequence[DayMonth], today: date) -> Trip:
    """The trip the typed dates name (see :func:`_start_and_end`). Raises Refused for more
    than two dates, a trip ending before it starts, over, too far ahead or too long."""
    if len(found) > 2:
        raise Refused(texts.TRIP_TOO_MANY)
    start, end = _start_and_end(found, today)
    days = (end - start).days + 1
    wrapped = found[-1].year is None and end.year > start.year  # "10 May 3 May"
    if end < start or (wrapped and days > TRIP_LONGEST):
        raise Refused(texts.TRIP_END_BEFORE)
    if end < today:
        raise Refused(texts.TRIP_OVER)
    if start > today + TRIP_AHEAD:
        raise Refused(texts.TRIP_TOO_FAR)
    if days > TRIP_LONGEST:
        raise Refused(texts.TRIP_TOO_LONG.format(days=TRIP_LONGEST))
    return Trip(start, end)


async def trip(deps: Deps, who: UserInfo, args: Sequence[str]) -> Outcome:
    """``/trip``: show the pair's trip; ``/trip 3 May 10 May`` (first and last day; one date
    for a day trip) notes it, replacing any other (one trip at a time); ``/trip clear``
    forgets it. Bad dates get a friendly reply and change nothing."""
    words = [a.lower() for a in args]
    async with deps.db.write() as tx:
        user, pair, partner = await require_pair(deps, tx, who)
        current = current_trip(deps, pair)
        if not words:
            if current is None:
                return Outcome(replies=[Message(who.id, texts.TRIP_NONE)])
            text = texts.TRIP_STATUS.format(dates=trip_text(current))
            return Outcome(replies=[Message(who.id, text)])
        if words[0] in CLEAR_WORDS and len(words) == 1:
            if current is None:
                raise Refused(texts.TRIP_NOTHING)
            await tx.pairs.set_trip(pair.id, None)
            name = user.first_name
            await _tell_partner(
                deps, tx, partner, lambda: texts.TRIP_CLEARED_PARTNER.format(name=name)
            )
            return Outcome(replies=[Message(who.id, texts.TRIP_CLEARED_YOU)])
        today = pair_today(deps, pair)
        reasons = {
            DateProblem.UNREADABLE: texts.TRIP_UNREADABLE,
            DateProblem.NO_SUCH_DAY: texts.TRIP_NO_SUCH_DAY,
            DateProblem.YEAR_TOO_EARLY: texts.TRIP_OVER,
            DateProblem.YEAR_TOO_LATE: texts.TRIP_TOO_FAR,
        }
        chosen = _trip_of(_dates(words, today, reasons), today)
        if chosen == current:
            text = texts.TRIP_STATUS.format(dates=trip_text(chosen))
            return Outcome(replies=[Message(who.id, text)])
        await tx.pairs.set_trip(pair.id, chosen)
        name = user.first_name
        await _tell_partner(
            deps,
            tx,
            partner,
            lambda: texts.TRIP_SET_PARTNER.format(name=name, dates=trip_text(chosen)),
        )
    you = texts.TRIP_SET_YOU.format(dates=trip_text(chosen))
    if current is not None:
        you += "\n" + texts.TRIP_REPLACED
    return Outcome(replies=[Message(who.id, you)])


def settings_lines(deps: Deps, pair: Pair, packs: str) -> list[str]:
    """The /settings lines for the pair's calendar, in the language in force: the active
    packs (``packs``, already named), and the anniversary and the trip when there are."""
    lines = [texts.SETTINGS_PACKS.format(packs=packs)]
    if pair.anniversary is not None:
        lines.append(texts.SETTINGS_ANNIVERSARY.format(day=anniversary_text(pair.anniversary)))
    trip_now = current_trip(deps, pair)
    if trip_now is not None:
        lines.append(texts.SETTINGS_TRIP.format(dates=trip_text(trip_now)))
    return lines
