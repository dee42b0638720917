"""After a reveal: an exercise offer that each partner picks from privately ("both choose").

Which trigger applies and which two or three exercises the offer names (by rotation, least
recently offered first) is the pure rule in :mod:`bot.domain.exercises.rotation`: a repeated
mismatch, a mismatch, an imbalance both partners see, a shared concern. A dimension whose gap
is closing (it mismatched last time, it is closer now) gets a word of encouragement instead.

Picks follow the rule of answers (DESIGN.md, a round's life): neither sees the other's pick
until both picked, and the moment both have is decided once (``Offers.move``). Agreeing
schedules the follow-up two days later.

Every "Not now" is respected (issue 12): an exercise is settled only among partners who picked
one. Both pick the same: agreed. Different exercises: both picks are shown and either settles
on one of them (or "Not this time"). One picks and the other says "Not now": nothing is
settled; the picker hears, kindly, that their partner passed this time and that the exercise
is theirs to try alone; the one who passed is not told what the other picked (no pressure).
Both "Not now": declined. A "Not now"/"Not this time" pressed later, while a settled exercise
has not been followed up yet, is honoured too: the exercise is off for both (its reminder and
follow-up go) and the partner is told.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from bot import texts
from bot.domain import callbacks as cb
from bot.domain.asking import Given, exercise_text
from bot.domain.deps import Deps
from bot.domain.errors import Refused
from bot.domain.exercises import rotation
from bot.domain.exercises.findings import findings, recent_findings
from bot.domain.messages import Button, Edit, Keyboard, Message, Outcome, picked_topic
from bot.domain.model import (
    NOT_NOW,
    Asked,
    Offer,
    OfferStatus,
    Pair,
    Round,
    RoundKind,
    User,
)
from bot.domain.people import (
    UserInfo,
    fmt_local,
    names_of,
    other_name,
    speaking_to,
    tell,
    touch,
    zone_of,
)
from bot.domain.ports import UnitOfWork
from bot.domain.subjects import DueKind, OfferSubject
from bot.i18n import gettext
from content.schema import Dimension, Exercise, Gap, Trigger
from scheduler.cadence import DEFAULT_QUIET_HOURS, QuietHours, local_time
from scheduler.zones import zone_info

logger = logging.getLogger(__name__)

#: The follow-up comes this long after agreeing, at the pair's check-in time.
FOLLOWUP_AFTER = timedelta(days=2)


async def after_reveal(
    deps: Deps,
    tx: UnitOfWork,
    round_: Round,
    pair: Pair,
    *,
    members: Mapping[int, User] | None = None,
    answers: tuple[Sequence[Asked], Given] | None = None,
) -> list[Message]:
    """The messages that follow a reveal: an offer (each partner's own copy) and words of
    encouragement. Writes the offer, cancelling an older one still being picked. ``members``
    (the pair's users by id) and ``answers`` (the round's questions and answers): as the
    caller read them in this unit of work, else read here."""
    if round_.kind is RoundKind.FOLLOWUP:
        return []
    found = await findings(deps, tx, round_.id, pair, answers)
    history = await recent_findings(deps, tx, pair, before=round_.id)
    messages: list[Message] = []
    now = deps.now()
    offered = await tx.offers.offer_history(pair.id, now - rotation.WINDOW)
    choice = rotation.choose(deps.content, found, history, offered, now)
    if choice is not None:
        messages.extend(
            await _make_offer(
                deps, tx, pair, round_.id, choice.trigger, choice.dimension, list(choice.options)
            )
        )
    if members is None:
        members = await tx.users.get_many(pair.members)
    for dimension, gap in found.gaps.items():
        if found.gap_kinds.get(dimension) is Gap.MISMATCH:
            continue
        previous = next((f for f in history if dimension in f.gaps), None)
        if previous is None:
            continue
        if previous.gap_kinds.get(dimension) is Gap.MISMATCH and gap < previous.gaps[dimension]:
            for member_id in pair.members:
                if member_id not in members:
                    continue
                with speaking_to(members[member_id]):
                    text = texts.ENCOURAGE.format(topic=gettext(dimension.topic))
                messages.append(Message(member_id, text))
    return messages


async def _make_offer(
    deps: Deps,
    tx: UnitOfWork,
    pair: Pair,
    round_id: int,
    trigger: Trigger,
    dimension: Dimension,
    options: list[str],
) -> list[Message]:
    offer_id = await tx.offers.create(
        pair_id=pair.id,
        round_id=round_id,
        trigger=trigger,
        dimension=dimension,
        options=options,
        now=deps.now(),
    )
    logger.info("pair %s: offer %s (%s, %s)", pair.id, offer_id, trigger, dimension)
    members = await tx.users.get_many(pair.members)
    names = {u.id: u.first_name for u in members.values()}
    exercises = [deps.content.exercise(e) for e in options]
    messages = []
    for member_id in pair.members:
        if member_id not in members:
            continue
        with speaking_to(members[member_id]):
            messages.append(
                offer_message(
                    member_id,
                    offer_id,
                    trigger,
                    dimension,
                    exercises,
                    other_name(names, pair, member_id),
                )
            )
    return messages


def offer_message(
    member: int,
    offer_id: int,
    trigger: Trigger,
    dimension: Dimension,
    exercises: Sequence[Exercise],
    other: str,
) -> Message:
    """One partner's copy of an offer, in the language in force."""
    header = {
        Trigger.MISMATCH: texts.OFFER_MISMATCH,
        Trigger.REPEATED: texts.OFFER_REPEATED,
        Trigger.SHARED_CONCERN: texts.OFFER_SHARED_CONCERN,
        Trigger.IMBALANCE: texts.OFFER_IMBALANCE,
    }[trigger].format(topic=gettext(dimension.topic))
    lines = [
        texts.OFFER_OPTION.format(
            n=n,
            title=gettext(e.title),
            kind=texts.EXERCISE_KINDS[e.kind.value],
            minutes=e.minutes,
            why=gettext(e.why),
        )
        for n, e in enumerate(exercises, start=1)
    ]
    keyboard: Keyboard = (
        *(
            (Button(f"{n}. {gettext(e.title)}", cb.pick(offer_id, str(n - 1))),)
            for n, e in enumerate(exercises, start=1)
        ),
        (Button(texts.BTN_NOT_NOW, cb.pick(offer_id, "n")),),
    )
    text = "\n\n".join([header, *lines, texts.OFFER_ASK.format(partner=other)])
    return Message(member, text, keyboard)


async def waiting_for(deps: Deps, tx: UnitOfWork, pair: Pair, user: User) -> list[Message]:
    """The offer still waiting for ``user``'s pick, again (for a partner coming back after
    blocking the bot, whose copy never arrived); an empty list when there is none."""
    offer = await tx.offers.open_of(pair.id)
    if offer is None or user.id in await tx.offers.picks(offer.id):
        return []
    names = await names_of(tx, pair)
    exercises = [deps.content.exercises[e] for e in offer.options if e in deps.content.exercises]
    with speaking_to(user):
        message = offer_message(
            user.id,
            offer.id,
            offer.trigger,
            offer.dimension,
            exercises,
            other_name(names, pair, user.id),
        )
    return [message]


async def offer_for(
    deps: Deps, tx: UnitOfWork, who: UserInfo, offer_id: int
) -> tuple[Offer, Pair, User]:
    """The offer, its pair and the sender, when the sender belongs to the offer's active
    pair. Raises :class:`Refused` otherwise (the same toast for an unknown id and another
    pair's; "closed" for an offer of the sender's own ended pair)."""
    user = await touch(deps, tx, who)
    offer = await tx.offers.get(offer_id)
    if offer is None or user.pair_id != offer.pair_id:
        if offer is not None:
            old = await tx.pairs.get(offer.pair_id)
            if old is not None and old.has_member(who.id):
                raise Refused(texts.OFFER_CLOSED, toast=True, close=True)
        raise Refused(texts.BUTTON_NOT_YOURS, toast=True)
    pair = await tx.pairs.get(offer.pair_id)
    assert pair is not None
    return offer, pair, user


def option(offer: Offer, choice: str) -> str | None:
    """The exercise id (or ``NOT_NOW``) a button's choice names, or None when it names none."""
    if choice == "n":
        return NOT_NOW
    if choice.isdigit() and int(choice) < len(offer.options):
        return offer.options[int(choice)]
    return None


def pick_label(deps: Deps, pick: str) -> str:
    """A pick as shown (in the language in force): the exercise's title or "not now"."""
    if pick == NOT_NOW:
        return texts.PICK_NONE
    exercise = deps.content.exercises.get(pick)
    return gettext(exercise.title) if exercise is not None else pick


async def pick(deps: Deps, who: UserInfo, offer_id: int, choice: str) -> Outcome:
    """A partner's private pick (an option index or ``n`` for not now) for an open offer.

    When both have picked, exactly one caller (a decide-once move) tells both: the same
    exercise (with its steps and a reminder offer), both "not now", one "not now" (nothing
    settled), or two different exercises side by side with a way to decide. Until then the
    partner only learns that a pick is waiting. A "not now" pressed on an offer already
    differed or settled is :func:`_not_this_time`. Raises :class:`Refused` for a closed or
    replaced offer, a stale button, or a stranger's press.
    """
    async with deps.db.write() as tx:
        offer, pair, user = await offer_for(deps, tx, who, offer_id)
        if choice == "n" and offer.status in (OfferStatus.DIFFERED, OfferStatus.AGREED):
            return await _not_this_time(deps, tx, offer, pair, user)
        if offer.status is not OfferStatus.OPEN:
            closed = OfferStatus.CANCELLED
            text = texts.OFFER_REPLACED if offer.status is closed else texts.OFFER_CLOSED
            raise Refused(text, toast=True, close=True)
        chosen = option(offer, choice)
        if chosen is None:
            raise Refused(texts.BUTTON_STALE, toast=True)
        if not await tx.offers.hold_if_open(offer_id):
            raise Refused(texts.OFFER_CLOSED, toast=True, close=True)
        first = await tx.offers.save_pick(offer_id, who.id, chosen, deps.now())
        picks = await tx.offers.picks(offer_id)
        partner_id = pair.partner_of(who.id)
        names = await names_of(tx, pair)
        if partner_id in picks:
            await _both_picked(deps, tx, offer, pair, picks, names)
            return Outcome(toast=texts.PICK_TOAST, edit=Edit(None, ()))
        if first and partner_id is not None:
            partner = await tx.users.get(partner_id)
            if partner is not None:
                with speaking_to(partner):
                    text = texts.PICK_WAITING.format(name=user.first_name)
                await tell(deps, tx, Message(partner_id, text, topic=picked_topic(offer_id)))
        saved = texts.PICK_SAVED.format(
            pick=pick_label(deps, chosen), partner=other_name(names, pair, who.id)
        )
        # Through the outbox: if the partner's pick commits right after (another process),
        # "your picks are in" still follows this in the chat.
        await tell(deps, tx, Message(who.id, saved))
        return Outcome(toast=texts.PICK_TOAST)


async def _both_picked(
    deps: Deps,
    tx: UnitOfWork,
    offer: Offer,
    pair: Pair,
    picks: dict[int, str],
    names: dict[int, str],
) -> None:
    """Both picked: agreed, declined, or differed (each sees both picks), decided once. A
    "has made their pick" notice still held for a partner's morning is not sent (issue 12)."""
    assert pair.user_a is not None and pair.user_b is not None
    await tx.outbox.drop_topic(pair.members, picked_topic(offer.id))
    a, b = picks[pair.user_a], picks[pair.user_b]
    now = deps.now()
    members = await tx.users.get_many(pair.members)
    if a == b == NOT_NOW:
        if await tx.offers.move(offer.id, OfferStatus.OPEN, OfferStatus.DECLINED, None, now):
            for member_id in pair.members:
                with speaking_to(members.get(member_id)):
                    text = texts.OFFER_DECLINED_BOTH
                await tell(deps, tx, Message(member_id, text))
        return
    if NOT_NOW in (a, b):
        if await tx.offers.move(offer.id, OfferStatus.OPEN, OfferStatus.DECLINED, None, now):
            await _one_passed(deps, tx, pair, picks, names)
        return
    if a == b:
        if await tx.offers.move(offer.id, OfferStatus.OPEN, OfferStatus.AGREED, a, now):
            await agreed(deps, tx, offer, pair, a, None, names)
        return
    if not await tx.offers.move(offer.id, OfferStatus.OPEN, OfferStatus.DIFFERED, None, now):
        return
    distinct = list(dict.fromkeys((a, b)))
    for me_id, other_id in ((pair.user_a, pair.user_b), (pair.user_b, pair.user_a)):
        with speaking_to(members.get(me_id)):
            keyboard: Keyboard = (
                *(
                    (
                        Button(
                            pick_label(deps, p),
                            cb.decide(offer.id, str(offer.options.index(p))),
                        ),
                    )
                    for p in distinct
                ),
                (Button(texts.BTN_NOT_THIS_TIME, cb.decide(offer.id, "n")),),
            )
            text = texts.OFFER_DIFFERENT.format(
                mine=pick_label(deps, picks[me_id]),
                partner=names.get(other_id, ""),
                theirs=pick_label(deps, picks[other_id]),
            )
        await tell(deps, tx, Message(me_id, text, keyboard, protect=True))


async def _one_passed(
    deps: Deps, tx: UnitOfWork, pair: Pair, picks: dict[int, str], names: dict[int, str]
) -> None:
    """One partner picked an exercise, the other "not now": nothing is settled (issue 12).
    The picker is told kindly that their partner passed and that the exercise is theirs to
    try alone; the one who passed hears only that nothing is settled, not what was picked."""
    members = await tx.users.get_many(pair.members)
    for member_id in pair.members:
        mine = picks.get(member_id)
        other_id = pair.partner_of(member_id)
        with speaking_to(members.get(member_id)):
            if mine == NOT_NOW:
                text = texts.OFFER_YOU_PASSED
            else:
                text = texts.OFFER_PARTNER_PASSED.format(
                    name=names.get(other_id, "") if other_id is not None else "",
                    title=pick_label(deps, mine or ""),
                )
        await tell(deps, tx, Message(member_id, text))


async def _not_this_time(
    deps: Deps, tx: UnitOfWork, offer: Offer, pair: Pair, user: User
) -> Outcome:
    """``user`` says "not this time" (or "not now") to an offer whose picks were shown
    (differed) or that was settled and not followed up yet: it is declined, whoever settled
    it (a no is never overruled, issue 12). A settled exercise's reminder and follow-up go.
    The partner is told who said no; the sender gets a plain acknowledgement. Raises
    :class:`Refused` (closed) when the offer moved on meanwhile."""
    now = deps.now()
    if not await tx.offers.move(offer.id, offer.status, OfferStatus.DECLINED, None, now):
        raise Refused(texts.OFFER_CLOSED, toast=True, close=True)
    if offer.status is OfferStatus.AGREED:
        await tx.due.cancel(DueKind.FOLLOWUP, OfferSubject(offer.id))
        await tx.due.cancel(DueKind.EXERCISE_REMIND, OfferSubject(offer.id))
        await tx.pairs.take_followup(pair.id, offer.id)
    partner_id = pair.partner_of(user.id)
    partner = None if partner_id is None else await tx.users.get(partner_id)
    if partner is not None:
        with speaking_to(partner):
            if offer.status is OfferStatus.AGREED:
                title = pick_label(deps, offer.chosen or "")  # in the partner's language
                text = texts.OFFER_WITHDRAWN.format(name=user.first_name, title=title)
            else:
                text = texts.OFFER_DECLINED_DECIDE.format(name=user.first_name)
        await tell(deps, tx, Message(partner.id, text))
    text = texts.OFFER_NOT_THIS_TIME_YOU
    return Outcome(replies=[Message(user.id, text)], edit=Edit(None, ()))


async def decide(deps: Deps, who: UserInfo, offer_id: int, choice: str) -> Outcome:
    """After two different picks, either partner settles it: one of the picks (the first tap
    wins, a decide-once move; both are told), or "not this time", which declines it even
    after the other settled, until the follow-up (:func:`_not_this_time`). Raises
    :class:`Refused` for a closed offer, an exercise neither picked, or a stranger's press."""
    async with deps.db.write() as tx:
        offer, pair, user = await offer_for(deps, tx, who, offer_id)
        if choice == "n" and offer.status in (OfferStatus.DIFFERED, OfferStatus.AGREED):
            return await _not_this_time(deps, tx, offer, pair, user)
        if offer.status is not OfferStatus.DIFFERED:
            if offer.status is OfferStatus.AGREED and offer.chosen:
                done = texts.OFFER_DECIDED_YOU.format(title=pick_label(deps, offer.chosen))
                raise Refused(done, toast=True, close=True)
            raise Refused(texts.OFFER_CLOSED, toast=True, close=True)
        chosen = option(offer, choice)
        picked = set((await tx.offers.picks(offer_id)).values())
        if chosen is None or chosen == NOT_NOW or chosen not in picked:
            raise Refused(texts.BUTTON_STALE, toast=True)  # only what one of them picked
        names = await names_of(tx, pair)
        now = deps.now()
        if await tx.offers.move(offer_id, OfferStatus.DIFFERED, OfferStatus.AGREED, chosen, now):
            await agreed(deps, tx, offer, pair, chosen, who.id, names)
        return Outcome(toast=texts.PICK_TOAST, edit=Edit(None, ()))


async def agreed(
    deps: Deps,
    tx: UnitOfWork,
    offer: Offer,
    pair: Pair,
    exercise_id: str,
    decided_by: int | None,
    names: dict[int, str],
) -> None:
    """Tell both which exercise they are doing (with its steps and a reminder offer) and
    schedule the follow-up for two days later at the pair's check-in time."""
    exercise = deps.content.exercise(exercise_id)
    members = await tx.users.get_many(pair.members)
    # Each partner's own quiet hours on their own clock (issue 12), for the suggestions.
    hours = [(zone_of(deps, u), u.quiet) for u in members.values()]
    for member_id in pair.members:
        user = members.get(member_id)
        zone = zone_of(deps, user) if user is not None else pair.timezone
        with speaking_to(user):
            title = gettext(exercise.title)
            if decided_by is None:
                first = texts.OFFER_AGREED.format(title=title)
            elif decided_by == member_id:
                first = texts.OFFER_DECIDED_YOU.format(title=title)
            else:
                first = texts.OFFER_DECIDED.format(name=names.get(decided_by, ""), title=title)
            text = first + "\n\n" + exercise_text(exercise, why=False)
            ask = Message(
                member_id, texts.REMIND_ASK, remind_keyboard(deps, offer, pair, zone, hours)
            )
        await tell(deps, tx, Message(member_id, text))
        await tell(deps, tx, ask)
    await tx.due.schedule(
        DueKind.FOLLOWUP, OfferSubject(offer.id), followup_at(deps, pair), deps.now()
    )


def followup_at(deps: Deps, pair: Pair) -> datetime:
    """Two days from now at the pair's check-in time in the pair's timezone (aware UTC); a
    minute earlier when daily rounds run, so that the round opening then carries it; never
    sooner than 36 hours."""
    now = deps.now()
    day = local_time(now + FOLLOWUP_AFTER, pair.timezone).date()
    at = datetime.combine(day, pair.time_of_day, zone_info(pair.timezone)).astimezone(UTC)
    if pair.runs_daily:
        at -= timedelta(minutes=1)
    return max(at, now + timedelta(hours=36))


def remind_keyboard(
    deps: Deps, offer: Offer, pair: Pair, zone: str, hours: Sequence[PersonHours]
) -> Keyboard:
    """Reminder buttons for one partner: the next two suggested instants (see
    :func:`suggested_at`; ``hours``: both partners' zones and quiet hours) labelled in their
    own timezone, "another time" and "no reminder". The instant travels in the button, so a
    press a day later still means what the label said."""
    now = deps.now()
    suggested = [at for at in (suggested_at(deps, pair, d, hours) for d in range(3)) if at > now]
    rows: list[tuple[Button, ...]] = [
        (Button(_when_label(deps, at, zone), cb.remind(offer.id, _minutes(at))),)
        for at in suggested[:2]
    ]
    rows.append(
        (
            Button(texts.BTN_REMIND_TYPE, cb.remind(offer.id, "type")),
            Button(texts.BTN_REMIND_NONE, cb.remind(offer.id, "none")),
        )
    )
    return tuple(rows)


def _minutes(at: datetime) -> str:
    """An instant as whole minutes since the epoch (for callback data)."""
    return str(int(at.timestamp()) // 60)


def _when_label(deps: Deps, at: datetime, zone: str) -> str:
    """``Today 21:00`` / ``Tomorrow 21:00`` by the reader's own calendar, else the date."""
    local = local_time(at, zone)
    days = (local.date() - local_time(deps.now(), zone).date()).days
    if days == 0:
        return texts.BTN_REMIND_TODAY.format(time=local.strftime("%H:%M"))
    if days == 1:
        return texts.BTN_REMIND_TOMORROW.format(time=local.strftime("%H:%M"))
    return fmt_local(at, zone)


#: A partner's timezone and own quiet hours (None: turned off), as the suggestions read them.
PersonHours = tuple[str, QuietHours | None]


def suggested_at(deps: Deps, pair: Pair, days: int, hours: Sequence[PersonHours] = ()) -> datetime:
    """The suggested reminder ``days`` local days from today (aware UTC): an hour after the
    pair's check-in time, so it does not arrive with the check-in; else an hour before, the
    check-in time itself or two hours either side, whichever first falls outside the quiet
    hours of both partners, each their own hours on their own clock (``hours``; issue 12).
    Without ``hours``, the default 22:00–08:00 in the pair's zone. When every candidate falls
    in someone's quiet hours, the first (the delivery still holds it for each recipient)."""
    zone = pair.timezone
    day = local_time(deps.now(), zone).date() + timedelta(days=days)
    base = datetime.combine(day, pair.time_of_day, zone_info(zone)).astimezone(UTC)
    tries = [base + timedelta(hours=h) for h in (1, -1, 0, 2, -2)]
    people = hours or [(zone, DEFAULT_QUIET_HOURS)]
    for at in tries:
        if not any(quiet is not None and quiet.covers(at, z) for z, quiet in people):
            return at
    return tries[0]
