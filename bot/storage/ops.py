"""What operating the bot needs from the database: a health probe, the figures ``/metrics``
shows, and handing back the leases a stopping process holds.

Every read is one indexed statement (the oldest ready due work through ``due_at``'s index, the
open rounds through the partial index ``ix_rounds_open``, the outbox's rows), so a scrape costs
the same at 100 or 100,000 pairs.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.tables import due_work, outbox, rounds


class SqlOps:
    """Operational reads and the lease hand-back over one engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def ping(self) -> None:
        """Run ``SELECT 1``; raises the driver's error (SQLAlchemy's ``DBAPIError`` or
        ``OSError``) when the database does not answer."""
        async with self._engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def due_lag(self, now: datetime) -> float:
        """Seconds (>= 0) the oldest due-work row that is ready at ``now`` (aware UTC: its
        instant has come and no live lease holds it) has waited; 0.0 when none waits. Work a
        live process holds does not count: it is being done."""
        c = due_work.c
        ready = and_(c.due_at <= now, or_(c.lease_until.is_(None), c.lease_until < now))
        async with self._engine.connect() as conn:
            oldest: datetime | None = (
                await conn.execute(select(func.min(c.due_at)).where(ready))
            ).scalar()
        if oldest is None:
            return 0.0
        return max(0.0, (now - oldest).total_seconds())

    async def open_rounds(self) -> int:
        """How many rounds are open now."""
        stmt = select(func.count()).select_from(rounds).where(rounds.c.status == "open")
        async with self._engine.connect() as conn:
            return int((await conn.execute(stmt)).scalar_one())

    async def outbox_depth(self) -> int:
        """How many messages (and deletions) wait in the outbox."""
        async with self._engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(outbox))).scalar_one())

    async def release_claims(self, claim_tokens: Collection[str]) -> int:
        """Free every due-work and outbox row still leased under one of ``claim_tokens`` (the
        claims of a process that is stopping), so another process, or this one after a
        restart, takes them at once instead of after the lease. The claim's attempt is given
        back too: the work was not tried. Returns how many rows were freed."""
        if not claim_tokens:
            return 0
        tokens = list(claim_tokens)
        freed = 0
        async with self._engine.begin() as conn:
            for table in (due_work, outbox):
                result = await conn.execute(
                    update(table)
                    .where(table.c.claim_token.in_(tokens))
                    .values(
                        lease_until=None,
                        claim_token=None,
                        attempts=func.max(table.c.attempts - 1, 0)
                        if conn.dialect.name == "sqlite"
                        else func.greatest(table.c.attempts - 1, 0),
                    )
                )
                freed += int(result.rowcount or 0)
        return freed
