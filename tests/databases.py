"""Test databases: a real SQLite file migrated once per session and copied for each test
(migrating every test's database from scratch would cost more than the test), and, when
``TANDEM_TEST_POSTGRES_URL`` names a server, PostgreSQL databases made the same way."""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import sqlite3
from pathlib import Path

import asyncpg
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.crypt import Keyring
from bot.storage.database import alembic_config, create_engine, upgrade
from bot.storage.tables import metadata

#: A fixed key for tests that open engines themselves (the sandbox uses a key file instead).
TEST_KEY = "dGFuZGVtLXRlc3Qta2V5LW5ldmVyLWluLXByb2R1Y3Q="
TEST_KEYRING = Keyring([TEST_KEY])


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Take the database of ``engine`` down to ``revision`` ("base": nothing) with Alembic."""

    def run(connection: Connection) -> None:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)

    async with engine.begin() as conn:
        await conn.run_sync(run)


def migrated_template(folder: Path) -> Path:
    """An SQLite file in ``folder`` brought to the newest schema with Alembic."""
    path = folder / "migrated.sqlite3"

    async def migrate() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(migrate())
    return path


def copy_of(template: Path, folder: Path, name: str = "tandem.sqlite3") -> str:
    """A fresh copy of ``template`` in ``folder``, as an async SQLAlchemy URL."""
    target = folder / name
    shutil.copyfile(template, target)
    return f"sqlite+aiosqlite:///{target}"


def file_of(url: str) -> Path:
    """The database file of an SQLite URL."""
    return Path(url.split("///", 1)[1])


def checkpointed_bytes(url: str) -> bytes:
    """The raw bytes of the SQLite database at ``url`` and of its WAL, after a checkpoint that
    moves the WAL into the file and empties it (what stays on disk)."""
    path = file_of(url)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        conn.close()
    assert busy == 0, "the checkpoint was blocked by an open transaction"
    wal = Path(f"{path}-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


#: The environment variable naming a PostgreSQL server for the tests (an SQLAlchemy async URL,
#: e.g. postgresql+asyncpg://tandem@127.0.0.1:55432/tandem; its role needs CREATEDB). Unset:
#: the storage contract runs on SQLite only.
POSTGRES_VARIABLE = "TANDEM_TEST_POSTGRES_URL"


def postgres_url() -> str | None:
    """The PostgreSQL server the tests may use, or None (``TANDEM_TEST_POSTGRES_URL`` unset)."""
    return os.environ.get(POSTGRES_VARIABLE) or None


class PostgresDatabases:
    """Throwaway databases on one PostgreSQL server: each test gets its own, dropped after it.

    A migrated one is a ``CREATE DATABASE … TEMPLATE`` copy of a template migrated once per
    session (a file copy on the server, far cheaper than running the migrations again); an
    empty one (for the migration tests) copies ``template0``. Names carry this process's id, so
    two test runs on one server never meet.
    """

    def __init__(self, url: str) -> None:
        self._url = make_url(url)
        self._prefix = f"tandem_test_{os.getpid()}"
        self._count = itertools.count()
        self._template: str | None = None

    def url_of(self, name: str) -> str:
        """The SQLAlchemy URL of database ``name`` on the server (password included)."""
        return self._url.set(database=name).render_as_string(hide_password=False)

    async def _admin(self, *statements: str) -> None:
        """Run ``statements`` outside a transaction (CREATE/DROP DATABASE refuse one), connected
        to the database of the configured URL."""
        dsn = self._url.set(drivername="postgresql").render_as_string(hide_password=False)
        conn = await asyncpg.connect(dsn)
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()

    async def create(self, *, migrated: bool = True) -> str:
        """A new database (migrated to the newest schema, or empty); returns its URL."""
        if migrated and self._template is None:
            template = f"{self._prefix}_template"
            await self._admin(f"DROP DATABASE IF EXISTS {template}", f"CREATE DATABASE {template}")
            engine = create_engine(self.url_of(template))
            try:
                await upgrade(engine)
            finally:
                await engine.dispose()
            self._template = template
        name = f"{self._prefix}_{next(self._count)}"
        source = self._template if migrated else "template0"
        await self._admin(f"CREATE DATABASE {name} TEMPLATE {source}")
        return self.url_of(name)

    async def drop(self, url: str) -> None:
        """Drop the database of ``url`` (closing any connection left to it)."""
        name = make_url(url).database
        assert name is not None and name.startswith(self._prefix)
        await self._drop(name)

    async def drop_template(self) -> None:
        """Drop the session's template database, if one was made."""
        if self._template is not None:
            await self._drop(self._template)
            self._template = None

    async def _drop(self, name: str) -> None:
        """Drop database ``name``, ending this role's connections to it first.

        Not ``DROP DATABASE … WITH (FORCE)``: it must signal every backend on the database,
        and an autovacuum worker that happens to be there belongs to no role, so a role that is
        not a superuser is refused ("must be a member of the role whose process is being
        terminated", a CI failure). A plain ``DROP DATABASE`` stops autovacuum workers itself
        and waits up to 5 s for other sessions; ours are ended here, and a backend still on its
        way out gets a few more tries.
        """
        dsn = self._url.set(drivername="postgresql").render_as_string(hide_password=False)
        conn = await asyncpg.connect(dsn)
        try:
            for attempt in range(5):
                await conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = $1 AND usename = current_user AND pid <> pg_backend_pid()",
                    name,
                )
                try:
                    await conn.execute(f"DROP DATABASE IF EXISTS {name}")
                    return
                except asyncpg.exceptions.ObjectInUseError:
                    if attempt == 4:
                        raise
                    await asyncio.sleep(0.2)
        finally:
            await conn.close()


async def stored_bytes(engine: AsyncEngine) -> bytes:
    """What the database behind ``engine`` holds, raw: an SQLite file's bytes (after a
    checkpoint, see :func:`checkpointed_bytes`); on PostgreSQL, every row of every table as the
    server returns it to a plain query (no column type decrypts it)."""
    if engine.dialect.name == "sqlite":
        return checkpointed_bytes(str(engine.url))
    dumped: list[str] = []
    async with engine.connect() as conn:
        for name in metadata.tables:
            rows = await conn.execute(text(f"SELECT CAST(row_to_json(t) AS text) FROM {name} t"))
            dumped.extend(rows.scalars())
    return "\n".join(dumped).encode()
