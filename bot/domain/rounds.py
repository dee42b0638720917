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
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from prometheus_client import Counter

from bot import texts
from bot.domain import callbacks as cb
from bot.domain.asking import question_message, unanswered_messages
from bot.domain.cohorts.calendar import program_cadence, program_round, send_week_message
from bot.domain.deps import Deps
from bot.domain.errors import Refused
from bot.domain.messages import Keyboard, Message, Outcome, answered_topic
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
    deliver,
    fmt_local,
    require_pair,
    speaking_to,
    tell,
    zone_of,
)
from bot.domain.ports import UnitOfWork
from bot.domain.questions import choose, chosen_title, take_followup
from bot.domain.quiet import Urgency
from bot.domain.schedule import held_for, next_text
from bot.domain.sending import bulk_until
from bot.domain.subjects import (
    AwaitTime,
    AwaitTimezone,
    DueKind,
    MemberSubject,
    PairSubject,
    RoundSubject,
    Subject,
)
from content.schema import Question
from scheduler.cadence import (
    REMINDER_MARGIN,
    Cadence,
    Frequency,
    local_time,
    next_occurrence,
    reminder_instant,
)
from scheduler.due import DueItem
from scheduler.zones import zone_info

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
            local_time(now, pair.timezone).date(), time(0), zone_info(pair.timezone)
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
    members = known.members if known is not None else await tx.users.get_many(pair.members)
    await start_round(deps, tx, [round_start(deps, pair, members, round_, chosen, starter, title)])
    return round_.id


@dataclass(frozen=True)
class RoundStart:
    """What a round just created sends and schedules (:func:`round_start`), not yet written:
    the question messages to both partners, whose ``awaiting`` the round ends, and the due
    work (kind, subject, instant aware UTC) of its expiry and reminders."""

    messages: list[Message]
    stop_awaiting: list[int]
    due: list[tuple[DueKind, Subject, datetime]]


def round_start(
    deps: Deps,
    pair: Pair,
    members: Mapping[int, User],
    round_: Round,
    chosen: Sequence[Question],
    starter: User | None,
    title: str | None,
) -> RoundStart:
    """What opening ``round_`` (just created, asking ``chosen``) for ``pair`` writes, each
    partner in ``members`` (as read in this unit of work) addressed in their language and
    timezone; ``starter``: who ran ``/checkin``; ``title``: the follow-up's exercise (a msgid).
    Pure: nothing is read or written (opening a wave writes many at once).

    Quiet hours (issue 12): the questions open for both at once, so a partner inside their
    quiet hours gets them without sound (:attr:`Urgency.SILENT`); a follow-up round of its own
    (two days after an exercise) can wait, and is held until their quiet hours end. Each
    partner's reminder avoids their own quiet hours."""
    now = deps.now()
    start = RoundStart([], [], [(DueKind.EXPIRE, RoundSubject(round_.id), round_.expires_at)])
    urgency = Urgency.WAITS if round_.origin is Origin.FOLLOWUP else Urgency.SILENT
    first_open = next((i for i, q in enumerate(chosen) if q.kind == "open"), None)
    for member_id in pair.members:
        member = members.get(member_id)
        if member is None:
            continue
        with speaking_to(member):
            asked = _round_messages(deps, member, round_, chosen, starter, title)
        start.messages.extend(deliver(deps, m, member, urgency) for m in asked)
        # The newest open question in view is what a text may answer, unless a time or
        # timezone prompt is pending (a reminder-time prompt or an older question yields to
        # it). Not taken as the answer unasked: without "Write my answer" a text is shown
        # back first (DESIGN.md, privacy rule 7).
        pending = member.awaiting
        yields = pending is not None and not isinstance(pending, AwaitTime | AwaitTimezone)
        if first_open is not None and yields:
            start.stop_awaiting.append(member.id)
        remind_at = reminder_instant(now, round_.expires_at, zone_of(deps, member), member.quiet)
        if remind_at is not None:
            start.due.append((DueKind.REMIND, MemberSubject(round_.id, member.id), remind_at))
    return start


