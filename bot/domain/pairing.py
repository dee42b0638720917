"""Pairing: an invite deep link, accepting or declining it, forming a pair, ending one.

An invite is single-use and expires after 48 hours; only its token's SHA-256 is stored. Only
the user who opened an invite's link may answer it (the id in callback data is not trusted on
its own, DESIGN.md privacy rule 3). A user is in at most one active pair: forming one is
decided once (``Users.link_pair``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot import texts
from bot.domain import callbacks as cb
from bot.domain.cohorts.enrolment import after_pairing, open_enrolment
from bot.domain.cohorts.roles import open_cofacilitator_invite, open_facilitator_invite
from bot.domain.deps import Deps
from bot.domain.errors import Refused
from bot.domain.invites import LIFETIMES, issue_link, token_hash
from bot.domain.messages import Button, Edit, Keyboard, Message, Outcome
from bot.domain.model import Invite, InviteKind, InviteStatus, Pair, PairStatus, User
from bot.domain.people import (
    UserInfo,
    pair_of,
    speaking_to,
    tell,
    touch,
    zone_of,
)
from bot.domain.ports import UnitOfWork
from bot.domain.quiet import Urgency
from bot.domain.rounds import forget_round_work
from bot.domain.schedule import (
    DEFAULT_TIME,
    next_text,
    night_warnings,
    reschedule,
    schedule_text,
)
from bot.domain.subjects import AwaitTimezone, DueKind, PairSubject
from scheduler.cadence import Frequency
from scheduler.due import DueItem

#: The tap-list of timezones offered at /start and /timezone (any other can be typed).
COMMON_ZONES = (
    "Europe/London",
    "Europe/Berlin",
    "Europe/Kyiv",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "UTC",
)


def zone_keyboard() -> Keyboard:
    """The timezone tap-list (three a row) and "Other: I'll type it"."""
    zones = [Button(z.split("/")[-1].replace("_", " "), cb.timezone(z)) for z in COMMON_ZONES]
    rows = tuple(tuple(zones[i : i + 3]) for i in range(0, len(zones), 3))
    return (*rows, (Button(texts.TIMEZONE_OTHER, cb.timezone("other")),))


async def create_invite(deps: Deps, who: UserInfo) -> Outcome:
    """``/pair``: a single-use invite deep link, valid 48 hours (earlier open invites of the
    sender are revoked, and the reply says so when one still worked). A sender without a
    timezone is asked for it first."""
    async with deps.db.write() as tx:
        user = await touch(deps, tx, who)
        found = await pair_of(tx, user)
        if found is not None:
            raise Refused(texts.INVITE_ALREADY_PAIRED.format(partner=found[1].first_name))
        issued = await issue_link(deps, tx, inviter_id=who.id, kind=InviteKind.PAIR)
        if user.timezone is None:
            await tx.users.set_awaiting(who.id, AwaitTimezone())
    text = texts.INVITE_CREATED.format(link=issued.link)
    if issued.replaced:  # the earlier link stops working: said, not left to be found out
        text += "\n\n" + texts.INVITE_REPLACED
    out = Outcome(replies=[Message(who.id, text)])
    if user.timezone is None:
        out.replies.append(Message(who.id, texts.ASK_TIMEZONE_BEFORE_PAIR, zone_keyboard()))
    return out


def _invite_problem(deps: Deps, invite: Invite | None, user: User) -> str | None:
    """Why this invite cannot be used by ``user``, or None."""
    if invite is None:
        return texts.INVITE_INVALID
    if invite.inviter_id == user.id:
        return texts.INVITE_OWN
    if invite.status is not InviteStatus.OPEN:
        return texts.INVITE_USED
    if invite.expires_at <= deps.now():
        return texts.INVITE_EXPIRED
    return None


async def open_link(deps: Deps, tx: UnitOfWork, user: User, token: str) -> Outcome:
    """A deep link's payload: a pair invite (the accept/decline screen), a facilitator or
    co-facilitator invite, or a cohort's enrolment link. Anything else gets the same friendly
    "not valid" reply."""
    invite = await tx.invites.by_token_hash(token_hash(token))
    if invite is None:
        cohort = await tx.cohorts.by_token_hash(token_hash(token))
        if cohort is not None:
            return await open_enrolment(deps, tx, user, cohort)
    problem = _invite_problem(deps, invite, user)
    if invite is None or problem is not None:
        if invite is not None and invite.kind is not InviteKind.PAIR:
            problem = texts.FACILITATOR_LINK_USED  # a facilitator's link: no partner to ask
        return Outcome(replies=[Message(user.id, problem or texts.INVITE_INVALID)])
    if invite.kind is InviteKind.FACILITATOR:
        return await open_facilitator_invite(deps, tx, user, invite)
    if invite.kind is InviteKind.COFACILITATOR:
        return await open_cofacilitator_invite(deps, tx, user, invite)
    found = await pair_of(tx, user)
    inviter = await tx.users.get(invite.inviter_id)
    if found is not None:
        reply = texts.INVITE_ALREADY_PAIRED.format(partner=found[1].first_name)
        return Outcome(replies=[Message(user.id, reply)])
    if inviter is None or inviter.pair_id is not None:
        return Outcome(replies=[Message(user.id, texts.INVITE_USED)])
    await tx.users.set_pending_invite(user.id, invite.id)
    keyboard = (
        (
            Button(texts.INVITE_ACCEPT, cb.invite(invite.id, True)),
            Button(texts.INVITE_DECLINE, cb.invite(invite.id, False)),
        ),
    )
    text = texts.INVITE_OPENED.format(inviter=inviter.first_name)
    return Outcome(replies=[Message(user.id, text, keyboard)])


async def respond_invite(deps: Deps, who: UserInfo, invite_id: int, accept: bool) -> Outcome:
    """Accept or decline the invite ``invite_id``, which the sender must have opened. The
    claim of the invite is decided once; the inviter is told."""
    closed = Edit(None, ())
    async with deps.db.write() as tx:
        user = await touch(deps, tx, who)
        invite = await tx.invites.get(invite_id)
        mine = invite is not None and invite.used_by == who.id
        if mine and invite is not None and invite.status is InviteStatus.ACCEPTED:
            raise Refused(texts.INVITE_ALREADY_ACCEPTED, toast=True, close=True)
        if invite is None and user.pending_invite_id == invite_id:
            raise Refused(texts.INVITE_USED, close=True)  # the inviter deleted their data
        if invite is None or user.pending_invite_id != invite_id:
            raise Refused(texts.INVITE_NOT_YOURS, toast=True, close=True)
        problem = _invite_problem(deps, invite, user)
        if problem is not None:
            raise Refused(problem, close=True)
        found = await pair_of(tx, user)
        if found is not None:
            raise Refused(
                texts.INVITE_ALREADY_PAIRED.format(partner=found[1].first_name), close=True
            )
        status = InviteStatus.ACCEPTED if accept else InviteStatus.DECLINED
        claimed = await tx.invites.claim(invite_id, status, who.id, deps.now())
        await tx.users.set_pending_invite(who.id, None)
        if not claimed:
            return Outcome(replies=[Message(who.id, texts.INVITE_USED)], edit=closed)
        inviter = await tx.users.get(invite.inviter_id)
        assert inviter is not None
        if not accept:
            with speaking_to(inviter):
                text = texts.INVITE_DECLINED_INVITER.format(name=user.first_name)
            await tell(deps, tx, Message(inviter.id, text))
            return Outcome(replies=[Message(who.id, texts.INVITE_DECLINED_YOU)], edit=closed)
        # /pair asked the inviter for their timezone when it made the link: a link taken up
        # soon after is not followed by the same question again (issue 12).
        made = invite.expires_at - LIFETIMES[InviteKind.PAIR]
        just_asked = deps.now() - made < ASKED_RECENTLY
        formed = await _form_pair(deps, tx, inviter, user, inviter_just_asked=just_asked)
        if invite.cohort_id is not None:
            await after_pairing(deps, tx, invite.cohort_id, inviter, user)
        return formed


#: An inviter asked for their timezone by /pair this recently is not asked again when the
#: partner accepts (the paired message says the check-ins wait for it; issue 12).
ASKED_RECENTLY = timedelta(minutes=30)


async def _form_pair(
    deps: Deps, tx: UnitOfWork, inviter: User, invitee: User, *, inviter_just_asked: bool = False
) -> Outcome:
    """Pair the two (decided once: both must still be unpaired, else everything rolls back),
    revoke their other open invites, schedule the pair's rounds and tell both. Two people who
    were paired before get their earlier pair back (:func:`_pair_for`). Whoever has no
    timezone is asked for it, except an inviter still awaiting the question /pair asked
    moments ago (``inviter_just_asked``)."""
    now = deps.now()
    pair = await _pair_for(deps, tx, inviter, invitee)
    if not await tx.users.link_pair([inviter.id, invitee.id], pair.id, now):
        raise Refused(texts.INVITE_USED, close=True)
    await tx.invites.revoke_open([inviter.id, invitee.id], InviteKind.PAIR)
    await reschedule(deps, tx, pair)
    waiting = inviter.timezone is None
    for me, other in ((inviter, invitee), (invitee, inviter)):
        with speaking_to(me):
            if waiting:
                paired = texts.PAIRED_WAITING_YOU if me is inviter else texts.PAIRED_WAITING_PARTNER
                text = paired.format(partner=other.first_name)
            else:
                nxt = await next_text(tx, pair, zone_of(deps, me))
                text = texts.PAIRED.format(
                    partner=other.first_name, schedule=schedule_text(pair), next=nxt
                )
                # The time may land in someone's night: said as /settings says it (issue 12).
                text += night_warnings(deps, me, pair, other)
        # An awaited, one-time moment: at once, without sound at night (issue 12).
        await tell(deps, tx, Message(me.id, text), urgency=Urgency.SILENT, to=me)
    for me, other in ((inviter, invitee), (invitee, inviter)):
        if me.timezone is None:
            if me is inviter and inviter_just_asked and isinstance(me.awaiting, AwaitTimezone):
                continue  # /pair's question is still there to answer
            # Asked again here (also whoever skipped it at /start or opened the link first):
            # the inviter's zone starts the schedule, the invitee's shows their local times.
            await tx.users.set_awaiting(me.id, AwaitTimezone())
            with speaking_to(me):
                ask = (
                    texts.ASK_TIMEZONE_INVITER.format(partner=other.first_name)
                    if me is inviter
                    else texts.ASK_TIMEZONE_AFTER_PAIR
                )
            await tell(
                deps, tx, Message(me.id, ask, zone_keyboard()), urgency=Urgency.SILENT, to=me
            )
    return Outcome(edit=Edit(None, ()), toast=texts.PAIRED_TOAST)


async def _pair_for(deps: Deps, tx: UnitOfWork, inviter: User, invitee: User) -> Pair:
    """The pair the two form: their earlier pair reopened, so its history, streak and
    retention go on, on a new pair's schedule; else a new pair. Raises :class:`Refused` when
    their earlier pair was reopened by a racing call."""
    zone, now = zone_of(deps, inviter), deps.now()
    earlier = await tx.pairs.between(inviter.id, invitee.id)
    if earlier is None or earlier.status is not PairStatus.ENDED:
        return await tx.pairs.create(
            user_a=inviter.id,
            user_b=invitee.id,
            timezone=zone,
            frequency=Frequency.DAILY,
            time_of_day=DEFAULT_TIME,
            now=now,
        )
    reopened = await tx.pairs.reopen(
        earlier.id,
        user_a=inviter.id,
        user_b=invitee.id,
        timezone=zone,
        frequency=Frequency.DAILY,
        time_of_day=DEFAULT_TIME,
        now=now,
    )
    if reopened is None:
        raise Refused(texts.INVITE_USED, close=True)
    return reopened


async def ask_unpair(deps: Deps, who: UserInfo) -> Outcome:
    """``/unpair``: asks for confirmation (the buttons name the pair they were shown for)."""
    async with deps.db.write() as tx:
        user = await touch(deps, tx, who)
        found = await pair_of(tx, user)
        if found is None:
            raise Refused(texts.NOT_PAIRED)
    pair, partner = found
    keyboard = (
        (
            Button(texts.UNPAIR_YES, cb.confirm("unpair", True, pair.id)),
            Button(texts.UNPAIR_NO, cb.confirm("unpair", False, pair.id)),
        ),
        (Button(texts.UNPAIR_YES_TAKE_BACK, cb.confirm("unpair", True, pair.id, take_back=True)),),
    )
    text = texts.UNPAIR_CONFIRM.format(partner=partner.first_name)
    return Outcome(replies=[Message(who.id, text, keyboard)])


async def unpair(
    deps: Deps,
    who: UserInfo,
    confirmed: bool,
    pair_id: int | None = None,
    *,
    take_back: bool = False,
) -> Outcome:
    """End the sender's pair (after confirmation): open rounds close unrevealed; the partner
    is told (discreetly). ``pair_id``: the pair the confirmation was shown for; a button left
    over from an earlier pair ends nothing. ``take_back``: also take the pair's messages that
    show answers back from both chats, as far as Telegram allows (48 hours), and drop those
    not yet sent (see :func:`take_back_answers`)."""
    if not confirmed:
        return Outcome(replies=[Message(who.id, texts.KEPT)], edit=Edit(None, ()))
    async with deps.db.write() as tx:
        user = await touch(deps, tx, who)
        found = await pair_of(tx, user)
        if found is None:
            raise Refused(texts.NOT_PAIRED, close=True)
        pair, partner = found
        if pair_id is not None and pair.id != pair_id:
            raise Refused(texts.BUTTON_STALE, toast=True, close=True)
        await end_pair(deps, tx, pair)
        with speaking_to(partner):
            text = texts.PAIR_ENDED_NOTICE
        await tell(deps, tx, Message(partner.id, text))
        if take_back:
            await take_back_answers(deps, tx, [pair.id])
    text = texts.UNPAIR_DONE.format(partner=partner.first_name)
    if take_back:
        text += "\n\n" + texts.TAKEN_BACK + " " + texts.TAKEN_BACK_HISTORY
    return Outcome(replies=[Message(who.id, text)], edit=Edit(None, ()))


async def take_back_answers(deps: Deps, tx: UnitOfWork, pair_ids: list[int]) -> None:
    """Take back what shows the answers of ``pair_ids``: drop such messages still queued for
    anyone, and queue the deletion of those sent to either chat in the last 48 hours (after
    that Telegram lets no bot delete them; /privacy says so)."""
    await tx.outbox.drop_carrying(pair_ids)
    await tx.outbox.take_back(pair_ids, deps.now())


async def end_pair(deps: Deps, tx: UnitOfWork, pair: Pair) -> None:
    """End a pair: its open rounds are cancelled unrevealed (their one-sided answers stay
    private forever), its schedule stops, it leaves its program, and the consents given as
    this pair are withdrawn (a new pair is asked again)."""
    now = deps.now()
    await tx.pairs.end(pair.id, now)
    for round_id in await tx.rounds.cancel_open(pair.id, now):
        round_ = await tx.rounds.get(round_id)
        if round_ is not None:
            await forget_round_work(tx, round_, pair)
    await tx.users.unlink_pair(pair.id, now)
    await tx.due.cancel(DueKind.OPEN_ROUND, PairSubject(pair.id))
    await tx.due.cancel(DueKind.OPEN_WEEKLY, PairSubject(pair.id))
    await tx.cohorts.leave_every(pair.id, now)
    await tx.cohorts.withdraw(pair.members)


async def due_ask_zone(deps: Deps, item: DueItem, now: datetime) -> datetime | None:
    """Before the pair's (subject ``pair:<id>``) first scheduled check-in: ask each partner
    still without a timezone again, with the tap-list (issue 12). Nothing when the pair ended,
    a round was already scheduled, or everyone has one."""
    subject = PairSubject.parse(item.subject)
    async with deps.db.write() as tx:
        pair = await tx.pairs.get(subject.pair_id)
        if pair is None or pair.status is not PairStatus.ACTIVE or pair.last_round_date:
            return None
        members = await tx.users.get_many(pair.members)
        for member in members.values():
            other = members.get(pair.partner_of(member.id) or 0)
            if member.timezone is not None or not member.active or other is None:
                continue
            await tx.users.set_awaiting(member.id, AwaitTimezone())
            with speaking_to(member):
                ask = texts.ASK_TIMEZONE_BEFORE_CHECKIN.format(partner=other.first_name)
            await tell(deps, tx, Message(member.id, ask, zone_keyboard()))
    return None


async def start_waiting_schedule(deps: Deps, tx: UnitOfWork, user: User, zone: str) -> str | None:
    """``user`` just gave their first timezone, ``zone``. When they are the inviter of a pair
    that waited for it, the pair's schedule follows it from now (unless someone already chose
    another zone for it) and starts; the partner is told. Returns the line for ``user`` (None:
    nothing waited)."""
    found = await pair_of(tx, user)
    if found is None or user.timezone is not None:
        return None
    pair, partner = found
    if pair.user_a != user.id:
        return None
    if pair.timezone == deps.config.default_timezone and pair.timezone != zone:
        pair = await tx.pairs.set_schedule(pair.id, timezone=zone)
    await reschedule(deps, tx, pair)
    if partner.active:
        with speaking_to(partner):
            nxt = await next_text(tx, pair, zone_of(deps, partner))
            text = texts.SCHEDULE_STARTED_PARTNER.format(
                partner=user.first_name, schedule=schedule_text(pair), next=nxt
            )
        await tell(deps, tx, Message(partner.id, text))
    nxt = await next_text(tx, pair, zone)
    return texts.SCHEDULE_STARTED_YOU.format(
        partner=partner.first_name, schedule=schedule_text(pair), next=nxt
    )


DUE_HANDLERS = {DueKind.ASK_ZONE: due_ask_zone}
