"""The storage contract suites run against every backend in ``BACKENDS``: one fixture,
parametrised, hands each test a migrated, empty database of that backend (the pattern of
APScheduler's job-store tests). SQLite always; PostgreSQL too when ``TANDEM_TEST_POSTGRES_URL``
names a server (``tests/databases.py``), each test on a database of its own, so the races of
the decide-once methods run for real against the server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.model import Pair
from bot.domain.ports import Transactions
from bot.storage.database import create_engine
from bot.storage.uow import transactions
from scheduler.cadence import Frequency
from tests.databases import (
    TEST_KEYRING,
    PostgresDatabases,
    copy_of,
    migrated_template,
    postgres_url,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

#: The backends every contract test runs on.
BACKENDS = ["sqlite", "postgresql"] if postgres_url() else ["sqlite"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file migrated once per session; each test gets a copy."""
    return migrated_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresDatabases | None]:
    """Throwaway databases on the server of ``TANDEM_TEST_POSTGRES_URL`` (None when unset)."""
    url = postgres_url()
    if url is None:
        yield None
        return
    databases = PostgresDatabases(url)
    yield databases
    asyncio.run(databases.drop_template())


async def _database(
    backend: str,
    migrated: bool,
    tmp_path: Path,
    sqlite_template: Path,
    postgres: PostgresDatabases | None,
) -> AsyncIterator[str]:
    if backend == "sqlite":
        if migrated:
            yield copy_of(sqlite_template, tmp_path, "contract.sqlite3")
        else:
            yield f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    assert postgres is not None
    url = await postgres.create(migrated=migrated)
    try:
        yield url
    finally:
        await postgres.drop(url)


@pytest.fixture(params=BACKENDS)
async def database_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_template: Path,
    postgres: PostgresDatabases | None,
) -> AsyncIterator[str]:
    """The URL of a migrated, empty database of each backend, this test's alone."""
    async for url in _database(request.param, True, tmp_path, sqlite_template, postgres):
        yield url


@pytest.fixture(params=BACKENDS)
async def empty_database_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_template: Path,
    postgres: PostgresDatabases | None,
) -> AsyncIterator[str]:
    """The URL of a database of each backend without any schema (for the migration tests)."""
    async for url in _database(request.param, False, tmp_path, sqlite_template, postgres):
        yield url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A migrated, empty database of each backend."""
    created = create_engine(database_url, TEST_KEYRING)
    yield created
    await created.dispose()


@pytest.fixture
def db(engine: AsyncEngine) -> Transactions:
    """Units of work on the backend under test."""
    return transactions(engine)


async def seed_pair(db: Transactions, a: int = 1001, b: int = 1002) -> Pair:
    """Two users and an active pair of them (through the ports), as pairing leaves them."""
    async with db.write() as tx:
        for uid, name in ((a, "Alex"), (b, "Sam")):
            await tx.users.touch(uid, name, None, "en", NOW)
        pair = await tx.pairs.create(
            user_a=a,
            user_b=b,
            timezone="Europe/Berlin",
            frequency=Frequency.DAILY,
            time_of_day=time(20, 0),
            now=NOW,
        )
        assert await tx.users.link_pair([a, b], pair.id, NOW)
    return pair
