"""``/retention``: how long a pair keeps its check-ins, and the daily job that removes what is
older.

A pair keeps its closed rounds (their questions and both answers) and settled exercise offers
(with the picks) for 3, 6 or 12 months, or forever (the default). Either partner may shorten
it at once; the other is told without being told who did it. Keeping them longer needs both:
it is a proposal the other partner accepts with a button (decided once,
``Pairs.settle_proposal``). The setting belongs to the pair, so it goes on applying after
``/unpair`` (each partner can still read the pair's history) and when the same two pair again.

The job is due work per pair (``DueKind.RETENTION``), scheduled when a pair's retention
becomes finite and then every day: it removes rounds that closed before the window and offers
settled before it. Open rounds and offers still waiting on someone are never removed.
"""

from __future__ import annotations

import calendar
import logging
from datetime import datetime, timedelta

from bot import texts
from bot.domain import callbacks as cb
from bot.domain.deps import Deps
from bot.domain.errors import Refused
from bot.domain.messages import Button, Edit, Keyboard, Message, Outcome
from bot.domain.model import Pair, Retention
from bot.domain.people import UserInfo, pair_of, require_pair, speaking_to, tell, touch
from bot.domain.ports import UnitOfWork
from bot.domain.subjects import DueKind, PairSubject
from scheduler.due import DueItem

logger = logging.getLogger(__name__)

#: How often a pair with a finite retention is swept.
SWEEP_EVERY = timedelta(days=1)


def months_before(instant: datetime, months: int) -> datetime:
    """``instant`` (aware UTC) moved back ``months`` calendar months, the day of the month
    clamped to the shorter month (31 May − 3 months = 28 or 29 February)."""
    years, month0 = divmod(instant.month - 1 - months, 12)
    year, month = instant.year + years, month0 + 1
    day = min(instant.day, calendar.monthrange(year, month)[1])
    return instant.replace(year=year, month=month, day=day)


def _kept(retention: Retention) -> str:
    """How long ``retention`` keeps check-ins, as a phrase ("for 3 months")."""
    return str(texts.RETENTION_KEPT[retention.value])


def _screen(pair: Pair) -> tuple[str, Keyboard]:
    """The /retention text (with a waiting proposal, if any) and the four choices, the
    current one ticked."""
    text = texts.RETENTION_STATUS.format(kept=_kept(pair.retention))
    if pair.retention_proposal is not None:
        text += "\n\n" + texts.RETENTION_WAITING.format(kept=_kept(pair.retention_proposal))
    buttons = []
    for choice in Retention:
        label = str(texts.RETENTION_CHOICES[choice.value])
        if choice is pair.retention:
            label = texts.RETENTION_CURRENT.format(choice=label)
        buttons.append(Button(label, cb.retention(choice.value)))
    return text, (tuple(buttons[:2]), tuple(buttons[2:]))


async def show(deps: Deps, who: UserInfo) -> Outcome:
    """``/retention``: how long the sender's pair keeps its check-ins, with the choices.
    Raises :class:`Refused` ("not paired") for a sender without a pair."""
    async with deps.db.write() as tx:
        _user, pair, _partner = await require_pair(deps, tx, who)
    text, keyboard = _screen(pair)
    return Outcome(replies=[Message(who.id, text, keyboard)])


async def choose(deps: Deps, who: UserInfo, choice: Retention) -> Outcome:
    """A choice on the /retention screen. Shorter than now: applied at once, the partner is
    told (neutrally). Longer: a proposal the partner is asked to accept, unless it is what the
    partner already proposed (then both agree and it applies). Raises :class:`Refused` for a
    sender without a pair, or for the current setting (a toast)."""
    async with deps.db.write() as tx:
        user, pair, partner = await require_pair(deps, tx, who, toast=True)
        if choice is pair.retention:
            raise Refused(texts.RETENTION_SAME, toast=True)
        if not choice.longer_than(pair.retention):
            changed = await tx.pairs.set_retention(pair.id, choice)
            await schedule_sweep(deps, tx, changed)
            with speaking_to(partner):
                notice = texts.RETENTION_CHANGED.format(kept=_kept(choice))
            await tell(deps, tx, Message(partner.id, notice))
            reply = texts.RETENTION_SHORTENED.format(kept=_kept(choice))
        elif pair.retention_proposal is choice and pair.retention_proposed_by == partner.id:
            await tx.pairs.settle_proposal(pair.id, choice, partner.id, True)
            reply = await _agreed(deps, tx, pair, partner.id, choice)
        else:
            await tx.pairs.propose_retention(pair.id, choice, user.id)
            await _ask(deps, tx, pair, partner.id, choice)
            reply = texts.RETENTION_ASKED.format(current=_kept(pair.retention))
    return Outcome(replies=[Message(who.id, reply)], edit=Edit(None, ()))


