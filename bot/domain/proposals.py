"""A schedule change that lands in the partner's night asks them first (issue 12).

When one partner changes the pair's time (``/time``), frequency (``/frequency``, when that
moves the instant), the timezone the pair follows, or the weekly round's day and time, and the
next check-in of the changed lane would then fall inside the *other* partner's quiet hours
(``User.quiet``, read on their own clock; a partner who turned quiet hours off is never
asked), the change is not applied: it becomes a proposal stored on the pair (one at a time:
``Pairs.propose_schedule``) and the partner accepts or declines it with two buttons. Accepting
applies it and reschedules; declining tells the proposer in one line. Settling is decided once
in storage (``Pairs.settle_schedule_proposal``); a newer proposal or a direct change replaces
the waiting one, whose buttons then say so and change nothing.

The proposal's buttons carry the pair id and the proposal's number; neither is trusted: the
presser must be the other partner of that very pair, and the number the one waiting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from itertools import pairwise

from bot import texts
from bot.domain import callbacks as cb
from bot.domain.deps import Deps
from bot.domain.errors import Refused
from bot.domain.messages import Button, Edit, Message, Outcome, proposal_topic
from bot.domain.model import Pair, User
from bot.domain.notices import agreed_change
from bot.domain.people import (
    UserInfo,
    fmt_date,
    pair_of,
    speaking_to,
    tell,
    touch,
    zone_of,
)
from bot.domain.ports import UnitOfWork
from bot.domain.schedule import next_text, reschedule, schedule_text, weekly_words
from scheduler.cadence import Cadence, Frequency, QuietHours, local_time, next_occurrence
from scheduler.zones import zone_info

_FIELDS = {
    "f": "frequency",
    "d": "weekday",
    "t": "time_of_day",
    "z": "timezone",
    "wd": "weekly_weekday",
    "wt": "weekly_time",
}


@dataclass(frozen=True)
class ScheduleChange:
    """A change to the pair's schedule: the daily lane's ``frequency``, ``weekday``,
    ``time_of_day`` and ``timezone``, or the weekly round's ``weekly_weekday`` and
    ``weekly_time`` (None: unchanged). Stored on the pair while it waits as :meth:`encode`
    gives it (``f=weekly;d=2;t=20:00``), read back with :meth:`parse`."""

    frequency: Frequency | None = None
    weekday: int | None = None
    time_of_day: time | None = None
    timezone: str | None = None
    weekly_weekday: int | None = None
    weekly_time: time | None = None

    @property
    def weekly(self) -> bool:
        """Whether this changes the weekly round (else the daily lane)."""
        return self.weekly_weekday is not None

    def encode(self) -> str:
        """The stored form: ``key=value`` pairs joined by ``;`` (times as ``HH:MM``)."""
        parts = []
        for key, name in _FIELDS.items():
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, time):
                value = value.strftime("%H:%M")
            elif isinstance(value, Frequency):
                value = value.value
            parts.append(f"{key}={value}")
        return ";".join(parts)

    @classmethod
    def parse(cls, raw: str) -> ScheduleChange:
        """The change :meth:`encode` wrote. Raises ValueError for anything else (an unknown
        key, a bad time, weekday or zone)."""
        values: dict[str, object] = {}
        for part in raw.split(";"):
            key, _, value = part.partition("=")
            name = _FIELDS.get(key)
            if name is None or name in values:
                raise ValueError("not a schedule change")
            if name in ("time_of_day", "weekly_time"):
                values[name] = time.fromisoformat(value)
            elif name in ("weekday", "weekly_weekday"):
                day = int(value)
                if not 0 <= day <= 6:
                    raise ValueError("not a weekday")
                values[name] = day
            elif name == "frequency":
                values[name] = Frequency(value)
            else:
                zone_info(value)  # raises ValueError for an unknown zone
                values[name] = value
        return cls(**values)  # type: ignore[arg-type]

    def applied(self, pair: Pair) -> Pair:
        """``pair`` as it would be with this change (nothing stored)."""
        changes = {name: getattr(self, name) for name in _FIELDS.values()}
        return replace(pair, **{k: v for k, v in changes.items() if v is not None})

    def schedule(self, pair: Pair) -> str:
        """The changed lane of ``pair`` (already changed) in words, in the language in force."""
        if not self.weekly:
            return schedule_text(pair)
        cadence = pair.weekly_cadence()
        assert cadence is not None
        return weekly_words(cadence)


def _lane(pair: Pair, weekly: bool) -> Cadence | None:
    return pair.weekly_cadence() if weekly else pair.cadence()


#: How far ahead a change is checked against the partner's quiet hours (issue 12).
AHEAD = timedelta(days=366)


def _samples(now: datetime, zones: Sequence[str]) -> list[datetime]:
    """Instants whose next check-in together covers the coming year (aware UTC): ``now``,
    one a month, and the day before and after each clock change of each of ``zones`` (every
    pair of offsets the two clocks take in the year appears right after a change)."""
    found = {now} | {now + timedelta(days=30 * k) for k in range(1, 13)}
    days = [now + timedelta(days=d) for d in range(AHEAD.days + 1)]
    for zone in set(zones):
        tz = zone_info(zone)
        for day, following in pairwise(days):
            if day.astimezone(tz).utcoffset() != following.astimezone(tz).utcoffset():
                found |= {day, following}
    return sorted(found)


def lands_in_quiet(
    before: Pair, change: ScheduleChange, quiet: QuietHours | None, zone: str, now: datetime
) -> datetime | None:
    """The pure rule behind :func:`night_landing`: the first check-in of the changed lane in
    the coming year (from ``now``, aware UTC) that ``change`` puts inside ``quiet`` (hours on
    the clock of ``zone``) where the lane before the change did not already open at that
    very instant (its time on that date); else None (also for ``quiet`` None: quiet hours
    turned off, or a lane turned off). The year is read once a month and on both sides of
    every clock change of the pair's zone and ``zone``, so a time that slips into the night
    when only one of the clocks changes is caught too (issue 12, found by a probe: 21:30 New
    York became 22:30 on 8 March)."""
    if quiet is None:
        return None
    after = _lane(change.applied(before), change.weekly)
    if after is None:
        return None
    earlier = _lane(before, change.weekly)
    # The old lane's time on every date: a check-in at that very instant was already there
    # before the change (``/frequency weekdays`` on an unchanged time asks no one).
    was = (
        None
        if earlier is None or earlier.frequency is Frequency.OFF
        else replace(earlier, frequency=Frequency.DAILY)
    )
    for sample in _samples(now, (after.timezone, zone)):
        new = next_occurrence(after, sample)
        if new is None or not quiet.covers(new, zone):
            continue
        if was is not None and next_occurrence(was, new - timedelta(seconds=1)) == new:
            continue
        return new
    return None


def night_landing(
    deps: Deps, before: Pair, change: ScheduleChange, partner: User
) -> datetime | None:
    """The first check-in of the changed lane in the coming year (aware UTC) that ``change``
    would put inside ``partner``'s quiet hours on their own clock, and that did not already
    fall at that very instant before the change (so ``/frequency weekdays`` on an unchanged
    time asks no one); None when the change may apply at once (also when the partner turned quiet
    hours off, or the lane is off). See :func:`lands_in_quiet`."""
    return lands_in_quiet(before, change, partner.quiet, zone_of(deps, partner), deps.now())


async def propose(
    deps: Deps,
    tx: UnitOfWork,
    user: User,
    pair: Pair,
    partner: User,
    change: ScheduleChange,
) -> str | None:
    """Make ``change`` a proposal when it lands in ``partner``'s quiet hours (see
    :func:`night_landing`): store it (replacing any waiting one), ask the partner in their
    language with Accept / Keep buttons, and return the proposer's reply (why the partner is
    asked first). None: not a proposal, apply it at once. A partner who blocked the bot is
    asked like a paused or present one (their copy comes when they are back, see
    :func:`ask_again`): the proposer cannot tell a block from a pause (privacy rule 8)."""
    landing = night_landing(deps, pair, change, partner)
    if landing is None:
        return None
    seq = await tx.pairs.propose_schedule(pair.id, change.encode(), user.id)
    await tx.outbox.drop_topic(pair.members, proposal_topic(pair.id))  # latest wins
    await tell(deps, tx, _ask(deps, pair, user, partner, change, seq, landing))
    after = change.applied(pair)
    cadence = _lane(after, change.weekly)
    assert cadence is not None
    local = local_time(landing, zone_of(deps, partner))
    if landing == next_occurrence(cadence, deps.now()):
        return texts.PROPOSAL_SENT.format(
            when=cadence.time_of_day.strftime("%H:%M"),
            zone=cadence.timezone,
            local=local.strftime("%H:%M"),
            partner=partner.first_name,
        )
    return texts.PROPOSAL_SENT_FROM.format(
        when=cadence.time_of_day.strftime("%H:%M"),
        zone=cadence.timezone,
        local=local.strftime("%H:%M"),
        partner=partner.first_name,
        day=fmt_date(local.date()),
    )


def _ask(
    deps: Deps,
    pair: Pair,
    proposer: User,
    partner: User,
    change: ScheduleChange,
    seq: int,
    landing: datetime,
) -> Message:
    """The proposal as ``partner`` reads it (their language, their clock), with Accept / Keep
    buttons for proposal ``seq`` of ``pair``; ``landing``: the check-in it puts in their
    quiet hours (aware UTC). Its outbox topic makes a newer one replace it while it waits."""
    local = local_time(landing, zone_of(deps, partner))
    after = change.applied(pair)
    cadence = _lane(after, change.weekly)
    first = None if cadence is None else next_occurrence(cadence, deps.now())
    with speaking_to(partner):
        schedule, at = change.schedule(after), local.strftime("%H:%M")
        if landing == first:
            text = texts.PROPOSAL_ASK.format(name=proposer.first_name, schedule=schedule, local=at)
        else:
            text = texts.PROPOSAL_ASK_FROM.format(
                name=proposer.first_name, schedule=schedule, local=at, day=fmt_date(local.date())
            )
        keyboard = (
            (
                Button(texts.BTN_PROPOSAL_ACCEPT, cb.schedule_proposal(pair.id, seq, True)),
                Button(texts.BTN_PROPOSAL_DECLINE, cb.schedule_proposal(pair.id, seq, False)),
            ),
        )
    return Message(partner.id, text, keyboard, topic=proposal_topic(pair.id))


async def ask_again(deps: Deps, tx: UnitOfWork, pair: Pair, user: User) -> None:
    """``user`` is back after blocking the bot: the proposal still waiting for them, if any,
    is asked again (the copy queued meanwhile never reached them)."""
    if pair.proposal is None or pair.proposal_by in (None, user.id):
        return
    proposer = await tx.users.get(pair.proposal_by)
    try:
        change = ScheduleChange.parse(pair.proposal)
    except ValueError:
        return
    if proposer is None:
        return
    after = _lane(change.applied(pair), change.weekly)
    first = None if after is None else next_occurrence(after, deps.now())
    landing = night_landing(deps, pair, change, user) or first
    if landing is None:
        return
    await tell(deps, tx, _ask(deps, pair, proposer, user, change, pair.proposal_seq, landing))


async def drop_proposal(tx: UnitOfWork, pair: Pair) -> None:
    """A direct change replaces the waiting proposal: it is forgotten, and its copy still
    held for the partner's morning is not sent (issue 12)."""
    await tx.pairs.drop_schedule_proposal(pair.id)
    await tx.outbox.drop_topic(pair.members, proposal_topic(pair.id))


