"""``/cohort_new``: a facilitator sets up a cohort in a short guided conversation (name,
program, start date, check-in days, timezone, live session), kept in a draft that expires
after a day. Anything unreadable gets a reply that says what is expected, and nothing changes;
a button from an older step changes nothing.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from bot import texts
from bot.domain import callbacks as cb
from bot.domain.cohorts.calendar import days_text
from bot.domain.cohorts.roles import require_facilitator
from bot.domain.cohorts.weeks import schedule_preps, schedule_weeks
from bot.domain.deps import Deps
from bot.domain.errors import Refused
from bot.domain.invites import deep_link, new_token, token_hash
from bot.domain.messages import Button, Edit, Keyboard, Message, Outcome
from bot.domain.model import User
from bot.domain.people import UserInfo, fmt_date, zone_of
from bot.domain.ports import UnitOfWork
from bot.domain.subjects import AwaitCohortDraft
from bot.i18n import gettext, weekday_short
from scheduler.cadence import TimeOfDayError, local_time, parse_time_of_day
from scheduler.zones import ZoneError, parse_timezone

logger = logging.getLogger(__name__)

#: A set-up left this long is forgotten.
DRAFT_TTL = timedelta(hours=24)
Fields = dict[str, object]


async def cohort_new(deps: Deps, who: UserInfo) -> Outcome:
    """``/cohort_new`` (facilitators): start the conversation with its first question."""
    async with deps.db.write() as tx:
        await require_facilitator(deps, tx, who)
        if not deps.content.programs:
            raise Refused(texts.COHORT_NO_PROGRAMS)
        await tx.drafts.save(who.id, "name", {}, deps.now())
        await tx.users.set_awaiting(who.id, AwaitCohortDraft())
    return Outcome(replies=[Message(who.id, texts.COHORT_ASK_NAME)])


async def _draft(deps: Deps, tx: UnitOfWork, user_id: int) -> tuple[str, Fields] | None:
    found = await tx.drafts.get(user_id)
    if found is None or found.updated_at is None or found.updated_at < deps.now() - DRAFT_TTL:
        return None
    return found.step, dict(found.fields)


async def draft_text(deps: Deps, who: UserInfo, text: str) -> Outcome:
    """A typed answer in the conversation (name, start date, timezone or session time,
    depending on the step)."""
    async with deps.db.write() as tx:
        try:
            user = await require_facilitator(deps, tx, who)
        except Refused as refused:
            await tx.users.set_awaiting(who.id, None)
            return Outcome(replies=[Message(who.id, refused.text)])
        draft = await _draft(deps, tx, who.id)
        if draft is None:
            await tx.users.set_awaiting(who.id, None)
            return Outcome(replies=[Message(who.id, texts.COHORT_DRAFT_GONE)])
        step, fields = draft
        cleaned = " ".join(text.split())
        if step == "name":
            if not 2 <= len(cleaned) <= 80:
                return Outcome(replies=[Message(who.id, texts.COHORT_NAME_BAD)])
            fields["name"] = cleaned
            return await _ask(deps, tx, user, "program", fields)
        if step == "start":
            return await _take_start(deps, tx, user, fields, cleaned)
        if step == "tz":
            try:
                fields["timezone"] = parse_timezone(cleaned)
            except ZoneError:
                reply = texts.TIMEZONE_UNKNOWN.format(text=cleaned[:60])
                return Outcome(replies=[Message(who.id, reply)])
            return await _ask(deps, tx, user, "session", fields)
        if step == "time":
            try:
                at = parse_time_of_day(cleaned)
            except TimeOfDayError as exc:
                return Outcome(replies=[Message(who.id, texts.TIME_REASONS[exc.reason.value])])
            fields["session_time"] = at.strftime("%H:%M")
            return await _create(deps, tx, user, fields)
        return Outcome(replies=[Message(who.id, texts.TAP_A_BUTTON)])


async def _take_start(deps: Deps, tx: UnitOfWork, user: User, fields: Fields, text: str) -> Outcome:
    try:
        start = date.fromisoformat(text)
    except ValueError:
        return Outcome(replies=[Message(user.id, texts.COHORT_START_BAD)])
    if start < local_time(deps.now(), zone_of(deps, user)).date():
        return Outcome(replies=[Message(user.id, texts.COHORT_START_PAST)])
    fields["start"] = start.isoformat()
    return await _ask(deps, tx, user, "days", fields)


async def _ask(deps: Deps, tx: UnitOfWork, user: User, step: str, fields: Fields) -> Outcome:
    """Save the draft at ``step`` and ask its question (with buttons where there are)."""
    await tx.drafts.save(user.id, step, fields, deps.now())
    if step == "program":
        programs = sorted(deps.content.programs.values(), key=lambda p: p.name)
        keyboard: Keyboard = tuple(
            (Button(gettext(p.name), cb.cohort_setup("prog", p.id)),) for p in programs
        )
        return Outcome(replies=[Message(user.id, texts.COHORT_ASK_PROGRAM, keyboard)])
    if step == "start":
        today = local_time(deps.now(), zone_of(deps, user)).date()
        monday = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
        options = (monday, monday + timedelta(days=7))
        keyboard = (
            tuple(
                Button(fmt_date(day), cb.cohort_setup("start", day.isoformat())) for day in options
            ),
        )
        return Outcome(replies=[Message(user.id, texts.COHORT_ASK_START, keyboard)])
    if step == "days":
        return Outcome(replies=[Message(user.id, texts.COHORT_ASK_DAYS, _days_keyboard(fields))])
    if step == "tz":
        zones = [zone_of(deps, user), "Europe/London", "Europe/Berlin", "America/New_York"]
        keyboard = tuple((Button(z, cb.cohort_setup("tz", z)),) for z in dict.fromkeys(zones))
        return Outcome(replies=[Message(user.id, texts.COHORT_ASK_TZ, keyboard)])
    if step == "session":
        days = [Button(weekday_short(i), cb.cohort_setup("session", str(i))) for i in range(7)]
        keyboard = (
            tuple(days[:4]),
            tuple(days[4:]),
            (Button(texts.BTN_NO_SESSION, cb.cohort_setup("session", "none")),),
        )
        return Outcome(replies=[Message(user.id, texts.COHORT_ASK_SESSION, keyboard)])
    return Outcome(replies=[Message(user.id, texts.COHORT_ASK_SESSION_TIME)])


def _chosen_days(fields: Fields) -> set[int]:
    return {int(d) for d in str(fields.get("days", "")).split(",") if d}


def _days_keyboard(fields: Fields) -> Keyboard:
    chosen = _chosen_days(fields)
    days = [
        Button(
            ("\u2713 " if i in chosen else "") + weekday_short(i), cb.cohort_setup("day", str(i))
        )
        for i in range(7)
    ]
    return (
        tuple(days[:4]),
        tuple(days[4:]),
        (Button(texts.BTN_DONE, cb.cohort_setup("days", "done")),),
    )


async def draft_button(deps: Deps, who: UserInfo, step: str, value: str) -> Outcome:
    """A button of the conversation; one from an older step, or a forged value, changes
    nothing."""
    async with deps.db.write() as tx:
        try:
            user = await require_facilitator(deps, tx, who)
        except Refused:
            raise Refused(texts.FACILITATOR_ONLY, toast=True) from None
        draft = await _draft(deps, tx, who.id)
        if draft is None:
            raise Refused(texts.COHORT_DRAFT_GONE, toast=True, close=True)
        current, fields = draft
        if step == "prog" and current == "program" and value in deps.content.programs:
            fields["program"] = value
            out = await _ask(deps, tx, user, "start", fields)
        elif step == "start" and current == "start":
            out = await _take_start(deps, tx, user, fields, value)
        elif step == "day" and current == "days" and value.isdigit() and int(value) < 7:
            chosen = {d for d in str(fields.get("days", "")).split(",") if d} ^ {value}
            fields["days"] = ",".join(sorted(chosen))
            await tx.drafts.save(who.id, "days", fields, deps.now())
            return Outcome(edit=Edit(texts.COHORT_ASK_DAYS, _days_keyboard(fields)))
        elif step == "days" and current == "days":
            if not fields.get("days"):
                raise Refused(texts.COHORT_DAYS_NONE, toast=True)
            out = await _ask(deps, tx, user, "tz", fields)
        elif step == "tz" and current == "tz":
            try:
                fields["timezone"] = parse_timezone(value)
            except ZoneError:
                raise Refused(texts.BUTTON_STALE, toast=True) from None
            out = await _ask(deps, tx, user, "session", fields)
        elif step == "session" and current == "session":
            if value == "none":
                out = await _create(deps, tx, user, fields)
            elif value.isdigit() and int(value) < 7:
                fields["session_weekday"] = int(value)
                out = await _ask(deps, tx, user, "time", fields)
            else:
                raise Refused(texts.BUTTON_STALE, toast=True)
        else:
            raise Refused(texts.BUTTON_STALE, toast=True)
        out.edit = Edit(None, ())
        return out


async def _create(deps: Deps, tx: UnitOfWork, user: User, fields: Fields) -> Outcome:
    """Create the cohort from a finished draft; the reply holds the enrolment link (only the
    token's SHA-256 is stored)."""
    program = deps.content.programs.get(str(fields.get("program")))
    if program is None or not fields.get("name") or not fields.get("start"):
        await tx.users.set_awaiting(user.id, None)
        return Outcome(replies=[Message(user.id, texts.COHORT_DRAFT_GONE)])
    token = new_token()
    session = fields.get("session_time")
    weekday = fields.get("session_weekday")
    cohort = await tx.cohorts.create(
        name=str(fields["name"]),
        program_id=program.id,
        start_date=date.fromisoformat(str(fields["start"])),
        checkin_days=sorted(_chosen_days(fields)),
        timezone=str(fields["timezone"]),
        session_weekday=int(str(weekday)) if weekday is not None else None,
        session_time=parse_time_of_day(str(session)) if session else None,
        token_hash=token_hash(token),
        created_by=user.id,
        now=deps.now(),
    )
    await tx.drafts.delete(user.id)
    await tx.users.set_awaiting(user.id, None)
    await schedule_weeks(deps, tx, cohort)
    await schedule_preps(deps, tx, cohort, program)
    link = deep_link(deps.config.bot_username, token)
    text = texts.COHORT_CREATED.format(
        name=cohort.name,
        program=gettext(program.name),
        start=fmt_date(cohort.start_date),
        days=days_text(cohort),
        zone=cohort.timezone,
        link=link,
    )
    logger.info("cohort %s created by %s", cohort.id, user.id)
    return Outcome(replies=[Message(user.id, text)])
