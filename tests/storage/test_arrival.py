"""Contract of ``UpdateLedger.arrival`` (issue 12): the duplicate check and the sender's
/language choice in one read, on every backend."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.uow import transactions
from bot.storage.updates import SqlUpdateLedger
from tests.storage.conftest import NOW


async def test_arrival_reads_the_claim_and_the_senders_choice(engine: AsyncEngine) -> None:
    ledger = SqlUpdateLedger(engine)
    db = transactions(engine)
    async with db.write() as tx:
        await tx.users.touch(1001, "Alex", None, "de", NOW)
        await tx.users.touch(1002, "Sam", None, "en", NOW)
        await tx.users.set_language(1001, "ru", NOW)
    assert await ledger.arrival(7, 1001) == (False, "ru")
    assert await ledger.arrival(7, 1002) == (False, None)  # follows Telegram: no choice
    assert await ledger.arrival(7, 1003) == (False, None)  # unknown sender
    assert await ledger.arrival(7, None) == (False, None)  # no sender at all
    assert await ledger.claim(7, NOW)
    assert await ledger.arrival(7, 1001) == (True, "ru")
    async with db.write() as tx:
        await tx.users.set_language(1001, None, NOW)
    assert await ledger.arrival(8, 1001) == (False, None)