async def apply_change(deps: Deps, tx: UnitOfWork, pair: Pair, change: ScheduleChange) -> Pair:
    """Store ``change`` on the pair and move its due work; returns the changed pair."""
    if change.weekly:
        changed = await tx.pairs.set_weekly(pair.id, change.weekly_weekday, change.weekly_time)
    else:
        changed = await tx.pairs.set_schedule(
            pair.id,
            frequency=change.frequency,
            weekday=change.weekday,
            time_of_day=change.time_of_day,
            timezone=change.timezone,
        )
    await reschedule(deps, tx, changed)
    return changed


async def answer(deps: Deps, who: UserInfo, pair_id: int, seq: int, yes: bool) -> Outcome:
    """The partner's Accept (``yes``) or Keep on schedule proposal ``seq`` of pair
    ``pair_id``. Accept applies the change and reschedules; either way the proposer is told.
    Refused (nothing changes) with a toast for a presser outside that pair, for the proposer
    themself, and (buttons removed) for a proposal that was replaced or already answered."""
    async with deps.db.write() as tx:
        user = await touch(deps, tx, who)
        found = await pair_of(tx, user)
        if found is None or found[0].id != pair_id:
            raise Refused(texts.PROPOSAL_NOT_YOURS, toast=True)
        pair, partner = found
        if seq == pair.proposal_seq and pair.proposal_by == user.id:
            raise Refused(texts.PROPOSAL_OWN.format(partner=partner.first_name), toast=True)
        if seq < pair.proposal_seq:
            raise Refused(texts.PROPOSAL_REPLACED, toast=True, close=True)
        raw = await tx.pairs.settle_schedule_proposal(pair.id, seq, partner.id)
        if raw is None:
            gone = texts.PROPOSAL_ANSWERED if seq == pair.proposal_seq else texts.PROPOSAL_REPLACED
            raise Refused(gone, toast=True, close=True)
        change = ScheduleChange.parse(raw)
        if yes:
            changed = await apply_change(deps, tx, pair, change)
            await agreed_change(tx, partner.id, pair, changed)
            mine = await next_text(tx, changed, zone_of(deps, user))
            reply = texts.PROPOSAL_ACCEPTED_YOU.format(schedule=change.schedule(changed), next=mine)
            with speaking_to(partner):
                theirs = await next_text(tx, changed, zone_of(deps, partner))
                notice = texts.PROPOSAL_ACCEPTED_PARTNER.format(
                    name=user.first_name, schedule=change.schedule(changed), next=theirs
                )
        else:
            reply = texts.PROPOSAL_DECLINED_YOU.format(name=partner.first_name)
            with speaking_to(partner):
                notice = texts.PROPOSAL_DECLINED_PARTNER.format(name=user.first_name)
        if partner.active:
            await tell(deps, tx, Message(partner.id, notice))
    return Outcome(replies=[Message(who.id, reply)], edit=Edit(None, ()))


def waiting_line(pair: Pair, partner: User) -> str | None:
    """For ``/settings``: the line about a proposal by the reader waiting for ``partner``
    (None when nothing of theirs waits or it cannot be read)."""
    if pair.proposal is None or pair.proposal_by == partner.id:
        return None
    try:
        change = ScheduleChange.parse(pair.proposal)
    except ValueError:
        return None
    return texts.PROPOSAL_WAITING.format(
        name=partner.first_name, schedule=change.schedule(change.applied(pair))
    )
