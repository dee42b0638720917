"""The storage contract suites run against every backend in ``BACKENDS``: one fixture,
parametrised, hands each test a migrated, empty database of that backend (the pattern of
APScheduler's job-store tests). A PostgreSQL backend is one more entry in ``BACKENDS``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.model import Pair
from bot.domain.ports import Transactions
from bot.storage.database import create_engine
from bot.storage.uow import transactions
from scheduler.cadence import Frequency
from tests.databases import TEST_KEYRING, copy_of, migrated_template

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def _sqlite(tmp_path: Path, template: Path) -> str:
    return copy_of(template, tmp_path, "contract.sqlite3")


#: Backend name -> how to get an empty, migrated database URL for one test.
BACKENDS: dict[str, Callable[[Path, Path], Awaitable[str]]] = {"sqlite": _sqlite}


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file migrated once per session; each test gets a copy."""
    return migrated_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(params=sorted(BACKENDS))
async def engine(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> AsyncIterator[AsyncEngine]:
    """A migrated, empty database of each backend."""
    make = BACKENDS[request.param]
    created = create_engine(await make(tmp_path, sqlite_template), TEST_KEYRING)
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
