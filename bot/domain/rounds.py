"""Rounds: ``/checkin``, scheduled openings (daily lane, weekly lane, program days), expiry
and reminders.

A pair has at most one open round per lane (:class:`~bot.domain.model.Lane`): daily,
``/checkin`` and follow-up rounds share the daily lane; the weekly round has its own, so
neither cuts the other short. Both partners get a round's questions at the same instant,
through the outbox.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from prometheus_client import Counter

from bot import texts
from bot.domain.asking import left_to_answer, question_message, unanswered_messages
from bot.domain.cohorts.calendar import program_cadence, program_round, send_week_message
from bot.domain.deps import Deps
from bot.domain.errors import Refused
from bot.domain.messages import Message, Outcome
from bot.domain.model import (
    Lane,
    Origin,
    Pair,
    PairStatus,
    Round,
    RoundKind,
    RoundStatus,
    User,
    lane_of,
)
from bot.domain.people import (
    UserInfo,
    fmt_local,
    require_pair,
    speaking_to,
    tell,
    zone_of,
)
from bot.domain.ports import UnitOfWork
from bot.domain.questions import choose, chosen_title, take_followup
from bot.domain.schedule import held_for, next_text
from bot.domain.sending import bulk_until
from bot.domain.subjects import (
    AwaitTime,
    AwaitTimezone,
    DueKind,
    MemberSubject,
    PairSubject,
    RoundSubject,
)
from content.schema import Question
from scheduler.cadence import (
    REMINDER_MARGIN,
    Frequency,
    is_night,
    local_time,
    next_morning,
    next_occurrence,
    reminder_instant,
)
from scheduler.due import DueItem

logger = logging.getLogger(__name__)

#: Scheduled rounds skipped by the lateness rule (``MAX_LATENESS_MINUTES``), for /metrics.
ROUNDS_SKIPPED_LATE = Counter(
    "tandem_rounds_skipped_late", "Scheduled rounds skipped: their slot was too long ago."
)

#: How long a ``/checkin`` round stays open.
CHECKIN_TTL = timedelta(hours=24)
#: How long the weekly deeper round stays open.
WEEKLY_TTL = timedelta(hours=48)
#: ``/checkin`` rounds per day (the pair's calendar), so check-ins cannot become a way to
#: press a partner.
MAX_CHECKINS_PER_DAY = 3


async def open_round_of(tx: UnitOfWork, pair_id: int, lane: Lane = Lane.DAILY) -> Round | None:
    """The pair's open round in ``lane``, if any."""
    for round_ in await tx.rounds.open_of(pair_id):
        if round_.lane is lane:
            return round_
    return None


async def checkin(deps: Deps, who: UserInfo) -> Outcome:
    """``/checkin``: open a round now if none is open in the daily lane; at most
    :data:`MAX_CHECKINS_PER_DAY` a day (in the pair's timezone). A weekly round runs in its own
    lane and does not stand in the way."""
    async with deps.db.write() as tx:
        user, pair, partner = await require_pair(deps, tx, who)
        if held_for(pair, user, partner):  # the partner's pause, or they can't be reached
            raise Refused(texts.CHECKIN_ON_HOLD)
        current = await open_round_of(tx, pair.id)
        if current is not None:
            again = await unanswered_messages(deps, tx, current, user)
            if not again:
                raise Refused(texts.CHECKIN_OPEN_ANSWERED)
            return Outcome(replies=[Message(who.id, texts.CHECKIN_OPEN_ALREADY), *again])
        now = deps.now()
        midnight = datetime.combine(
            local_time(now, pair.timezone).date(), time(0), ZoneInfo(pair.timezone)
        )
        today = await tx.rounds.checkins_since(pair.id, midnight)
        if today >= MAX_CHECKINS_PER_DAY:
            due = await tx.due.due_at(DueKind.OPEN_ROUND, PairSubject(pair.id))
            if due is None:
                raise Refused(texts.CHECKIN_LIMIT_UNSCHEDULED.format(n=today))
            nxt = await next_text(tx, pair, zone_of(deps, user))
            raise Refused(texts.CHECKIN_LIMIT.format(n=today, next=nxt))
        await open_round(
            deps, tx, pair, origin=Origin.CHECKIN, expires_at=now + CHECKIN_TTL, starter=user
        )
    return Outcome()


