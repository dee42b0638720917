"""The follow-up: two days after agreeing on an exercise, both partners are asked how it went
(one scale question with its own "haven't done it yet" answer, revealed like any round; see
:func:`bot.domain.questions.followup_question`).

A daily round is open almost all the time (it closes when the next opens), so the follow-up
usually rides along as the last question of the pair's next daily-lane round: it is parked on
the pair (``Pair.followup_offer_id``) and taken by the round that opens next. It opens as a
round of its own only when no schedule will carry it, and never at night.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain.deps import Deps
from bot.domain.exercises.reminders import active_offer
from bot.domain.model import OfferStatus, Origin, RoundKind
from bot.domain.questions import take_followup
from bot.domain.rounds import open_round, open_round_of
from bot.domain.subjects import DueKind, OfferSubject
from scheduler.cadence import is_night, local_time, next_morning
from scheduler.due import DueItem

#: How long a follow-up round of its own stays open.
FOLLOWUP_TTL = timedelta(hours=24)


async def due_followup(deps: Deps, item: DueItem, now: datetime) -> datetime | None:
    """Ask both partners how the agreed exercise went (subject ``offer:<id>``). It is parked
    on the pair when the pair's scheduled rounds run (the next one carries it), while a
    daily-lane round is open (retried a minute after it closes), while paused, or while a
    partner has blocked the bot (resuming or coming back schedules it again); otherwise it
    opens as a round of its own, never at night."""
    offer_id = OfferSubject.parse(item.subject).offer_id
    async with deps.db.write() as tx:
        found = await active_offer(tx, offer_id)
        if found is None:
            return None
        offer, pair, active = found
        if offer.status is not OfferStatus.AGREED or offer.chosen not in deps.content.exercises:
            return None  # already asked (carried by a round), or the exercise is gone
        current = await open_round_of(tx, pair.id)
        waits = pair.paused or len(active) < 2 or pair.runs_daily
        if current is not None or waits:
            await tx.pairs.park_followup(pair.id, offer_id)
            if current is None:
                return None  # the next scheduled round, a resume or a return brings it
            return max(current.expires_at, now) + timedelta(minutes=1)
        if is_night(local_time(now, pair.timezone).time()):
            return next_morning(now, pair.timezone)  # late (the bot was down)
        question = await take_followup(deps, tx, pair, offer_id)
        if question is None:
            return None
        await open_round(
            deps,
            tx,
            pair,
            origin=Origin.FOLLOWUP,
            kind=RoundKind.FOLLOWUP,
            expires_at=now + FOLLOWUP_TTL,
            questions=[question],
            offer_id=offer_id,
        )
    return None


DUE_HANDLERS = {DueKind.FOLLOWUP: due_followup}
