"""``/settings`` and its setters: frequency, time, whose timezone the pair follows, pause and
resume. Either partner may change the schedule; a change into the partner's quiet hours asks
them first, any other moves the next opening at once and reaches the partner in one coalesced
notice, each in their own timezone (issue 12).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time

from bot import texts
from bot.domain import callbacks as cb
from bot.domain.deps import Deps
from bot.domain.errors import Refused
from bot.domain.messages import Button, Edit, Keyboard, Message, Outcome
from bot.domain.model import Pair, User
from bot.domain.notices import note_change
from bot.domain.occasions import settings_lines
from bot.domain.packs import active_names
from bot.domain.people import UserInfo, fmt_local, require_pair, speaking_to, tell, zone_of
from bot.domain.ports import UnitOfWork
from bot.domain.proposals import (
    ScheduleChange,
    apply_change,
    drop_proposal,
    propose,
    waiting_line,
)
from bot.domain.quiet_hours import settings_line as quiet_line
from bot.domain.schedule import (
    coming_slot,
    held_for,
    next_opening,
    next_or_why,
    next_text,
    night_warnings,
    parse_weekday,
    reschedule,
    schedule_text,
    weekly_text,
    zone_pending,
)
from bot.domain.subjects import AwaitTime
from bot.i18n import weekday_short
from scheduler.cadence import Frequency, TimeOfDayError, local_time, parse_time_of_day

#: Frequencies typed after ``/frequency``.
_TYPED_FREQUENCIES = ("daily", "weekdays", "off")


async def show_settings(deps: Deps, who: UserInfo, *, as_edit: bool = False) -> Outcome:
    """``/settings``: the schedule in both partners' local times, with buttons; warns when the
    pair's time falls in one partner's night (22:00–08:00)."""
    async with deps.db.write() as tx:
        user, pair, partner = await require_pair(deps, tx, who)
        text = await settings_text(deps, tx, user, pair, partner)
    keyboard = settings_keyboard(pair, user, partner)
    if as_edit:
        return Outcome(edit=Edit(text, keyboard))
    return Outcome(replies=[Message(who.id, text, keyboard)])


async def settings_text(deps: Deps, tx: UnitOfWork, user: User, pair: Pair, partner: User) -> str:
    """The settings page for ``user``, in the language in force: the schedule, then the
    pair's calendar (life-stage packs, anniversary, trip), both partners alike, and each
    partner's quiet hours (issue 12)."""
    cadence = pair.cadence()
    anchor = coming_slot(deps, cadence)
    mine = local_time(anchor, zone_of(deps, user)).strftime("%H:%M")
    theirs = local_time(anchor, zone_of(deps, partner)).strftime("%H:%M")
    # Why nothing comes next, when nothing does (issue 12: never a bare "none scheduled").
    if held_for(pair, user, partner):  # the other's pause and a block read the same (rule 8)
        status, idle = texts.STATUS_HELD, texts.NEXT_HELD
    elif (pending := zone_pending(pair, {user.id: user, partner.id: partner})) is not None:
        status = (
            texts.STATUS_WAITING_YOUR_ZONE
            if pending.id == user.id
            else texts.STATUS_WAITING_ZONE.format(name=pending.first_name)
        )
        idle = texts.NEXT_NONE
    elif pair.paused:
        status, idle = texts.STATUS_PAUSED, texts.NEXT_PAUSED
    elif cadence.frequency is Frequency.OFF and pair.weekly_weekday is not None:
        status, idle = texts.STATUS_WEEKLY_ONLY, texts.NEXT_NONE
    elif cadence.frequency is Frequency.OFF:
        status, idle = texts.STATUS_OFF, texts.NEXT_OFF
    else:
        status, idle = texts.STATUS_ACTIVE, texts.NEXT_NONE
    due = await next_opening(tx, pair)
    nxt = idle if due is None else texts.NEXT_AT.format(when=fmt_local(due, zone_of(deps, user)))
    text = texts.SETTINGS.format(
        partner=partner.first_name,
        schedule=schedule_text(pair),
        mine=mine,
        theirs=theirs,
        status=status,
        next=nxt,
    )
    weekly = weekly_text(pair)
    if weekly is not None:
        text += "\n\u2022 " + texts.SCHEDULE_WEEKLY_DEEP.format(schedule=weekly)
    for line in settings_lines(deps, pair, active_names(deps, pair)):
        text += "\n\u2022 " + line
    waiting = waiting_line(pair, partner)
    if waiting is not None:
        text += "\n\u2022 " + waiting
    text += "\n\u2022 " + quiet_line(user, partner)
    return text + night_warnings(deps, user, pair, partner)


