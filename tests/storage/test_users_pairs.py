"""Contract of the Users and Pairs ports: records in and out, and their decide-once promises."""

from __future__ import annotations

import asyncio
from datetime import date, time, timedelta

from bot.domain.model import Lane, PairStatus, Retention
from bot.domain.ports import Transactions
from bot.domain.subjects import AwaitAnswer, AwaitTime, AwaitTimezone
from content.schema import Dimension
from scheduler.cadence import Frequency
from tests.storage.conftest import NOW, seed_pair


async def test_touch_creates_then_refreshes_and_reports_the_record_before(
    db: Transactions,
) -> None:
    async with db.write() as tx:
        before, after = await tx.users.touch(7, "Alex", "alex", "de", NOW)
        assert before is None and after.first_name == "Alex" and after.active
        before, after = await tx.users.touch(7, "", "alex2", "en", NOW)
        assert before is not None and before.language_code == "de"
        assert after.first_name == "Alex"  # an empty name keeps the stored one
        assert (after.username, after.language_code) == ("alex2", "en")
        _, new = await tx.users.touch(8, "", None, None, NOW)
        assert new.first_name == "Partner"
        _, long = await tx.users.touch(9, "x" * 500, None, None, NOW)
        assert len(long.first_name) == 128


async def test_awaiting_round_trips_as_typed_values(db: Transactions) -> None:
    async with db.write() as tx:
        await tx.users.touch(7, "Alex", None, None, NOW)
        await tx.users.set_awaiting(7, AwaitAnswer(12, 2))
        user = await tx.users.get(7)
        assert user is not None and user.awaiting == AwaitAnswer(12, 2)
        await tx.users.stop_awaiting(7, AwaitTime())  # not what it awaits: nothing changes
        assert (await tx.users.get(7)).awaiting == AwaitAnswer(12, 2)  # type: ignore[union-attr]
        await tx.users.stop_awaiting_round(12, [7])
        assert (await tx.users.get(7)).awaiting is None  # type: ignore[union-attr]
        await tx.users.set_awaiting(7, AwaitTimezone())
        await tx.users.stop_awaiting_round(1, [7])  # another round's: nothing changes
        assert (await tx.users.get(7)).awaiting == AwaitTimezone()  # type: ignore[union-attr]


async def test_a_round_prefix_never_matches_another_round(db: Transactions) -> None:
    async with db.write() as tx:
        await tx.users.touch(7, "Alex", None, None, NOW)
        await tx.users.set_awaiting(7, AwaitAnswer(120, 0))
        await tx.users.stop_awaiting_round(12, [7])
        assert (await tx.users.get(7)).awaiting == AwaitAnswer(120, 0)  # type: ignore[union-attr]


async def test_link_pair_decides_once_and_refuses_a_paired_user(db: Transactions) -> None:
    pair = await seed_pair(db)
    async with db.write() as tx:
        other = await tx.pairs.create(
            user_a=1001,
            user_b=3,
            timezone="UTC",
            frequency=Frequency.DAILY,
            time_of_day=time(20, 0),
            now=NOW,
        )
        await tx.users.touch(3, "Chris", None, None, NOW)
        assert not await tx.users.link_pair([1001, 3], other.id, NOW)
    async with db.read() as tx:
        alex = await tx.users.get(1001)
        assert alex is not None and alex.pair_id == pair.id


async def test_two_racing_links_of_one_user_leave_exactly_one_pair(db: Transactions) -> None:
    async with db.write() as tx:
        for uid in (1, 2, 3):
            await tx.users.touch(uid, f"U{uid}", None, None, NOW)

    async def link(partner: int) -> bool:
        async with db.write() as tx:
            pair = await tx.pairs.create(
                user_a=1,
                user_b=partner,
                timezone="UTC",
                frequency=Frequency.DAILY,
                time_of_day=time(20, 0),
                now=NOW,
            )
            return await tx.users.link_pair([1, partner], pair.id, NOW)

    results = await asyncio.gather(link(2), link(3))
    assert sorted(results) == [False, True]


async def test_deactivate_decides_once(db: Transactions) -> None:
    await seed_pair(db)

    async def deactivate() -> bool:
        async with db.write() as tx:
            return await tx.users.deactivate(1001, NOW)

    assert sorted(await asyncio.gather(deactivate(), deactivate(), deactivate())) == [
        False,
        False,
        True,
    ]
    async with db.write() as tx:
        user = await tx.users.get(1001)
        assert user is not None and not user.active and user.inactive_since == NOW
        await tx.users.reactivate(1001, NOW)
        back = await tx.users.get(1001)
        assert back is not None and back.active and back.inactive_since is None


