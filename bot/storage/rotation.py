"""Re-encrypting the stored free text under the newest key (``tandem keys rotate``) while the
bot runs.

Two passes over every encrypted column (``crypt.ENCRYPTED``), in primary-key order and in
batches: the first only reads and checks that the keys open every value, so keys that do not
fit change nothing; the second rewrites each batch in its own short transaction with
``MultiFernet.rotate``, so the running bot waits for one batch at most. A value the bot changed
between the read and the write of a batch is left as the bot wrote it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, inspect, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.crypt import ENCRYPTED, MARK, Keyring, KeyringError, Sealed
from bot.storage.database import READ_ONLY

#: Rows read or rewritten per transaction.
BATCH = 500


@dataclass(frozen=True)
class Rotated:
    """What a rotation did to one column: ``rotated`` values rewritten, ``skipped`` values
    changed by the bot meanwhile (already under its keys)."""

    table: str
    column: str
    rotated: int
    skipped: int


def _after(keys: Sequence[ColumnElement[Any]], last: tuple[Any, ...]) -> ColumnElement[bool]:
    """Rows whose primary key comes after ``last`` in key order (keyset pagination, written
    out so that it runs on every backend)."""
    clauses = []
    for i, column in enumerate(keys):
        equal = [keys[j] == last[j] for j in range(i)]
        clauses.append(and_(*equal, column > last[i]))
    return or_(*clauses)


async def _batches(
    engine: AsyncEngine, sealed: Sealed, *, read_only: bool, size: int
) -> AsyncIterator[list[Any]]:
    """The column's non-null rows (key…, token) in key order, ``size`` at a time, each batch
    read in its own transaction."""
    raw = sealed.raw()
    keys = [raw.c[k] for k in sealed.key]
    value = raw.c[sealed.column]
    last: tuple[Any, ...] | None = None
    while True:
        query = select(*keys, value).where(value.is_not(None))
        if last is not None:
            query = query.where(_after(keys, last))
        query = query.order_by(*keys).limit(size)
        async with engine.connect() as conn:
            if read_only:
                await conn.execution_options(**{READ_ONLY: True})
            rows = list((await conn.execute(query)).all())
            await conn.rollback()
        if not rows:
            return
        yield rows
        last = tuple(rows[-1][: len(keys)])


async def _require_encrypting_schema(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execution_options(**{READ_ONLY: True})

        def has_mark(sync_conn: Any) -> bool:
            columns = inspect(sync_conn).get_columns(MARK.table)
            return MARK.column in {c["name"] for c in columns}

        found = await conn.run_sync(has_mark)
        await conn.rollback()
    if not found:
        raise KeyringError("the database schema is older than encryption: run `tandem db upgrade`")


async def check_all(engine: AsyncEngine, keyring: Keyring, size: int = BATCH) -> int:
    """Read every encrypted value; return how many there are. Raises KeyringError (nothing
    changed) when the keys do not open one of them."""
    await _require_encrypting_schema(engine)
    count = 0
    for sealed in ENCRYPTED:
        async for rows in _batches(engine, sealed, read_only=True, size=size):
            for row in rows:
                if not keyring.opens(str(row[-1])):
                    raise KeyringError(
                        f"the keys do not open a value in {sealed.table}.{sealed.column}: "
                        "nothing was changed"
                    )
            count += len(rows)
    return count


async def rotate_all(engine: AsyncEngine, keyring: Keyring, size: int = BATCH) -> list[Rotated]:
    """Re-encrypt every encrypted value under ``keyring``'s newest key, batch by batch, after
    :func:`check_all` found that the keys open them all.

    Raises KeyringError when they do not (nothing changed then). Returns one
    :class:`Rotated` per column.
    """
    await check_all(engine, keyring, size)
    report = []
    for sealed in ENCRYPTED:
        raw = sealed.raw()
        value = raw.c[sealed.column]
        rotated = skipped = 0
        async for rows in _batches(engine, sealed, read_only=True, size=size):
            async with engine.begin() as conn:
                for row in rows:
                    old = str(row[-1])
                    where = [raw.c[k] == row[i] for i, k in enumerate(sealed.key)]
                    result = await conn.execute(
                        update(raw)
                        .where(*where, value == old)
                        .values({sealed.column: keyring.rotate(old)})
                    )
                    if result.rowcount == 1:
                        rotated += 1
                    else:
                        skipped += 1
        report.append(Rotated(sealed.table, sealed.column, rotated, skipped))
    return report
