"""Contract of the Facilitators, Cohorts, Drafts and Broadcasts ports."""

from __future__ import annotations

import asyncio
from datetime import date, time, timedelta

from bot.domain.model import BroadcastStatus, CohortStatus, Membership, Person
from bot.domain.ports import Transactions
from tests.storage.conftest import NOW, seed_pair


async def _cohort(db: Transactions, creator: int = 800) -> int:
    async with db.write() as tx:
        await tx.users.touch(creator, "Fay", None, None, NOW)
        cohort = await tx.cohorts.create(
            name="Spring group",
            program_id="interdependence-6",
            start_date=date(2026, 3, 9),
            checkin_days=[4, 0, 2],
            timezone="Europe/Berlin",
            session_weekday=3,
            session_time=time(19, 0),
            token_hash="c" * 64,
            created_by=creator,
            now=NOW,
        )
    return cohort.id


async def test_facilitator_roles_grant_revoke_once_and_list(db: Transactions) -> None:
    async with db.write() as tx:
        for uid, name in ((5, "Zoe"), (6, "Ann")):
            await tx.users.touch(uid, name, None, None, NOW)
            await tx.facilitators.grant(uid, 1, NOW)
        assert await tx.facilitators.active() == [Person(6, "Ann"), Person(5, "Zoe")]

    async def revoke() -> bool:
        async with db.write() as tx:
            return await tx.facilitators.revoke(5, NOW)

    assert sorted(await asyncio.gather(revoke(), revoke())) == [False, True]
    async with db.write() as tx:
        assert not await tx.facilitators.is_active(5)
        await tx.facilitators.grant(5, 1, NOW)  # made a facilitator again
        assert await tx.facilitators.is_active(5)
        await tx.facilitators.delete(5)
        assert not await tx.facilitators.is_active(5)


async def test_a_cohort_round_trips_and_its_creator_runs_it(db: Transactions) -> None:
    cohort_id = await _cohort(db)
    async with db.read() as tx:
        cohort = await tx.cohorts.get(cohort_id)
        by_hash = await tx.cohorts.by_token_hash("c" * 64)
        mine = await tx.cohorts.run_by(cohort_id, 800)
        theirs = await tx.cohorts.run_by(cohort_id, 801)
        listed = await tx.cohorts.listed(800)
        everyone = await tx.cohorts.listed(None)
    assert cohort is not None and cohort == by_hash == mine
    assert cohort.checkin_days == (0, 2, 4) and cohort.session_time == time(19, 0)
    assert cohort.status is CohortStatus.ACTIVE and theirs is None
    assert [c.id for c in listed] == [c.id for c in everyone] == [cohort_id]


async def test_ending_a_cohort_decides_once(db: Transactions) -> None:
    cohort_id = await _cohort(db)

    async def end() -> bool:
        async with db.write() as tx:
            return await tx.cohorts.end(cohort_id, NOW)

    assert sorted(await asyncio.gather(end(), end())) == [False, True]
    async with db.write() as tx:
        paused = await tx.cohorts.set_status(cohort_id, CohortStatus.PAUSED)
    assert paused.status is CohortStatus.PAUSED


async def test_membership_consents_and_staff_pairs(db: Transactions) -> None:
    cohort_id = await _cohort(db)
    pair = await seed_pair(db)
    async with db.write() as tx:
        await tx.cohorts.consent(cohort_id, 1001, NOW)
        await tx.cohorts.consent(cohort_id, 1001, NOW)  # once
        assert await tx.cohorts.consenting(cohort_id) == [1001]
        assert await tx.cohorts.has_consented(cohort_id, 1001)
        await tx.cohorts.enrol(cohort_id, pair.id, NOW)
        running = await tx.cohorts.running_of(pair.id)
        assert running is not None and running.id == cohort_id
        assert [p.id for p in await tx.cohorts.enrolled(cohort_id)] == [pair.id]
        assert await tx.cohorts.staff_pairs(cohort_id, {1002}) == {pair.id}
        assert await tx.cohorts.staff_pairs(cohort_id, {7}) == frozenset()
        await tx.cohorts.leave_every(pair.id, NOW)
        assert await tx.cohorts.running_of(pair.id) is None
        assert await tx.cohorts.membership_counts(cohort_id) == {Membership.LEFT: 1}
        later = NOW + timedelta(days=3)
        await tx.cohorts.enrol(cohort_id, pair.id, later)  # back again: joined anew
        members = await tx.cohorts.members(cohort_id)
        assert [(m.pair.id, m.membership, m.joined_at) for m in members] == [
            (pair.id, Membership.ENROLLED, later)
        ]
        await tx.cohorts.set_membership(cohort_id, pair.id, Membership.COMPLETED, NOW)
        assert await tx.cohorts.membership_counts(cohort_id) == {Membership.COMPLETED: 1}
        await tx.cohorts.withdraw_others([1001], keep=cohort_id)
        assert await tx.cohorts.has_consented(cohort_id, 1001)
        await tx.cohorts.withdraw([1001], cohort_id)
        assert not await tx.cohorts.has_consented(cohort_id, 1001)


