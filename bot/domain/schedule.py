"""A pair's cadence in due work: when its next daily-lane and weekly rounds open, and the
schedule as the partners read it (each in their own timezone).

A pair in a running program week follows the program's days (``cohorts.calendar``) at its
own time of day. :func:`reschedule` is the one place that turns a pair's state into due-work
rows, so every change (a new time, a pause, a partner blocking the bot or coming back, a
program week starting) goes through it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta

from bot import texts
from bot.domain.cohorts.calendar import program_cadence
from bot.domain.dates import fold, weekday_names
from bot.domain.deps import Deps
from bot.domain.model import Pair, PairStatus, User
from bot.domain.people import fmt_local, zone_of
from bot.domain.ports import UnitOfWork
from bot.domain.subjects import DueKind, OfferSubject, PairSubject
from scheduler.cadence import Cadence, Frequency, local_time, next_occurrence
from scheduler.zones import zone_info

#: A new pair's check-in time, in the inviter's timezone.
DEFAULT_TIME = time(20, 0)


def schedule_text(pair: Pair) -> str:
    """The daily-lane schedule in words: ``daily at 20:00 (Europe/Berlin)``."""
    cadence = pair.cadence()
    at = cadence.time_of_day.strftime("%H:%M")
    if cadence.frequency is Frequency.DAILY:
        return texts.SCHEDULE_DAILY.format(time=at, zone=cadence.timezone)
    if cadence.frequency is Frequency.WEEKDAYS:
        return texts.SCHEDULE_WEEKDAYS.format(time=at, zone=cadence.timezone)
    if cadence.frequency is Frequency.WEEKLY:
        return weekly_words(cadence)
    if pair.weekly_weekday is not None:
        return texts.SCHEDULE_OFF_WEEKLY
    return texts.SCHEDULE_OFF


def weekly_text(pair: Pair) -> str | None:
    """The weekly deeper round's schedule in words, or None when there is none."""
    cadence = pair.weekly_cadence()
    if cadence is None:
        return None
    return weekly_words(cadence)


def weekly_words(cadence: Cadence) -> str:
    """A weekly ``cadence`` in words, in the language in force: ``every Sunday at 20:00
    (Europe/Berlin)``. One whole phrase per weekday (``texts.SCHEDULE_WEEKLY``), never a day
    name put into a sentence, so translations can inflect it (issue 12)."""
    return texts.SCHEDULE_WEEKLY[cadence.weekday].format(
        time=cadence.time_of_day.strftime("%H:%M"), zone=cadence.timezone
    )


async def next_opening(tx: UnitOfWork, pair: Pair) -> datetime | None:
    """When the pair's next round of either lane opens (aware UTC), or None."""
    subject = PairSubject(pair.id)
    dues = [
        due
        for kind in (DueKind.OPEN_ROUND, DueKind.OPEN_WEEKLY)
        if (due := await tx.due.due_at(kind, subject)) is not None
    ]
    return min(dues) if dues else None


def held_for(pair: Pair, user: User, partner: User) -> bool:
    """Whether the pair's check-ins are stopped by the partner, not by ``user``: the partner
    paused them (only the one who pauses can resume, so a pause is a real step back) or can no
    longer be reached (they blocked the bot). Both read the same to ``user`` (DESIGN.md,
    privacy rule 8)."""
    paused_by_partner = pair.paused and pair.paused_by not in (None, user.id)
    return paused_by_partner or not partner.active


async def next_text(tx: UnitOfWork, pair: Pair, zone: str) -> str:
    """The pair's next opening as a reader in ``zone`` reads it, or "none scheduled"."""
    due = await next_opening(tx, pair)
    if due is None:
        return texts.NEXT_NONE
    return texts.NEXT_AT.format(when=fmt_local(due, zone))


async def next_or_why(deps: Deps, tx: UnitOfWork, pair: Pair, reader: User, partner: User) -> str:
    """The pair's next opening as ``reader`` reads it (their zone), or, when none is
    scheduled, why: paused by the partner or partner unreachable (the same words, privacy rule
    8), paused by ``reader`` (with how to resume), the schedule off; else "none scheduled"
    (issue 12: never a bare "none" when there is a reason)."""
    due = await next_opening(tx, pair)
    if due is not None:
        return texts.NEXT_AT.format(when=fmt_local(due, zone_of(deps, reader)))
    if held_for(pair, reader, partner):
        return texts.NEXT_HELD
    if pair.paused:
        return texts.NEXT_PAUSED_YOU
    if pair.cadence().frequency is Frequency.OFF and pair.weekly_weekday is None:
        return texts.NEXT_OFF
    return texts.NEXT_NONE


def coming_slot(deps: Deps, cadence: Cadence) -> datetime:
    """The instant of the pair's next check-in by ``cadence`` (aware UTC), to show in each
    partner's zone: the local times then are the ones the next check-in really comes at,
    also when a clock change in one zone falls before it (probe of 2026-12-03). With the
    schedule off, the pair's wall time today (in the pair's zone)."""
    coming = next_occurrence(cadence, deps.now())
    if coming is not None:
        return coming
    today = local_time(deps.now(), cadence.timezone).date()
    return datetime.combine(today, cadence.time_of_day, zone_info(cadence.timezone))