@dataclass(frozen=True)
class Known:
    """What a caller of :func:`open_round` read in the same unit of work, nothing having
    changed it since (issue 10: a wave's opening read each twice)."""

    open_round: Round | None
    members: Mapping[int, User]


async def open_round(
    deps: Deps,
    tx: UnitOfWork,
    pair: Pair,
    *,
    origin: Origin,
    expires_at: datetime,
    starter: User | None = None,
    kind: RoundKind = RoundKind.LIGHT,
    questions: Sequence[Question] | None = None,
    offer_id: int | None = None,
    cohort_id: int | None = None,
    cohort_week: int | None = None,
    known: Known | None = None,
) -> int:
    """Open a round for the pair now: close the lane's open round as expired, pick the
    question(s) (``questions`` overrides the choice), send them to both partners at once
    (through the outbox), and schedule the expiry and each partner's reminder. A follow-up
    waiting for the pair (``offer_id``, or the pair's parked one) rides along as the last
    question of a daily-lane round. ``known``: the lane's open round and the members as the
    caller read them in this unit of work, not read again. Returns the round id."""
    now = deps.now()
    lane = lane_of(kind)
    previous = known.open_round if known is not None else await open_round_of(tx, pair.id, lane)
    if previous is not None:
        await expire_round(deps, tx, previous.id)
    chosen = list(questions) if questions is not None else await choose(deps, tx, pair, kind)
    if offer_id is None and pair.followup_offer_id is not None and lane is Lane.DAILY:
        extra = await take_followup(deps, tx, pair, pair.followup_offer_id)
        if extra is not None:
            chosen.append(extra)
            offer_id = pair.followup_offer_id
    title = await chosen_title(deps, tx, offer_id)
    round_ = await tx.rounds.create(
        pair_id=pair.id,
        origin=origin,
        kind=kind,
        opened_at=now,
        expires_at=expires_at,
        question_ids=[q.id for q in chosen],
        offer_id=offer_id,
        cohort_id=cohort_id,
        cohort_week=cohort_week,
    )
    await tx.due.schedule(DueKind.EXPIRE, RoundSubject(round_.id), expires_at, now)
    members = known.members if known is not None else await tx.users.get_many(pair.members)
    first_open = next((i for i, q in enumerate(chosen) if q.kind == "open"), None)
    for member_id in pair.members:
        member = members.get(member_id)
        if member is None:
            continue
        with speaking_to(member):
            await _send_round(deps, tx, member, round_, chosen, starter, title)
        # The newest open question in view is what a text may answer, unless a time or
        # timezone prompt is pending (a reminder-time prompt or an older question yields to
        # it). Not taken as the answer unasked: without "Write my answer" a text is shown
        # back first (DESIGN.md, privacy rule 7).
        pending = member.awaiting
        yields = pending is not None and not isinstance(pending, AwaitTime | AwaitTimezone)
        if first_open is not None and yields:
            await tx.users.set_awaiting(member.id, None)
        remind_at = reminder_instant(now, expires_at, zone_of(deps, member))
        if remind_at is not None:
            subject = MemberSubject(round_.id, member.id)
            await tx.due.schedule(DueKind.REMIND, subject, remind_at, now)
    return round_.id


async def _send_round(
    deps: Deps,
    tx: UnitOfWork,
    member: User,
    round_: Round,
    questions: Sequence[Question],
    starter: User | None,
    followup_title: str | None,
) -> None:
    """Queue a new round's question messages for one partner, in the language in force;
    ``followup_title`` (a msgid) names the exercise a follow-up question asks about."""
    prefix = ""
    if round_.kind is RoundKind.DEEP:
        prefix = texts.WEEKLY_INTRO.format(n=len(questions)) + "\n\n"
    if starter is not None and starter.id != member.id:
        prefix = texts.CHECKIN_STARTED_BY.format(name=starter.first_name) + "\n\n"
    for position, asked in enumerate(questions):
        text, keyboard = question_message(
            round_.id,
            position,
            asked,
            round_.expires_at,
            zone_of(deps, member),
            total=len(questions),
            followup_title=followup_title,
        )
        await tell(deps, tx, Message(member.id, prefix + text, keyboard))
        prefix = ""


