"""``/weekly``: the pair's weekly deeper round of three questions (needs, boundaries,
relationship health), on a day and time the partners choose, beside their daily check-ins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time

from bot import texts
from bot.domain import callbacks as cb
from bot.domain.deps import Deps
from bot.domain.errors import Refused
from bot.domain.messages import Button, Edit, Keyboard, Message, Outcome
from bot.domain.model import Pair, User
from bot.domain.notices import note_change
from bot.domain.people import UserInfo, fmt_local, require_pair, zone_of
from bot.domain.proposals import ScheduleChange, drop_proposal, propose
from bot.domain.schedule import (
    next_or_why,
    night_warnings,
    parse_weekday,
    reschedule,
    weekly_words,
)
from bot.domain.settings import parse_time_reply
from bot.domain.subjects import DueKind, PairSubject
from bot.i18n import weekday_short


def _keyboard(pair: Pair) -> Keyboard:
    days = [
        Button(("\u2713 " if pair.weekly_weekday == i else "") + weekday_short(i), cb.weekly(i))
        for i in range(7)
    ]
    rows: list[tuple[Button, ...]] = [tuple(days[:4]), tuple(days[4:])]
    if pair.weekly_weekday is not None:
        rows.append((Button(texts.BTN_OFF, cb.weekly(None)),))
    return tuple(rows)


def _next(deps: Deps, due: datetime | None, reader: User) -> str:
    if due is None:
        return texts.NEXT_NONE
    return texts.NEXT_AT.format(when=fmt_local(due, zone_of(deps, reader)))


async def weekly(deps: Deps, who: UserInfo, args: Sequence[str]) -> Outcome:
    """``/weekly``: show the weekly round with day buttons; ``/weekly sun``, ``/weekly sun
    10:00`` (the pair's timezone; default: the daily check-in time) or ``/weekly off`` set
    it. Unreadable arguments get a reply that shows the forms."""
    words = [a.lower() for a in args]
    if not words:
        async with deps.db.write() as tx:
            user, pair, _partner = await require_pair(deps, tx, who)
            due = await tx.due.due_at(DueKind.OPEN_WEEKLY, PairSubject(pair.id))
        cadence = pair.weekly_cadence()
        if cadence is None:
            text = texts.WEEKLY_STATUS_OFF
        else:
            text = (
                texts.WEEKLY_STATUS_ON.format(
                    schedule=weekly_words(cadence), next=_next(deps, due, user)
                )
                + "\n\n"
                + texts.WEEKLY_CHANGE
            )
        return Outcome(replies=[Message(who.id, text, _keyboard(pair))])
    if words == ["off"]:
        return await set_weekly(deps, who, None)
    day = parse_weekday(words[0])
    if day is None:
        raise Refused(texts.WEEKLY_UNKNOWN)
    at = None
    if len(words) > 1:
        parsed = parse_time_reply(who, " ".join(words[1:]))
        if isinstance(parsed, Outcome):
            return parsed
        at = parsed
    return await set_weekly(deps, who, day, at)


async def set_weekly(
    deps: Deps, who: UserInfo, weekday: int | None, at: time | None = None, *, as_edit: bool = False
) -> Outcome:
    """Set (or with ``weekday`` None, turn off) the pair's weekly round; the sender is told
    (with a warning when it falls in someone's quiet hours), the partner in one coalesced
    notice (:mod:`bot.domain.notices`). A day and time that land in the partner's quiet hours
    become a proposal they answer (:mod:`bot.domain.proposals`, issue 12)."""
    async with deps.db.write() as tx:
        user, pair, partner = await require_pair(deps, tx, who)
        if weekday is None and pair.weekly_weekday is None:
            return Outcome(
                toast=texts.NOTHING_CHANGED,
                edit=Edit(None, ()) if as_edit else None,
                replies=[] if as_edit else [Message(who.id, texts.WEEKLY_ALREADY_OFF)],
            )
        new_time = None if weekday is None else (at or pair.weekly_time or pair.time_of_day)
        if (weekday, new_time) == (pair.weekly_weekday, pair.weekly_time):
            return Outcome(
                toast=texts.NOTHING_CHANGED,
                replies=[] if as_edit else [Message(who.id, texts.WEEKLY_UNCHANGED)],
            )
        if weekday is not None:
            change = ScheduleChange(weekly_weekday=weekday, weekly_time=new_time)
            asked = await propose(deps, tx, user, pair, partner, change)
            if asked is not None:
                return Outcome(
                    replies=[Message(who.id, asked)], edit=Edit(None, ()) if as_edit else None
                )
        await drop_proposal(tx, pair)  # a direct change replaces it
        await note_change(deps, tx, user, pair)
        pair = await tx.pairs.set_weekly(pair.id, weekday, new_time)
        await reschedule(deps, tx, pair)
        due = await tx.due.due_at(DueKind.OPEN_WEEKLY, PairSubject(pair.id))
        you = _changed(deps, pair, user, due, await next_or_why(deps, tx, pair, user, partner))
        cadence = pair.weekly_cadence()
        if cadence is not None:
            you += night_warnings(deps, user, pair, partner, cadence)
    return Outcome(replies=[Message(who.id, you)], edit=Edit(None, ()) if as_edit else None)


def _changed(deps: Deps, pair: Pair, reader: User, due: datetime | None, idle: str) -> str:
    """What changed about the weekly round, for the ``reader`` who changed it; ``idle``: what
    "Next" says when no weekly round is due (why: paused, …)."""
    cadence = pair.weekly_cadence()
    if cadence is None:
        return texts.WEEKLY_OFF_YOU
    nxt = idle if due is None else _next(deps, due, reader)
    return texts.WEEKLY_SET_YOU.format(schedule=weekly_words(cadence), next=nxt)