def night_warnings(
    deps: Deps, user: User, pair: Pair, partner: User, cadence: Cadence | None = None
) -> str:
    """Warnings, for ``user`` (in the language in force), when the pair's time (``cadence``,
    default the daily lane's) falls in someone's quiet hours, each read on that person's own
    clock and with their own hours (``User.quiet``; none for someone who turned them off,
    issue 12); empty when it falls in nobody's."""
    cadence = cadence or pair.cadence()
    if cadence.frequency is Frequency.OFF:
        return ""
    anchor = coming_slot(deps, cadence)
    text = ""
    for person, sentence in (
        (user, texts.NIGHT_WARNING_YOU),
        (partner, texts.NIGHT_WARNING_PARTNER),
    ):
        quiet = person.quiet
        local = local_time(anchor, zone_of(deps, person))
        if quiet is not None and quiet.contains(local.time()):
            text += sentence.format(
                local=local.strftime("%H:%M"),
                name=person.first_name,
                quiet=f"{quiet.start:%H:%M}\u2013{quiet.end:%H:%M}",
            )
    return text


#: How long before a pair's first scheduled check-in a partner still without a timezone is
#: asked again (issue 12).
ASK_ZONE_BEFORE = timedelta(hours=1)


def zone_pending(pair: Pair, members: Mapping[int, User]) -> User | None:
    """The inviter, while their timezone is unknown: the pair's schedule follows it, so it
    waits (no round opens) until they give it (issue 12: no silent UTC). None otherwise."""
    inviter = None if pair.user_a is None else members.get(pair.user_a)
    return inviter if inviter is not None and inviter.timezone is None else None


def followup_waiting(pair: Pair) -> int | None:
    """The offer whose follow-up is parked on the pair and that no scheduled round will carry
    (the schedule is off), so it must be asked on its own once the pair runs again."""
    if pair.followup_offer_id is None or pair.runs_daily or pair.paused:
        return None
    return pair.followup_offer_id


async def reschedule(
    deps: Deps, tx: UnitOfWork, pair: Pair, after: datetime | None = None
) -> datetime | None:
    """Put the pair's next round openings of both lanes in due work (or remove them when the
    schedule is off, paused, the pair ended or a partner cannot be reached), and a parked
    follow-up that no schedule will carry. Openings come after ``after`` (default: now).
    Returns the next daily-lane opening (aware UTC) or None."""
    now = deps.now()
    subject = PairSubject(pair.id)
    members = await tx.users.get_many(pair.members)
    both_active = len(members) == 2 and all(m.active for m in members.values())
    running = pair.status is PairStatus.ACTIVE and not pair.paused and both_active
    running = running and zone_pending(pair, members) is None
    nxt = None
    if running:
        cadence = await program_cadence(deps, tx, pair) or pair.cadence()
        nxt = next_occurrence(cadence, after or now, last_local_date=pair.last_round_date)
    unknown = any(m.timezone is None for m in members.values())
    if nxt is not None and pair.last_round_date is None and unknown:
        # Before the first check-in, a partner still without a timezone is asked again.
        await tx.due.schedule(DueKind.ASK_ZONE, subject, max(now, nxt - ASK_ZONE_BEFORE), now)
    if nxt is None:
        await tx.due.cancel(DueKind.OPEN_ROUND, subject)
    else:
        await tx.due.schedule(DueKind.OPEN_ROUND, subject, nxt, now)
    weekly = pair.weekly_cadence()
    nxt_weekly = None
    if running and weekly is not None:
        nxt_weekly = next_occurrence(weekly, after or now, last_local_date=pair.last_weekly_date)
    if nxt_weekly is None:
        await tx.due.cancel(DueKind.OPEN_WEEKLY, subject)
    else:
        await tx.due.schedule(DueKind.OPEN_WEEKLY, subject, nxt_weekly, now)
    parked = followup_waiting(pair)
    if parked is not None and pair.status is PairStatus.ACTIVE and both_active:
        # A follow-up that waited for a resume or a return, with no schedule to carry it.
        await tx.due.schedule(DueKind.FOLLOWUP, OfferSubject(parked), now, now)
    return nxt


def parse_weekday(word: str) -> int | None:
    """A weekday (0 = Monday) from the start of its name (two letters at least), in the
    language in force or in English, accents optional (``sab`` for ``sábado``), or a whole
    name or usual short name in any read language (``суббота``, ``сб``, ``mié``); None when
    nothing matches."""
    typed = fold(word).rstrip(".")
    if len(typed) < 2:
        return None
    for names in (texts.WEEKDAYS, texts.source_of("WEEKDAYS")):
        for index, name in enumerate(names):
            if fold(name).startswith(typed):
                return index
    return weekday_names().get(typed)


async def next_round_at(deps: Deps, user_id: int) -> datetime | None:
    """When the user's pair's next scheduled daily-lane round opens (aware UTC), or None."""
    async with deps.db.read() as tx:
        user = await tx.users.get(user_id)
        if user is None or user.pair_id is None:
            return None
        return await tx.due.due_at(DueKind.OPEN_ROUND, PairSubject(user.pair_id))