def _frequency_row() -> tuple[Button, ...]:
    return (
        Button(texts.BTN_DAILY, cb.frequency("daily")),
        Button(texts.BTN_WEEKDAYS, cb.frequency("weekdays")),
        Button(texts.BTN_WEEKLY, cb.frequency("weekly")),
        Button(texts.BTN_OFF, cb.frequency("off")),
    )


def settings_keyboard(pair: Pair, user: User, partner: User) -> Keyboard:
    """The settings buttons for ``user``: frequencies, time, timezone, pause or resume.
    Resume while check-ins are stopped: by a pause, or by a partner who can no longer be
    reached, so a partner's pause and block show the same buttons (privacy rule 8)."""
    pause = (
        Button(texts.BTN_RESUME, cb.setting("resume"))
        if pair.paused or held_for(pair, user, partner)
        else Button(texts.BTN_PAUSE, cb.setting("pause"))
    )
    return (
        _frequency_row(),
        (Button(texts.BTN_TIME, cb.setting("time")), Button(texts.BTN_TZ, cb.setting("tz")), pause),
    )


def ask_frequency(who: UserInfo) -> Outcome:
    """``/frequency`` without arguments: the choices as buttons."""
    row = _frequency_row()
    return Outcome(replies=[Message(who.id, texts.FREQUENCY_ASK, (row[:2], row[2:]))])


def _weekday_keyboard() -> Keyboard:
    days = [Button(weekday_short(i), cb.weekday(i)) for i in range(7)]
    return (tuple(days[:4]), tuple(days[4:]))


def ask_weekday(who: UserInfo) -> Outcome:
    """The weekday choice for a weekly schedule (edits the pressed message)."""
    return Outcome(edit=Edit(texts.WEEKDAY_ASK, _weekday_keyboard()))


async def set_frequency_text(deps: Deps, who: UserInfo, args: Sequence[str]) -> Outcome:
    """``/frequency daily|weekdays|weekly <day>|off``."""
    words = [a.lower() for a in args]
    if not words:
        return ask_frequency(who)
    if words[0] in _TYPED_FREQUENCIES:
        return await change_schedule(deps, who, frequency=Frequency(words[0]))
    if words[0] == "weekly":
        day = parse_weekday(words[1]) if len(words) == 2 else None
        if day is not None:
            return await change_schedule(deps, who, frequency=Frequency.WEEKLY, weekday=day)
        return Outcome(replies=[Message(who.id, texts.WEEKDAY_ASK, _weekday_keyboard())])
    raise Refused(texts.FREQUENCY_UNKNOWN)


async def ask_time(deps: Deps, who: UserInfo) -> Outcome:
    """``/time`` without an argument: the next text message is the new time."""
    async with deps.db.write() as tx:
        await require_pair(deps, tx, who)
        await tx.users.set_awaiting(who.id, AwaitTime())
    return Outcome(replies=[Message(who.id, texts.TIME_ASK)])


def parse_time_reply(who: UserInfo, text: str) -> time | Outcome:
    """The time in ``text``, or the reply that says why it could not be read."""
    try:
        return parse_time_of_day(text)
    except TimeOfDayError as exc:
        return Outcome(replies=[Message(who.id, texts.TIME_REASONS[exc.reason.value])])


async def set_time_text(deps: Deps, who: UserInfo, text: str) -> Outcome:
    """``/time HH:MM`` (also ``8pm``): a friendly reply for anything unreadable."""
    at = parse_time_reply(who, text)
    if isinstance(at, Outcome):
        return at
    return await change_schedule(deps, who, time_of_day=at)