async def test_snapshots_are_kept_per_week_in_order(db: Transactions) -> None:
    cohort_id = await _cohort(db)
    async with db.write() as tx:
        await tx.cohorts.save_snapshot(cohort_id, 1, '{"b": 1}', NOW)
        await tx.cohorts.save_snapshot(cohort_id, 0, '{"a": 1}', NOW)
        assert await tx.cohorts.has_snapshot(cohort_id, 0)
        assert not await tx.cohorts.has_snapshot(cohort_id, 2)
        assert [(s.week, s.data) for s in await tx.cohorts.snapshots(cohort_id)] == [
            (0, '{"a": 1}'),
            (1, '{"b": 1}'),
        ]


async def test_drafts_and_forgetting_a_user(db: Transactions) -> None:
    cohort_id = await _cohort(db)
    async with db.write() as tx:
        await tx.drafts.save(800, "days", {"name": "Spring", "days": "0,2"}, NOW)
        draft = await tx.drafts.get(800)
        assert draft is not None and draft.step == "days" and draft.fields["days"] == "0,2"
        await tx.drafts.delete(800)
        assert await tx.drafts.get(800) is None
        await tx.cohorts.consent(cohort_id, 800, NOW)
        await tx.facilitators.grant(801, 800, NOW)
        sent = await tx.broadcasts.create(cohort_id, 800, "See you Thursday", NOW)
        await tx.broadcasts.move(sent, BroadcastStatus.DRAFT, BroadcastStatus.SENDING)
        unsent = await tx.broadcasts.create(cohort_id, 800, "A draft never sent", NOW)
        await tx.cohorts.forget_user(800)
        await tx.facilitators.delete(800)
        assert await tx.cohorts.facilitators(cohort_id) == []
        assert await tx.cohorts.consenting(cohort_id) == []
        cohort = await tx.cohorts.get(cohort_id)
        kept = await tx.broadcasts.get(sent)
        assert cohort is not None and cohort.created_by is None  # no longer names them
        assert kept is not None and kept.created_by is None and kept.text == "See you Thursday"
        assert await tx.broadcasts.get(unsent) is None
        assert await tx.facilitators.is_active(801)  # the role they granted stays


async def test_a_broadcast_is_sent_once(db: Transactions) -> None:
    cohort_id = await _cohort(db)
    pair = await seed_pair(db)
    async with db.write() as tx:
        await tx.cohorts.enrol(cohort_id, pair.id, NOW)
        broadcast_id = await tx.broadcasts.create(cohort_id, 800, "See you!", NOW)
        assert [u.id for u in await tx.broadcasts.recipients(cohort_id)] == [1001, 1002]

    async def send() -> bool:
        async with db.write() as tx:
            return await tx.broadcasts.move(
                broadcast_id, BroadcastStatus.DRAFT, BroadcastStatus.SENDING
            )

    assert sorted(await asyncio.gather(send(), send())) == [False, True]
    async with db.write() as tx:
        assert await tx.broadcasts.sending_in(cohort_id)
        await tx.broadcasts.set_counts(broadcast_id, recipients=2, blocked=0, not_started=1)
        await tx.broadcasts.finish(broadcast_id, 1, NOW)
        done = await tx.broadcasts.get(broadcast_id)
    assert done is not None and done.status is BroadcastStatus.DONE
    assert (done.recipients, done.blocked, done.not_started) == (2, 1, 1)