async def start_round(deps: Deps, tx: UnitOfWork, starts: Sequence[RoundStart]) -> None:
    """Write what :func:`round_start` returned for one or more rounds: their messages into
    the outbox (in order, in the sending context in force), the ended ``awaiting``s, their
    expiries and reminders; one multi-row write per table."""
    await tx.outbox.enqueue_many([m for s in starts for m in s.messages], deps.now())
    for start in starts:
        for user_id in start.stop_awaiting:
            await tx.users.set_awaiting(user_id, None)
    await tx.due.schedule_many([d for s in starts for d in s.due], deps.now())


def _round_messages(
    deps: Deps,
    member: User,
    round_: Round,
    questions: Sequence[Question],
    starter: User | None,
    followup_title: str | None,
) -> list[Message]:
    """A new round's question messages for one partner, in the language in force;
    ``followup_title`` (a msgid) names the exercise a follow-up question asks about."""
    messages = []
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
        messages.append(Message(member.id, prefix + text, keyboard, asks=(round_.id, position)))
        prefix = ""
    return messages


async def forget_round_work(tx: UnitOfWork, round_: Round, pair: Pair) -> None:
    """A round closed: its expiry and reminders go, no partner's next text answers it, and
    its question messages lose their buttons (queued through the outbox, issue 12), and a
    "X has answered" notice still held for a partner's morning is not sent (issue 12)."""
    closed_at = round_.closed_at or round_.opened_at
    await tx.outbox.drop_topic(pair.members, answered_topic(round_.id))
    await tx.outbox.clear_keyboards(round_.id, closed_at)
    reminders = [(DueKind.REMIND, MemberSubject(round_.id, m)) for m in pair.members]
    await tx.due.cancel_many([(DueKind.EXPIRE, RoundSubject(round_.id)), *reminders])
    await tx.users.stop_awaiting_round(round_.id, pair.members)
    await tx.answers.drop_drafts_of_round(round_.id)


async def expire_round(deps: Deps, tx: UnitOfWork, round_id: int) -> None:
    """Close a round as expired if it is still open (decided once). A partner who had
    answered is told it closed and that what they gave stays private forever (DESIGN.md, a
    round's life, 7): everything, or part of a check-in of several questions."""
    closed = await tx.rounds.close_if_open(round_id, RoundStatus.EXPIRED, deps.now())
    if closed is None:
        return
    pair = await tx.pairs.get(closed.pair_id)
    assert pair is not None
    members = await tx.users.get_many(pair.members)
    asked = await tx.rounds.asked(round_id)
    answered = await tx.answers.positions_by_member(round_id)
    for member_id in pair.members:
        member = members.get(member_id)
        if member is None or not member.active:
            continue
        given = answered.get(member_id, set())
        if not given:
            continue
        whole = all(a.position in given for a in asked)
        with speaking_to(member):
            opened = fmt_local(closed.opened_at, zone_of(deps, member))
            said = texts.EXPIRED_ANSWERED if whole else texts.EXPIRED_PARTLY
            text = said.format(opened=opened)
        await tell(deps, tx, Message(member_id, text))
    await forget_round_work(tx, closed, pair)


async def question_not_sent(deps: Deps, user_id: int, buttons: Keyboard) -> int:
    """A round's question to ``user_id`` (its answer ``buttons`` as queued) was dropped unsent:
    past its lateness bound (``MAX_LATENESS_MINUTES``; the sender skips it). The round it asks
    closes as expired at once if it is still open, like a round nobody completed: its reminders
    and expiry go (no reminder ever points at a question the user never saw), a partner who
    had answered is told it closed (see :func:`expire_round`), and the lane is free for the
    next slot. Returns
    how many rounds it closed (0: none open, or not the user's)."""
    asked = {
        parsed.round_id
        for row in buttons
        for button in row
        if isinstance(parsed := cb.parse(button.data), cb.AnswerData | cb.WriteData)
    }
    closed = 0
    if not asked:
        return closed
    async with deps.db.write() as tx:
        user = await tx.users.get(user_id)
        for round_id in sorted(asked):
            round_ = await tx.rounds.get(round_id)
            if round_ is None or user is None or user.pair_id != round_.pair_id:
                continue
            if round_.status is RoundStatus.OPEN:
                logger.info("round %s: a question was not sent in time; closed", round_id)
                await expire_round(deps, tx, round_id)
                closed += 1
    return closed


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
            return await due_open_in(deps, tx, item, now, lane)


