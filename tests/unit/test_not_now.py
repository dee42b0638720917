"""Every "Not now" is respected (issue 12), run on the domain: an exercise is settled only
among partners who picked one, in either order of taps and at the same instant, and a later
"Not this time" declines even an exercise the other settled (its follow-up goes)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot import texts
from bot.domain import answers, rounds
from bot.domain.errors import Refused, boundary
from bot.domain.exercises import offers
from bot.domain.model import OfferStatus
from bot.domain.subjects import DueKind
from bot.storage.tables import due_work
from tests.unit.conftest import ALEX, SAM, World, pair_up


async def _offer(world: World) -> int:
    await pair_up(world.deps)
    await rounds.checkin(world.deps, ALEX)
    async with world.deps.db.read() as tx:
        user = await tx.users.get(ALEX.id)
        assert user is not None and user.pair_id is not None
        current = await rounds.open_round_of(tx, user.pair_id)
    assert current is not None
    await answers.answer(world.deps, ALEX, current.id, 0, "5")
    await answers.answer(world.deps, SAM, current.id, 0, "1")
    async with world.deps.db.read() as tx:
        offer = await tx.offers.open_of(user.pair_id)
    assert offer is not None
    return offer.id


async def _status(world: World, offer_id: int) -> tuple[OfferStatus, str | None]:
    async with world.deps.db.read() as tx:
        offer = await tx.offers.get(offer_id)
    assert offer is not None
    return offer.status, offer.chosen


async def _followups(world: World) -> int:
    """Follow-ups and exercise reminders waiting as due work."""
    kinds = (DueKind.FOLLOWUP.value, DueKind.EXERCISE_REMIND.value)
    async with world.engine.connect() as conn:
        query = select(func.count()).select_from(due_work).where(due_work.c.kind.in_(kinds))
        return int((await conn.execute(query)).scalar_one())


async def test_a_pick_then_a_not_now_settles_nothing(world: World) -> None:
    offer_id = await _offer(world)
    await offers.pick(world.deps, ALEX, offer_id, "0")
    await offers.pick(world.deps, SAM, offer_id, "n")
    assert await _status(world, offer_id) == (OfferStatus.DECLINED, None)
    alex_heard = await world.queued(ALEX.id)
    sam_heard = await world.queued(SAM.id)
    passed = texts.OFFER_PARTNER_PASSED.format(name="Sam", title="{title}").split("{")[0]
    assert sum(t.startswith(passed) for t in alex_heard) == 1
    assert texts.OFFER_YOU_PASSED in sam_heard
    assert not any("settled it" in t or "You both picked" in t for t in alex_heard + sam_heard)
    assert await _followups(world) == 0


async def test_not_now_first_then_a_pick_settles_nothing(world: World) -> None:
    offer_id = await _offer(world)
    await offers.pick(world.deps, SAM, offer_id, "n")
    await offers.pick(world.deps, ALEX, offer_id, "1")
    assert await _status(world, offer_id) == (OfferStatus.DECLINED, None)
    assert texts.OFFER_YOU_PASSED in await world.queued(SAM.id)


async def test_a_pick_and_a_not_now_at_the_same_instant_decline_once(world: World) -> None:
    offer_id = await _offer(world)
    await asyncio.gather(
        offers.pick(world.deps, ALEX, offer_id, "0"), offers.pick(world.deps, SAM, offer_id, "n")
    )
    assert await _status(world, offer_id) == (OfferStatus.DECLINED, None)
    told = [t for t in await world.queued(ALEX.id) if t.startswith("Sam would rather not")]
    assert len(told) == 1


async def test_not_this_time_after_the_other_settled_declines_and_drops_the_follow_up(
    world: World,
) -> None:
    offer_id = await _offer(world)
    await offers.pick(world.deps, ALEX, offer_id, "0")
    await offers.pick(world.deps, SAM, offer_id, "1")
    await offers.decide(world.deps, ALEX, offer_id, "0")
    assert (await _status(world, offer_id))[0] is OfferStatus.AGREED
    assert await _followups(world) == 1
    outcome = await offers.decide(world.deps, SAM, offer_id, "n")
    assert [m.text for m in outcome.replies] == [texts.OFFER_NOT_THIS_TIME_YOU]
    assert await _status(world, offer_id) == (OfferStatus.DECLINED, None)
    assert await _followups(world) == 0
    assert any(t.startswith("Sam would rather not do") for t in await world.queued(ALEX.id))


async def test_a_settle_and_a_not_this_time_at_the_same_instant_end_declined(
    world: World,
) -> None:
    offer_id = await _offer(world)
    await offers.pick(world.deps, ALEX, offer_id, "0")
    await offers.pick(world.deps, SAM, offer_id, "1")
    await asyncio.gather(
        boundary(ALEX.id, offers.decide(world.deps, ALEX, offer_id, "0")),
        boundary(SAM.id, offers.decide(world.deps, SAM, offer_id, "n")),
    )
    # Whichever tap came first, the no stands.
    assert await _status(world, offer_id) == (OfferStatus.DECLINED, None)
    assert await _followups(world) == 0


async def test_not_now_after_both_picked_the_same_takes_it_back(world: World) -> None:
    offer_id = await _offer(world)
    await offers.pick(world.deps, ALEX, offer_id, "0")
    await offers.pick(world.deps, SAM, offer_id, "0")
    assert (await _status(world, offer_id))[0] is OfferStatus.AGREED
    await offers.pick(world.deps, SAM, offer_id, "n")  # Sam's own offer message, "Not now"
    assert await _status(world, offer_id) == (OfferStatus.DECLINED, None)
    assert await _followups(world) == 0
    with pytest.raises(Refused):  # and nothing turns it back into a yes
        await offers.pick(world.deps, ALEX, offer_id, "0")
