"""The rules where a decision is made, run directly on the domain (no Telegram): the reveal
happens once, "both choose" settles once, the two lanes of rounds, the daily check-in limit,
K per figure, and forming a pair that loses a race."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from random import Random

import pytest
from sqlalchemy import func, select

from bot import texts
from bot.domain import answers, onboarding, pairing, rounds
from bot.domain.cohorts.figures import Figure, check_figure, topic_figure
from bot.domain.cohorts.reports import Snapshot
from bot.domain.errors import Refused, boundary
from bot.domain.exercises import offers
from bot.domain.model import Lane, OfferStatus, Origin, RoundKind, RoundStatus
from bot.storage.tables import invites, pairs
from scheduler.cadence import Frequency
from tests.unit.conftest import ALEX, SAM, World, pair_up


async def _open_checkin(world: World) -> int:
    await rounds.checkin(world.deps, ALEX)
    async with world.deps.db.read() as tx:
        user = await tx.users.get(ALEX.id)
        assert user is not None and user.pair_id is not None
        current = await rounds.open_round_of(tx, user.pair_id)
    assert current is not None
    return current.id


async def test_the_reveal_happens_once_when_both_answer_at_the_same_instant(
    world: World,
) -> None:
    await pair_up(world.deps)
    for _ in range(3):
        round_id = await _open_checkin(world)
        before = len(await world.queued(ALEX.id))
        await asyncio.gather(
            answers.answer(world.deps, ALEX, round_id, 0, "5"),
            answers.answer(world.deps, SAM, round_id, 0, "1"),
        )
        new = (await world.queued(ALEX.id))[before:]
        assert len([t for t in new if "You: 5 of 5" in t]) == 1
        async with world.deps.db.read() as tx:
            closed = await tx.rounds.get(round_id)
        assert closed is not None and closed.status is RoundStatus.REVEALED
        world.clock.advance(timedelta(hours=1))


async def test_one_answer_is_never_shown_before_the_other(world: World) -> None:
    await pair_up(world.deps)
    round_id = await _open_checkin(world)
    await answers.answer(world.deps, ALEX, round_id, 0, "4")
    for user in (SAM, ALEX):
        assert not any("4 of 5" in t and "Alex" in t for t in await world.queued(user.id))
    async with world.deps.db.write() as tx:  # it closes unanswered: still nothing shown
        await rounds.expire_round(world.deps, tx, round_id)
    assert not any("4 of 5" in t for t in await world.queued(SAM.id))


async def _mismatch_offer(world: World) -> int:
    round_id = await _open_checkin(world)
    await answers.answer(world.deps, ALEX, round_id, 0, "5")
    await answers.answer(world.deps, SAM, round_id, 0, "1")
    async with world.deps.db.read() as tx:
        user = await tx.users.get(ALEX.id)
        assert user is not None and user.pair_id is not None
        offer = await tx.offers.open_of(user.pair_id)
    assert offer is not None, "the first scale question mismatches at 5 against 1"
    return offer.id


async def test_both_choose_agrees_once_when_both_pick_the_same_at_once(world: World) -> None:
    await pair_up(world.deps)
    offer_id = await _mismatch_offer(world)
    await asyncio.gather(
        offers.pick(world.deps, ALEX, offer_id, "0"), offers.pick(world.deps, SAM, offer_id, "0")
    )
    async with world.deps.db.read() as tx:
        offer = await tx.offers.get(offer_id)
    assert offer is not None and offer.status is OfferStatus.AGREED
    title = texts.OFFER_AGREED.split("\u201c")[0]
    agreed = [t for t in await world.queued(ALEX.id) if t.startswith(title)]
    assert len(agreed) == 1, await world.queued(ALEX.id)


async def test_settling_different_picks_is_decided_by_the_first_tap(world: World) -> None:
    await pair_up(world.deps)
    offer_id = await _mismatch_offer(world)
    await offers.pick(world.deps, ALEX, offer_id, "0")
    await offers.pick(world.deps, SAM, offer_id, "1")
    results = await asyncio.gather(
        boundary(ALEX.id, offers.decide(world.deps, ALEX, offer_id, "0")),
        boundary(SAM.id, offers.decide(world.deps, SAM, offer_id, "1")),
    )
    async with world.deps.db.read() as tx:
        offer = await tx.offers.get(offer_id)
    assert offer is not None and offer.status is OfferStatus.AGREED
    won = 0 if offer.chosen == offer.options[0] else 1  # whichever tap came first
    settled = texts.OFFER_DECIDED_YOU.split("\u201c")[0]
    assert results[won].toast == texts.PICK_TOAST
    loser = results[1 - won].toast
    assert loser is not None and loser.startswith(settled)


async def test_a_weekly_round_runs_beside_the_daily_lane_and_neither_cuts_the_other(
    world: World,
) -> None:
    await pair_up(world.deps)
    async with world.deps.db.write() as tx:
        user = await tx.users.get(ALEX.id)
        assert user is not None and user.pair_id is not None
        pair = await tx.pairs.get(user.pair_id)
        assert pair is not None
        now = world.deps.now()
        weekly = await rounds.open_round(
            world.deps,
            tx,
            pair,
            origin=Origin.WEEKLY,
            kind=RoundKind.DEEP,
            expires_at=now + rounds.WEEKLY_TTL,
        )
        first = await rounds.open_round(
            world.deps, tx, pair, origin=Origin.SCHEDULED, expires_at=now + timedelta(days=1)
        )
        second = await rounds.open_round(
            world.deps, tx, pair, origin=Origin.SCHEDULED, expires_at=now + timedelta(days=1)
        )
        statuses = {r: (await tx.rounds.get(r)).status for r in (weekly, first, second)}  # type: ignore[union-attr]
        lanes = {r.id: r.lane for r in await tx.rounds.open_of(pair.id)}
    assert statuses == {
        weekly: RoundStatus.OPEN,
        first: RoundStatus.EXPIRED,  # the next daily-lane round closed it
        second: RoundStatus.OPEN,
    }
    assert lanes == {weekly: Lane.WEEKLY, second: Lane.DAILY}


async def test_three_checkins_a_day_in_the_pairs_own_calendar(world: World) -> None:
    await pair_up(world.deps)
    # Mon 2 Mar 2026, 22:30 in Berlin (21:30 UTC): three check-ins, each answered by both.
    world.clock.set(datetime(2026, 3, 2, 21, 30, tzinfo=UTC))
    for _ in range(rounds.MAX_CHECKINS_PER_DAY):
        round_id = await _open_checkin(world)
        await answers.answer(world.deps, ALEX, round_id, 0, "3")
        await answers.answer(world.deps, SAM, round_id, 0, "3")
    with pytest.raises(Refused) as refused:
        await rounds.checkin(world.deps, SAM)
    assert refused.value.text.startswith("That's 3 check-ins today already")
    world.clock.set(datetime(2026, 3, 2, 23, 5, tzinfo=UTC))  # 00:05 in Berlin: a new day
    await rounds.checkin(world.deps, SAM)


def test_a_figure_needs_k_pairs_besides_the_viewers_own() -> None:
    figure = Figure(frozenset({1, 2, 3}), alike=False, count=2)
    assert figure.shown_to(frozenset(), 3)
    assert not figure.shown_to(frozenset({3}), 3)  # the staff's own pair does not count
    assert not figure.shown_to(frozenset(), 4)
    check = Figure(frozenset({1, 2, 3}), alike=False, count=3, total=-5)
    snapshot = Snapshot(1, {7: (2, 1)}, {"trust": figure}, {"alone-time": check})
    again = Snapshot.from_json(1, snapshot.to_json())
    assert again == snapshot


def test_whether_a_figure_shows_never_depends_on_the_answers() -> None:
    """Probe of 2026-12-03: an exact "all alike" gate told a facilitator with K - 1 couples of
    their own, all answering alike, whether the real couple answered alike too. Now the same
    couples give the same decision, whatever they answered (a pass included)."""
    rng = Random(7)
    for had_difference in ({1: True, 2: True, 3: True}, {1: True, 2: False, 3: True}):
        figure = topic_figure(had_difference, rng)
        assert figure.shown_to(frozenset(), 3) and not figure.shown_to(frozenset({1}), 3)
    for sums in ({1: (2, 4), 2: (3, 3), 3: (5, 1)}, {1: (2, 4), 2: (3, 4), 3: (5, 1)}, {}):
        check = check_figure(sums, rng, pooled={1, 2, 3})  # {}: all three passed
        assert check.pairs == {1, 2, 3} and check.shown_to(frozenset(), 3)


def test_a_figure_withheld_by_the_old_alike_rule_stays_withheld() -> None:
    """A week frozen under the withdrawn rule never changes: its marked figures stay hidden."""
    raw = (
        '{"participation": {}, "topics": {"trust": {"pairs": [1, 2, 3], "alike": true,'
        ' "count": 0, "total": 0}, "care": {"pairs": [1, 2, 3], "alike": false, "count": 1}},'
        ' "check": {}}'
    )
    old = Snapshot.from_json(1, raw)
    assert not old.topics["trust"].shown_to(frozenset(), 3)
    assert old.topics["care"].shown_to(frozenset(), 3)


def test_a_figure_frozen_before_noise_is_never_shown() -> None:
    raw = (
        '{"participation": {"7": [2, 1]}, "topics": {"trust": {"value": 2.0, "pairs": [1, 2, 3]}},'
        ' "check": {}}'
    )
    old = Snapshot.from_json(0, raw)
    assert old.participation == {7: (2, 1)}
    assert not old.topics["trust"].shown_to(frozenset(), 3)


async def test_forming_a_pair_that_loses_a_race_rolls_everything_back(world: World) -> None:
    """The invitee accepts while the inviter was paired elsewhere a moment before (on
    PostgreSQL the two can interleave): the refusal rolls back the new pair and the claim."""
    await pair_up(world.deps)  # only to have Alex and Sam started; they unpair at once
    async with world.deps.db.write() as tx:
        alex = await tx.users.get(ALEX.id)
        assert alex is not None and alex.pair_id is not None
        await tx.pairs.end(alex.pair_id, world.deps.now())
        await tx.users.unlink_pair(alex.pair_id, world.deps.now())
    invite_id = await _invite_opened_by_sam(world)
    async with world.deps.db.write() as tx:  # the race: Alex got paired with Chris meanwhile
        await tx.users.touch(1003, "Chris", None, None, world.deps.now())
        other = await tx.pairs.create(
            user_a=ALEX.id,
            user_b=1003,
            timezone="UTC",
            frequency=Frequency.DAILY,
            time_of_day=datetime(2026, 1, 1, 20).time(),
            now=world.deps.now(),
        )
        assert await tx.users.link_pair([ALEX.id, 1003], other.id, world.deps.now())
    outcome = await boundary(SAM.id, pairing.respond_invite(world.deps, SAM, invite_id, True))
    assert [m.text for m in outcome.replies] == [texts.INVITE_USED]
    assert outcome.edit is not None and outcome.edit.buttons == ()
    async with world.engine.connect() as conn:
        status = (
            await conn.execute(select(invites.c.status).where(invites.c.id == invite_id))
        ).scalar_one()
        active = (
            await conn.execute(
                select(func.count()).select_from(pairs).where(pairs.c.status == "active")
            )
        ).scalar_one()
    assert status == "open" and active == 1  # the claim and the new pair rolled back


async def _invite_opened_by_sam(world: World) -> int:
    link = (await pairing.create_invite(world.deps, ALEX)).replies[0].text
    token = next(w for w in link.split() if "?start=" in w).split("=")[1]
    opened = await onboarding.start(world.deps, SAM, token)
    data = opened.replies[-1].buttons[0][0].data
    assert data is not None
    return int(data.split(":")[1])