@dataclass(frozen=True)
class Slot:
    """A scheduled slot as the lateness rule sees it: its local ``day``, whether a round
    ``opens`` for it, and the ``next`` opening (aware UTC; None when the cadence has none)."""

    day: date
    opens: bool
    next: datetime | None


def scheduled_slot(
    deps: Deps, item: DueItem, now: datetime, cadence: Cadence, last: date | None
) -> Slot:
    """The rule of a scheduled opening due at ``item.due_at`` and handled at ``now`` (aware
    UTC) for a pair whose lane last opened on the local date ``last``: later than
    ``deps.config.max_lateness`` it is skipped (logged and counted) and the next opening is
    the next slot not too late itself (after downtime, today's slot still opens if the bot is
    back within the bound); a slot whose local date already had its round (a retried claim)
    does not open again."""
    slot_date = local_time(item.due_at, cadence.timezone).date()
    lateness = deps.config.max_lateness
    if now - item.due_at > lateness:
        pair_id = PairSubject.parse(item.subject).pair_id
        logger.info("pair %s: round due %s skipped: later than the bound", pair_id, item.due_at)
        ROUNDS_SKIPPED_LATE.inc()
        nxt = next_occurrence(cadence, now - lateness, last_local_date=slot_date)
        return Slot(slot_date, False, nxt)
    nxt = next_occurrence(cadence, max(now, item.due_at), last_local_date=slot_date)
    return Slot(slot_date, last is None or last < slot_date, nxt)


async def due_open_in(
    deps: Deps, tx: UnitOfWork, item: DueItem, now: datetime, lane: Lane
) -> datetime | None:
    """:func:`_due_open` inside the caller's unit of work (the wave's fallback for a pair
    whose opening is not a plain one); returns the next opening (aware UTC) or None."""
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
    last = pair.last_weekly_date if weekly else pair.last_round_date
    slot = scheduled_slot(deps, item, now, cadence, last)
    nxt, slot_date = slot.next, slot.day
    if not slot.opens:
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
    says anything about the other's answer. A reminder that comes due inside the partner's
    own quiet hours (after downtime, or hours changed since) waits for their end if the round
    is still open then; none comes while the pair is paused (issue 12: "reminders still come
    right after /pause")."""
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
        pair = await tx.pairs.get(round_.pair_id)
        if pair is None or pair.paused:
            return None  # /pause: no nudges; the round itself stays open until it expires
        quiet = user.quiet
        morning = None if quiet is None else quiet.end_after(now, zone_of(deps, user))
        if morning is not None:
            return morning if morning < round_.expires_at - REMINDER_MARGIN else None
        waiting = await unanswered_messages(deps, tx, round_, user)
        if not waiting:
            return None
        await tell(deps, tx, await reminder_message(deps, tx, round_, user, waiting), to=user)
    return None


async def reminder_message(
    deps: Deps, tx: UnitOfWork, round_: Round, user: User, waiting: Sequence[Message]
) -> Message:
    """A reminder for ``user`` of the open ``round_`` whose questions ``waiting`` (their
    messages, in order, in the user's language) are unanswered: a short nudge sent as a
    reply to the first of them when its sent message is known (issue 12: it points at the
    question rather than repeating it); else, as before, the first question again with its
    buttons under the nudge."""
    first = waiting[0]
    position = first.asks[1] if first.asks is not None else 0
    sent = await tx.outbox.question_message(round_.id, user.id, position)
    with speaking_to(user):
        opened = fmt_local(round_.opened_at, zone_of(deps, user))
        if len(waiting) > 1:
            nudge = texts.count("REMINDER_NUDGE_N", len(waiting), opened=opened)
        else:
            nudge = texts.REMINDER_NUDGE.format(opened=opened)
        if sent is not None:
            return Message(user.id, nudge, reply_to=sent)
        header = texts.REMINDER_HEADER
        if len(waiting) > 1:
            header += " " + texts.count("REMINDER_MORE_N", len(waiting))
    return replace(first, text=header + "\n\n" + first.text)


DUE_HANDLERS = {
    DueKind.OPEN_ROUND: due_open_round,
    DueKind.OPEN_WEEKLY: due_open_weekly,
    DueKind.EXPIRE: due_expire,
    DueKind.REMIND: due_remind,
}
