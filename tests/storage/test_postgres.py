"""What only PostgreSQL has: a server that restarts under the bot. Its connections are cut (as
a restart cuts them); the unit of work in flight fails and rolls back, and the next one works
on a fresh connection without restarting the bot. And a database migrated before 0009, which
lacks ``users.pair_id``'s foreign key, gets it. Runs when ``TANDEM_TEST_POSTGRES_URL`` is set
(``.ci/run`` sets it)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.database import create_engine, upgrade
from bot.storage.uow import transactions
from tests.databases import TEST_KEYRING, PostgresDatabases, downgrade, postgres_url
from tests.storage.conftest import NOW

pytestmark = pytest.mark.skipif(postgres_url() is None, reason="TANDEM_TEST_POSTGRES_URL unset")


@pytest.fixture
async def pg_url(postgres: PostgresDatabases | None) -> AsyncIterator[str]:
    """A migrated database of its own on the test server."""
    assert postgres is not None
    url = await postgres.create()
    yield url
    await postgres.drop(url)


async def cut_connections(url: str) -> int:
    """Terminate every other connection to the database of ``url``, as a server restart does;
    returns how many were cut."""
    parsed = make_url(url)
    conn = await asyncpg.connect(
        parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    )
    try:
        cut = await conn.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await conn.close()
    return len(cut)


async def test_after_a_restart_the_next_unit_of_work_connects_afresh(pg_url: str) -> None:
    engine = create_engine(pg_url, TEST_KEYRING)
    db = transactions(engine)
    try:
        async with db.write() as tx:
            await tx.users.touch(1001, "Alex", None, "en", NOW)
        assert await cut_connections(pg_url) >= 1  # the pool's idle connection
        async with db.write() as tx:
            await tx.users.touch(1002, "Sam", None, "en", NOW)
        async with db.read() as tx:
            assert await tx.users.get(1001) is not None
            assert await tx.users.get(1002) is not None
    finally:
        await engine.dispose()


async def test_a_unit_of_work_in_flight_fails_cleanly_and_leaves_nothing_half_done(
    pg_url: str,
) -> None:
    engine = create_engine(pg_url, TEST_KEYRING)
    db = transactions(engine)
    try:
        with pytest.raises(DBAPIError):
            async with db.write() as tx:
                await tx.users.touch(1001, "Alex", None, "en", NOW)
                await cut_connections(pg_url)
                await tx.users.touch(1002, "Sam", None, "en", NOW)
        async with db.read() as tx:
            assert await tx.users.get(1001) is None  # rolled back with the connection
        async with db.write() as tx:
            await tx.users.touch(1002, "Sam", None, "en", NOW)
        async with db.read() as tx:
            assert await tx.users.get(1002) is not None
    finally:
        await engine.dispose()


async def _user_foreign_keys(engine: AsyncEngine) -> list[str | None]:
    async with engine.connect() as conn:
        found = await conn.run_sync(lambda c: inspect(c).get_foreign_keys("users"))
    return [fk["name"] for fk in found]


async def test_a_database_migrated_without_the_users_pair_key_gets_it(pg_url: str) -> None:
    engine = create_engine(pg_url, TEST_KEYRING)
    try:
        assert await _user_foreign_keys(engine) == ["fk_users_pair_id_pairs"]
        async with engine.begin() as conn:  # as 0001 left PostgreSQL before it was fixed
            await conn.execute(text("ALTER TABLE users DROP CONSTRAINT fk_users_pair_id_pairs"))
        await downgrade(engine, "0008")
        await upgrade(engine)
        assert await _user_foreign_keys(engine) == ["fk_users_pair_id_pairs"]
    finally:
        await engine.dispose()