async def test_pair_schedule_focus_and_slots_round_trip(db: Transactions) -> None:
    pair = await seed_pair(db)
    assert pair.status is PairStatus.ACTIVE and pair.members == (1001, 1002)
    assert pair.partner_of(1001) == 1002 and pair.time_of_day == time(20, 0)
    async with db.write() as tx:
        changed = await tx.pairs.set_schedule(
            pair.id, frequency=Frequency.WEEKLY, weekday=6, time_of_day=time(8, 30), paused=True
        )
        assert (changed.frequency, changed.weekday, changed.time_of_day, changed.paused) == (
            Frequency.WEEKLY,
            6,
            time(8, 30),
            True,
        )
        assert changed.timezone == "Europe/Berlin"  # None keeps a part
        weekly = await tx.pairs.set_weekly(pair.id, 2, time(10, 0))
        cadence = weekly.weekly_cadence()
        assert cadence is not None and (cadence.weekday, cadence.time_of_day) == (2, time(10, 0))
        await tx.pairs.set_focus(pair.id, frozenset({Dimension.TRUST, Dimension.BOUNDARIES}))
        await tx.pairs.mark_slot(pair.id, Lane.DAILY, date(2026, 3, 2))
        await tx.pairs.mark_slot(pair.id, Lane.WEEKLY, date(2026, 3, 4))
        await tx.pairs.park_followup(pair.id, 5)
        stored = await tx.pairs.get(pair.id)
    assert stored is not None
    assert stored.focus == {Dimension.TRUST, Dimension.BOUNDARIES}
    assert (stored.last_round_date, stored.last_weekly_date) == (date(2026, 3, 2), date(2026, 3, 4))
    assert stored.followup_offer_id == 5
    async with db.write() as tx:
        await tx.pairs.take_followup(pair.id, 6)  # another offer: still parked
        assert (await tx.pairs.get(pair.id)).followup_offer_id == 5  # type: ignore[union-attr]
        await tx.pairs.take_followup(pair.id, 5)
        assert (await tx.pairs.get(pair.id)).followup_offer_id is None  # type: ignore[union-attr]


async def test_ending_a_pair_decides_once_and_is_found_afterwards(db: Transactions) -> None:
    pair = await seed_pair(db)

    async def end() -> bool:
        async with db.write() as tx:
            return await tx.pairs.end(pair.id, NOW)

    assert sorted(await asyncio.gather(end(), end())) == [False, True]
    async with db.write() as tx:
        await tx.users.unlink_pair(pair.id, NOW)
        assert await tx.pairs.ended_since(1002, NOW - timedelta(hours=1)) is not None
        assert await tx.pairs.ended_since(1002, NOW + timedelta(hours=1)) is None
        await tx.pairs.forget_member(1001)
        ended = await tx.pairs.get(pair.id)
        assert ended is not None and ended.members == (1002,)
        sam = await tx.users.get(1002)
        assert sam is not None and sam.pair_id is None


async def test_reopening_an_ended_pair_decides_once_on_a_fresh_schedule(
    db: Transactions,
) -> None:
    pair = await seed_pair(db)
    async with db.write() as tx:
        await tx.pairs.set_schedule(pair.id, frequency=Frequency.WEEKLY, paused=True)
        await tx.pairs.set_weekly(pair.id, 2, time(10, 0))
        await tx.pairs.set_focus(pair.id, frozenset({Dimension.TRUST}))
        await tx.pairs.park_followup(pair.id, 5)
        assert (
            await tx.pairs.reopen(
                pair.id,
                user_a=1002,
                user_b=1001,
                timezone="UTC",
                frequency=Frequency.DAILY,
                time_of_day=time(9, 0),
                now=NOW,
            )
            is None
        )  # still active: nothing to reopen
        await tx.pairs.end(pair.id, NOW)

    async def reopen() -> bool:
        async with db.write() as tx:
            reopened = await tx.pairs.reopen(
                pair.id,
                user_a=1002,
                user_b=1001,
                timezone="UTC",
                frequency=Frequency.DAILY,
                time_of_day=time(9, 0),
                now=NOW + timedelta(days=1),
            )
            return reopened is not None

    assert sorted(await asyncio.gather(reopen(), reopen())) == [False, True]
    async with db.read() as tx:
        again = await tx.pairs.get(pair.id)
    assert again is not None and again.status is PairStatus.ACTIVE and again.ended_at is None
    assert again.members == (1002, 1001)  # the new inviter first
    assert (again.frequency, again.paused, again.time_of_day) == (Frequency.DAILY, False, time(9))
    assert again.weekly_weekday is None and again.followup_offer_id is None
    assert again.focus == {Dimension.TRUST} and again.created_at == pair.created_at


