"""Contract of the Invites port: only hashes stored, single use decided once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.domain.model import InviteKind, InviteStatus
from bot.domain.ports import Transactions
from tests.storage.conftest import NOW


async def test_an_invite_is_found_by_its_hash_and_claimed_once(db: Transactions) -> None:
    async with db.write() as tx:
        invite_id = await tx.invites.add(
            token_hash="a" * 64,
            inviter_id=1,
            kind=InviteKind.PAIR,
            now=NOW,
            ttl=timedelta(hours=48),
            cohort_id=None,
        )
        found = await tx.invites.by_token_hash("a" * 64)
        assert found is not None and found.id == invite_id
        assert found.status is InviteStatus.OPEN and found.expires_at == NOW + timedelta(hours=48)
        assert await tx.invites.by_token_hash("b" * 64) is None

    async def claim(user: int) -> bool:
        async with db.write() as tx:
            return await tx.invites.claim(invite_id, InviteStatus.ACCEPTED, user, NOW)

    assert sorted(await asyncio.gather(claim(2), claim(3))) == [False, True]
    async with db.read() as tx:
        used = await tx.invites.get(invite_id)
    assert used is not None and used.status is InviteStatus.ACCEPTED and used.used_by in (2, 3)


async def test_revoking_counts_and_deleting(db: Transactions) -> None:
    async with db.write() as tx:
        for n, kind in enumerate((InviteKind.PAIR, InviteKind.PAIR, InviteKind.FACILITATOR)):
            await tx.invites.add(
                token_hash=str(n) * 64,
                inviter_id=1,
                kind=kind,
                now=NOW,
                ttl=timedelta(hours=1),
                cohort_id=9 if kind is InviteKind.PAIR else None,
            )
        assert await tx.invites.open_for_cohort(9, NOW) == 2
        assert await tx.invites.open_for_cohort(9, NOW + timedelta(hours=2)) == 0  # expired
        assert await tx.invites.revoke_open([1], InviteKind.PAIR, NOW) == 2  # both still worked
        assert await tx.invites.open_for_cohort(9, NOW) == 0
        assert await tx.invites.revoke_open([1], InviteKind.PAIR, NOW) == 0  # none left
        facilitator = await tx.invites.by_token_hash("2" * 64)
        assert facilitator is not None and facilitator.status is InviteStatus.OPEN
        await tx.invites.delete_for_user(1)
        assert await tx.invites.by_token_hash("2" * 64) is None


async def test_revoking_counts_only_invites_that_still_worked(db: Transactions) -> None:
    async with db.write() as tx:
        for n, ttl in enumerate((timedelta(hours=1), timedelta(hours=3))):
            await tx.invites.add(
                token_hash=str(n) * 64, inviter_id=1, kind=InviteKind.PAIR, now=NOW, ttl=ttl
            )
        assert await tx.invites.revoke_open([1], InviteKind.PAIR, NOW + timedelta(hours=2)) == 1