async def forget_round_work(tx: UnitOfWork, round_: Round, pair: Pair) -> None:
    """A round closed: its expiry and reminders go, and no partner's next text answers it."""
    await tx.due.cancel(DueKind.EXPIRE, RoundSubject(round_.id))
    for member_id in pair.members:
        await tx.due.cancel(DueKind.REMIND, MemberSubject(round_.id, member_id))
    await tx.users.stop_awaiting_round(round_.id, pair.members)
    await tx.answers.drop_drafts_of_round(round_.id)


async def expire_round(deps: Deps, tx: UnitOfWork, round_id: int) -> None:
    """Close a round as expired if it is still open (decided once). A partner who had
    answered everything is told it closed; the one answer given stays private forever."""
    closed = await tx.rounds.close_if_open(round_id, RoundStatus.EXPIRED, deps.now())
    if closed is None:
        return
    pair = await tx.pairs.get(closed.pair_id)
    assert pair is not None
    members = await tx.users.get_many(pair.members)
    for member_id in pair.members:
        member = members.get(member_id)
        if member is None or not member.active:
            continue
        if await left_to_answer(tx, round_id, member_id) == 0:
            with speaking_to(member):
                opened = fmt_local(closed.opened_at, zone_of(deps, member))
                text = texts.EXPIRED_ANSWERED.format(opened=opened)
            await tell(deps, tx, Message(member_id, text))
    await forget_round_work(tx, closed, pair)


async def due_open_round(deps: Deps, item: DueItem, now: datetime) -> datetime | None:
    """Open the pair's scheduled daily-lane round (subject ``pair:<id>``); return the next
    opening (see :func:`_due_open`). A ``/checkin`` round still open stands in for the slot
    instead of being cut short (it promised its own closing time)."""
    return await _due_open(deps, item, now, Lane.DAILY)


async def due_open_weekly(deps: Deps, item: DueItem, now: datetime) -> datetime | None:
    """Open the pair's weekly deeper round (subject ``pair:<id>``): three deep questions, open
    for 48 hours; return the next weekly opening (see :func:`_due_open`)."""
    return await _due_open(deps, item, now, Lane.WEEKLY)


async def _due_open(deps: Deps, item: DueItem, now: datetime, lane: Lane) -> datetime | None:
    """The shared rules of scheduled openings: skip (moving to the next slot) when later than
    ``deps.config.max_lateness`` (``MAX_LATENESS_MINUTES``, default 15 minutes: the bot was
    down or behind; logged and counted) or when this local date already had its round (a
    retried claim); None, deleting the row, when the pair no longer runs the schedule. The
    questions are queued as bulk that is not sent after the same bound (issue 10, the
    lateness rule)."""
    with bulk_until(item.due_at + deps.config.max_lateness):
        async with deps.db.write() as tx:
            return await _due_open_in(deps, tx, item, now, lane)


async def due_open_rounds(
    deps: Deps, items: Sequence[DueItem], now: datetime
) -> dict[int, datetime | None]:
    """Open a wave: :func:`due_open_round` for many claimed items in one unit of work (issue
    10: one transaction for the batch instead of one per pair); each item's next opening by
    its id. Any failure rolls all of them back (the runner then opens them one by one)."""
    opened: dict[int, datetime | None] = {}
    async with deps.db.write() as tx:
        for item in items:
            with bulk_until(item.due_at + deps.config.max_lateness):
                opened[item.id] = await _due_open_in(deps, tx, item, now, Lane.DAILY)
    return opened