async def test_pairs_between_two_people_and_of_a_member(db: Transactions) -> None:
    first = await seed_pair(db)
    async with db.write() as tx:
        await tx.pairs.end(first.id, NOW)
        await tx.users.unlink_pair(first.id, NOW)
        await tx.users.touch(3, "Chris", None, None, NOW)
        second = await tx.pairs.create(
            user_a=1001,
            user_b=3,
            timezone="UTC",
            frequency=Frequency.DAILY,
            time_of_day=time(20, 0),
            now=NOW,
        )
    async with db.read() as tx:
        found = await tx.pairs.between(1002, 1001)
        assert found is not None and found.id == first.id  # either order
        assert await tx.pairs.between(1002, 3) is None
        assert [p.id for p in await tx.pairs.of_member(1001)] == [second.id, first.id]
        assert [p.id for p in await tx.pairs.of_member(3)] == [second.id]
        assert await tx.pairs.of_member(99) == []


async def test_a_retention_proposal_is_settled_once(db: Transactions) -> None:
    pair = await seed_pair(db)
    assert pair.retention is Retention.FOREVER and pair.retention_proposal is None
    async with db.write() as tx:
        shorter = await tx.pairs.set_retention(pair.id, Retention.MONTHS_3)
        assert shorter.retention is Retention.MONTHS_3
        waiting = await tx.pairs.propose_retention(pair.id, Retention.MONTHS_12, 1001)
        assert (waiting.retention_proposal, waiting.retention_proposed_by) == (
            Retention.MONTHS_12,
            1001,
        )
        assert waiting.retention is Retention.MONTHS_3
        # Another proposal, or another proposer, is not the one waiting.
        assert not await tx.pairs.settle_proposal(pair.id, Retention.MONTHS_6, 1001, True)
        assert not await tx.pairs.settle_proposal(pair.id, Retention.MONTHS_12, 1002, True)

    async def settle(accept: bool) -> bool:
        async with db.write() as tx:
            return await tx.pairs.settle_proposal(pair.id, Retention.MONTHS_12, 1001, accept)

    assert sorted(await asyncio.gather(settle(True), settle(True), settle(False))) == [
        False,
        False,
        True,
    ]
    async with db.write() as tx:
        settled = await tx.pairs.get(pair.id)
        assert settled is not None and settled.retention_proposal is None
        assert settled.retention in (Retention.MONTHS_12, Retention.MONTHS_3)
        await tx.pairs.propose_retention(pair.id, Retention.FOREVER, 1002)
        dropped = await tx.pairs.set_retention(pair.id, Retention.MONTHS_6)
        assert dropped.retention_proposal is None and dropped.retention_proposed_by is None


async def test_each_partners_yes_to_sensitive_questions_is_their_own(db: Transactions) -> None:
    pair = await seed_pair(db)
    assert not pair.opted_in(1001) and not pair.both_opted_in
    async with db.write() as tx:
        await tx.pairs.set_deeper(pair.id, 1002, True)
        await tx.pairs.set_deeper(pair.id, 4242, True)  # not a member: nothing changes
        stored = await tx.pairs.get(pair.id)
        assert stored is not None
        assert (stored.opted_in(1001), stored.opted_in(1002)) == (False, True)
        assert not stored.opted_in(4242) and not stored.both_opted_in
        await tx.pairs.set_deeper(pair.id, 1001, True)
        assert (await tx.pairs.get(pair.id)).both_opted_in  # type: ignore[union-attr]
        await tx.pairs.forget_member(1002)  # deleting one's data takes one's yes along
        stored = await tx.pairs.get(pair.id)
        assert stored is not None and stored.opted_in(1001) and not stored.deeper_b