async def change_schedule(
    deps: Deps,
    who: UserInfo,
    *,
    frequency: Frequency | None = None,
    weekday: int | None = None,
    time_of_day: time | None = None,
    timezone: str | None = None,
    paused: bool | None = None,
    as_edit: bool = False,
) -> Outcome:
    """Change the pair's schedule (either partner may). A change of time, frequency or
    timezone that lands in the partner's quiet hours is a proposal they answer first
    (:mod:`bot.domain.proposals`, issue 12); otherwise it applies at once, the next opening
    moves, the sender is told (with warnings for anyone's quiet hours) and the partner hears
    in one coalesced notice (:mod:`bot.domain.notices`). Pause and resume are told to the
    partner at once, without a name. ``as_edit``: from a settings button (the settings
    message is redrawn). Raises :class:`Refused` for a pause or resume that cannot be."""
    async with deps.db.write() as tx:
        user, pair, partner = await require_pair(deps, tx, who)
        if paused is True and held_for(pair, user, partner):
            raise Refused(texts.ALREADY_HELD)
        if paused is True and pair.paused:
            raise Refused(texts.ALREADY_PAUSED)
        if paused is False and held_for(pair, user, partner):
            raise Refused(texts.RESUME_HELD)
        if paused is False and not pair.paused:
            nxt = await next_text(tx, pair, zone_of(deps, user))
            raise Refused(texts.NOT_PAUSED.format(next=nxt))
        if isinstance(user.awaiting, AwaitTime):
            await tx.users.set_awaiting(who.id, None)
        wanted = {
            "frequency": frequency,
            "weekday": weekday,
            "time_of_day": time_of_day,
            "timezone": timezone,
            "paused": paused,
        }
        if all(value is None or getattr(pair, key) == value for key, value in wanted.items()):
            if as_edit:
                settings = await settings_text(deps, tx, user, pair, partner)
                keyboard = settings_keyboard(pair, user, partner)
                return Outcome(toast=texts.NOTHING_CHANGED, edit=Edit(settings, keyboard))
            nxt = await next_or_why(deps, tx, pair, user, partner)
            text = texts.SCHEDULE_UNCHANGED.format(schedule=schedule_text(pair), next=nxt)
            return Outcome(replies=[Message(who.id, text)])
        if paused is None:
            change = ScheduleChange(frequency, weekday, time_of_day, timezone)
            asked = await propose(deps, tx, user, pair, partner, change)
            if asked is not None:
                return await _replied(deps, tx, who, asked, as_edit=as_edit, toast=False)
            await drop_proposal(tx, pair)  # a direct change replaces it
            await note_change(deps, tx, user, pair)
            pair = await apply_change(deps, tx, pair, change)
        else:
            pair = await tx.pairs.set_schedule(pair.id, paused=paused, paused_by=user.id)
            await reschedule(deps, tx, pair)
        mine = await next_or_why(deps, tx, pair, user, partner)
        off = pair.cadence().frequency is Frequency.OFF and pair.weekly_weekday is None
        if paused is True:
            you = texts.PAUSED_YOU
        elif paused is False:
            # Resumed with the schedule off: say so, not "Next one: none" (issue 12).
            you = texts.RESUMED_OFF_YOU if off else texts.RESUMED_YOU.format(next=mine)
        else:
            you = texts.SCHEDULE_CHANGED_YOU.format(schedule=schedule_text(pair), next=mine)
            you += night_warnings(deps, user, pair, partner)
        if paused is not None and partner.active:
            # Pause and resume are told at once, without a name (privacy rule 8); other
            # changes reach the partner coalesced (bot.domain.notices).
            with speaking_to(partner):
                theirs = await next_text(tx, pair, zone_of(deps, partner))
                if paused:
                    them = texts.CHECKINS_PAUSED_NOTICE
                elif off:
                    them = texts.CHECKINS_RUNNING_OFF_NOTICE
                else:
                    them = texts.CHECKINS_RUNNING_NOTICE.format(next=theirs)
            await tell(deps, tx, Message(partner.id, them))
        return await _replied(deps, tx, who, you, as_edit=as_edit)


async def _replied(
    deps: Deps, tx: UnitOfWork, who: UserInfo, text: str, *, as_edit: bool, toast: bool = True
) -> Outcome:
    """The reply to a schedule change: a message, or (``as_edit``: from a settings button)
    the settings redrawn with ``text`` as the toast (``toast`` False: as a message)."""
    if not as_edit:
        return Outcome(replies=[Message(who.id, text)])
    user, pair, partner = await require_pair(deps, tx, who)
    settings = await settings_text(deps, tx, user, pair, partner)
    redrawn = Edit(settings, settings_keyboard(pair, user, partner))
    if not toast:
        return Outcome(edit=redrawn, replies=[Message(who.id, text)])
    return Outcome(edit=redrawn, toast=text[:190])


async def ask_pair_timezone(deps: Deps, who: UserInfo) -> Outcome:
    """The choice of whose timezone the schedule follows (edits the settings message)."""
    async with deps.db.write() as tx:
        user, _pair, partner = await require_pair(deps, tx, who)
    mine, theirs = zone_of(deps, user), zone_of(deps, partner)
    rows: list[tuple[Button, ...]] = [
        (Button(texts.PAIR_TZ_MINE.format(zone=mine), cb.pair_timezone("me")),)
    ]
    if theirs != mine:
        label = texts.PAIR_TZ_PARTNER.format(partner=partner.first_name, zone=theirs)
        rows.append((Button(label, cb.pair_timezone("partner")),))
        return Outcome(edit=Edit(texts.PAIR_TZ_ASK, tuple(rows)))
    return Outcome(edit=Edit(texts.PAIR_TZ_SAME.format(zone=mine), tuple(rows)))


async def set_pair_timezone(deps: Deps, who: UserInfo, whose: str) -> Outcome:
    """Make the schedule follow this user's (``me``) or their partner's timezone."""
    async with deps.db.write() as tx:
        user, _pair, partner = await require_pair(deps, tx, who)
    zone = zone_of(deps, user if whose == "me" else partner)
    result = await change_schedule(deps, who, timezone=zone)
    result.edit = Edit(None, ())
    return result