async def _ask(deps: Deps, tx: UnitOfWork, pair: Pair, partner_id: int, choice: Retention) -> None:
    """Ask the partner, in their language, to agree to keep the pair's rounds ``choice``."""
    partner = await tx.users.get(partner_id)
    with speaking_to(partner):
        text = texts.RETENTION_PROPOSAL.format(kept=_kept(choice), current=_kept(pair.retention))
        keyboard = (
            (
                Button(texts.RETENTION_AGREE, cb.proposal(pair.id, choice.value, True)),
                Button(texts.RETENTION_NOT_NOW, cb.proposal(pair.id, choice.value, False)),
            ),
        )
    await tell(deps, tx, Message(partner_id, text, keyboard))


async def _agreed(
    deps: Deps, tx: UnitOfWork, pair: Pair, proposer_id: int, choice: Retention
) -> str:
    """Both agreed on ``choice``: schedule the sweep, tell the proposer; returns the reply
    for the one who agreed."""
    changed = await tx.pairs.get(pair.id)
    assert changed is not None
    await schedule_sweep(deps, tx, changed)
    proposer = await tx.users.get(proposer_id)
    with speaking_to(proposer):
        notice = texts.RETENTION_AGREED.format(kept=_kept(choice))
    await tell(deps, tx, Message(proposer_id, notice))
    return texts.RETENTION_AGREED.format(kept=_kept(choice))


async def answer_proposal(
    deps: Deps, who: UserInfo, pair_id: int, choice: Retention, yes: bool
) -> Outcome:
    """Agree (``yes``) or not to the partner's proposal to keep pair ``pair_id``'s rounds
    for ``choice``; the proposer is told either way. Only the other partner of that pair, and
    only while that very proposal waits, may answer (decided once); anyone else, or a
    proposal replaced or settled meanwhile, gets a toast and nothing changes."""
    gone = Refused(texts.RETENTION_GONE, toast=True, close=True)
    async with deps.db.write() as tx:
        user = await touch(deps, tx, who)
        found = await pair_of(tx, user)
        if found is None or found[0].id != pair_id:
            raise gone
        pair, partner = found
        waiting = pair.retention_proposal is choice and pair.retention_proposed_by == partner.id
        if not waiting or not await tx.pairs.settle_proposal(pair.id, choice, partner.id, yes):
            raise gone
        if yes:
            reply = await _agreed(deps, tx, pair, partner.id, choice)
        else:
            current = _kept(pair.retention)
            with speaking_to(partner):
                notice = texts.RETENTION_NOT_TAKEN.format(kept=_kept(choice), current=current)
            await tell(deps, tx, Message(partner.id, notice))
            reply = texts.RETENTION_DECLINED.format(current=current)
    return Outcome(replies=[Message(who.id, reply)], edit=Edit(None, ()))


async def schedule_sweep(deps: Deps, tx: UnitOfWork, pair: Pair) -> None:
    """Due work for the pair's retention: a sweep at once (then daily) when it is finite,
    none when it is forever."""
    subject = PairSubject(pair.id)
    if pair.retention.months is None:
        await tx.due.cancel(DueKind.RETENTION, subject)
    else:
        await tx.due.schedule(DueKind.RETENTION, subject, deps.now(), deps.now())


async def due_sweep(deps: Deps, item: DueItem, now: datetime) -> datetime | None:
    """Remove the pair's (subject ``pair:<id>``) rounds that closed, and offers settled,
    before its retention window ending at ``now``; again in a day. Stops when the pair is
    gone, keeps everything, or has no member left."""
    subject = PairSubject.parse(item.subject)
    async with deps.db.write() as tx:
        pair = await tx.pairs.get(subject.pair_id)
        if pair is None or not pair.members or pair.retention.months is None:
            return None
        cutoff = months_before(now, pair.retention.months)
        offers = await tx.offers.prune(pair.id, cutoff)
        rounds = await tx.rounds.prune(pair.id, cutoff)
    if rounds or offers:
        logger.info("retention: pair %s, %s rounds and %s offers removed", pair.id, rounds, offers)
    return now + SWEEP_EVERY


DUE_HANDLERS = {DueKind.RETENTION: due_sweep}
