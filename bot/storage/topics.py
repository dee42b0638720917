"""Dropping queued outbox messages by topic (``Message.topic``, issue 12): a newer proposal
replaces the one still waiting, a settled round or exercise drops the notices announcing it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.tables import outbox


async def drop_topic(conn: AsyncConnection, user_ids: Sequence[int], topic: str) -> int:
    """Delete, in the caller's transaction, the rows of ``topic`` queued for any of
    ``user_ids`` that no sender holds (``lease_until`` NULL: one being sent goes out); every
    part of a split message goes. Returns how many rows went."""
    if not user_ids:
        return 0
    c = outbox.c
    gone = await conn.execute(
        delete(outbox).where(
            c.user_id.in_(list(user_ids)), c.topic == topic, c.lease_until.is_(None)
        )
    )
    return int(gone.rowcount or 0)