async def _due_open_in(
    deps: Deps, tx: UnitOfWork, item: DueItem, now: datetime, lane: Lane
) -> datetime | None:
    """:func:`_due_open` inside the caller's unit of work."""
    pair_id = PairSubject.parse(item.subject).pair_id
    weekly = lane is Lane.WEEKLY
    pair = await tx.pairs.get(pair_id)
    if pair is None or pair.status is not PairStatus.ACTIVE or pair.paused:
        return None
    program = None if weekly else await program_cadence(deps, tx, pair)
    cadence = pair.weekly_cadence() if weekly else program or pair.cadence()
    if cadence is None or cadence.frequency is Frequency.OFF:
        return None
    members = await tx.users.get_many(pair.members)
    if len(members) != 2 or not all(m.active for m in members.values()):
        return None
    slot_date = local_time(item.due_at, cadence.timezone).date()
    lateness = deps.config.max_lateness
    if now - item.due_at > lateness:
        # The next slot that is not too late itself: after downtime, today's slot still
        # opens if the bot is back within the bound.
        logger.info("pair %s: round due %s skipped: later than the bound", pair_id, item.due_at)
        ROUNDS_SKIPPED_LATE.inc()
        return next_occurrence(cadence, now - lateness, last_local_date=slot_date)
    nxt = next_occurrence(cadence, max(now, item.due_at), last_local_date=slot_date)
    last = pair.last_weekly_date if weekly else pair.last_round_date
    if last is not None and last >= slot_date:
        return nxt
    await tx.pairs.mark_slot(pair_id, lane, slot_date)
    if weekly:
        await open_round(
            deps,
            tx,
            pair,
            origin=Origin.WEEKLY,
            kind=RoundKind.DEEP,
            expires_at=now + WEEKLY_TTL,
        )
        return nxt
    current = await open_round_of(tx, pair_id)
    if current is not None and current.origin is Origin.CHECKIN:
        logger.info("pair %s: slot %s covered by an open round", pair_id, slot_date)
        return nxt
    expires_at = nxt if nxt is not None else now + CHECKIN_TTL
    planned = None if program is None else await program_round(deps, tx, pair)
    if planned is not None:
        if planned.first_of_week:
            await send_week_message(deps, tx, pair, planned.enrolment)
        await open_round(
            deps,
            tx,
            pair,
            origin=Origin.PROGRAM,
            expires_at=expires_at,
            questions=planned.questions,
            cohort_id=planned.enrolment.cohort.id,
            cohort_week=planned.enrolment.week,
        )
        return nxt
    # Outside a programme nothing since the reads above changed the members or the lane's
    # open round: they are not read again.
    known = Known(current, members) if program is None else None
    await open_round(deps, tx, pair, origin=Origin.SCHEDULED, expires_at=expires_at, known=known)
    return nxt


async def due_expire(deps: Deps, item: DueItem, now: datetime) -> datetime | None:
    """Close the round (subject ``round:<id>``) as expired if it is still open."""
    round_id = RoundSubject.parse(item.subject).round_id
    async with deps.db.write() as tx:
        await expire_round(deps, tx, round_id)
    return None


async def due_remind(deps: Deps, item: DueItem, now: datetime) -> datetime | None:
    """Remind one partner (subject ``round:<id>:<user>``) who has not answered yet: one
    message with the first unanswered question (the rest are above in the chat). It never
    says anything about the other's answer. A reminder that comes due at night (after
    downtime) waits for the morning if the round is still open then."""
    subject = MemberSubject.parse(item.subject)
    async with deps.db.write() as tx:
        round_ = await tx.rounds.get(subject.round_id)
        user = await tx.users.get(subject.user_id)
        if round_ is None or round_.status is not RoundStatus.OPEN:
            return None
        if user is None or not user.active:
            return None
        if user.pair_id != round_.pair_id or now >= round_.expires_at:
            return None  # not theirs any more, or closing now (the bot was down)
        zone = zone_of(deps, user)
        if is_night(local_time(now, zone).time()):
            morning = next_morning(now, zone)
            return morning if morning < round_.expires_at - REMINDER_MARGIN else None
        waiting = await unanswered_messages(deps, tx, round_, user)
        if not waiting:
            return None
        with speaking_to(user):
            header = texts.REMINDER_HEADER
            if len(waiting) > 1:
                header += " " + texts.count("REMINDER_MORE_N", len(waiting))
        first = waiting[0]
        await tell(deps, tx, Message(user.id, header + "\n\n" + first.text, first.buttons))
    return None


DUE_HANDLERS = {
    DueKind.OPEN_ROUND: due_open_round,
    DueKind.OPEN_WEEKLY: due_open_weekly,
    DueKind.EXPIRE: due_expire,
    DueKind.REMIND: due_remind,
}

#: Kinds opened in batches, one unit of work per claimed batch (``Tandem.due_batch_handlers``).
BATCH_HANDLERS = {DueKind.OPEN_ROUND: due_open_rounds}
