"""Engine creation and schema migration.

SQLite (the embedded default) runs in WAL mode with a busy timeout, and every transaction
starts with ``BEGIN IMMEDIATE`` so that concurrent writers queue instead of failing half-way
(a deferred transaction that reads and then writes can hit SQLITE_BUSY on upgrade), and with
``secure_delete`` so that deleted rows are overwritten with zeros instead of lingering in free
pages. The same Core code runs on PostgreSQL (``postgresql+asyncpg://``) through a pool that
checks each connection before use; PostgreSQL is migrated by ``tandem db upgrade``, not at
start-up.

Free text is encrypted at rest (``crypt.py``): :func:`open_database` resolves the keys, checks
them against the stored rows before anything changes, binds them to the engine and migrates.
:func:`backup` makes a consistent copy of a running SQLite database.

A ``DATABASE_URL`` that is malformed, names another database or a driver that is not
installed, or a database that does not answer, is :class:`DatabaseUnavailable`: one line, the
password masked (:func:`check_database_url` before anything connects, then the first
connection of :func:`open_database`).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
import weakref
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.storage import inline
from bot.storage.crypt import (
    Keyring,
    bind_keyring,
    choose_keyring,
    encrypted_samples,
    require_key_source,
)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: Execution option marking a connection whose transaction only reads (see ``uow.py``).
READ_ONLY = "tandem_read_only"
#: PostgreSQL connections a process keeps open, and how many more it may open at a peak
#: (SQLAlchemy's defaults, named here: a process's concurrent units of work beyond these wait).
POOL_SIZE = 5
POOL_OVERFLOW = 10


class DatabaseUnavailable(Exception):
    """``DATABASE_URL`` is malformed, names a driver that is missing, or leads to a database
    that does not answer; the message is one line for the operator, the password masked."""


def masked_url(url: str) -> str:
    """``url`` with its password replaced by ``***`` (also when it does not parse)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not an URL SQLAlchemy reads: mask whatever sits between : and @
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def url_secrets(url: str) -> list[str]:
    """The password of ``url`` as written and decoded, for masking in logs (empty: none)."""
    found = re.search(r"://[^:/@]*:([^@]*)@", url)
    secrets = [found.group(1)] if found and found.group(1) else []
    with contextlib.suppress(Exception):
        password = make_url(url).password
        if password:
            secrets.append(str(password))
    return sorted(set(secrets), key=len, reverse=True)


_DRIVERS = {"sqlite": "sqlite+aiosqlite:///FILE", "postgresql": "postgresql+asyncpg://…"}


def check_database_url(url: str) -> None:
    """Raise :class:`DatabaseUnavailable` (one line, the password masked) unless ``url`` is
    an SQLAlchemy URL of SQLite or PostgreSQL with an installed asyncio driver and, for an
    SQLite file, an existing folder. Connects to nothing."""
    where = masked_url(url)
    try:
        parsed = make_url(url)
    except Exception:  # ArgumentError, or ValueError for a port that is not a number
        raise DatabaseUnavailable(
            f"DATABASE_URL {where} is not a database URL: write it like "
            "sqlite+aiosqlite:///tandem.sqlite3 or postgresql+asyncpg://USER:PASSWORD@HOST:5432/DB"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "postgres":
        backend = "postgresql"  # Heroku's spelling, which SQLAlchemy does not take
    if backend not in _DRIVERS:
        raise DatabaseUnavailable(
            f"DATABASE_URL {where}: Tandem runs on SQLite ({_DRIVERS['sqlite']}) or "
            f"PostgreSQL ({_DRIVERS['postgresql']}), not {backend!r}"
        )
    wanted = _DRIVERS[backend].split(":")[0]
    if parsed.drivername != wanted:
        raise DatabaseUnavailable(
            f"DATABASE_URL {where}: Tandem needs the asyncio driver, {wanted}:// "
            f"(e.g. {_DRIVERS[backend]}), not {parsed.drivername}://"
        )
    try:
        parsed.get_dialect().import_dbapi()
    except ImportError as exc:
        raise DatabaseUnavailable(
            f"DATABASE_URL {where}: its driver {exc.name} is not installed: pip install {exc.name}"
        ) from None
    database = parsed.database or ""
    if (
        backend == "sqlite"
        and database not in ("", ":memory:")
        and not database.startswith("file:")
    ):
        folder = Path(database).parent
        if not folder.is_dir():
            raise DatabaseUnavailable(
                f"DATABASE_URL {where}: the folder {folder} does not exist: create it, or "
                "point DATABASE_URL at a file in a folder that does"
            )


def create_engine(url: str, keyring: Keyring | None = None) -> AsyncEngine:
    """Create the async engine for ``url`` (an SQLAlchemy async URL); ``keyring`` encrypts and
    decrypts its encrypted columns (None: reading or writing them raises ``KeyringError``;
    :func:`open_database` finds and checks the keys).

    Parameters are hidden from SQLAlchemy's error messages, so an exception can never carry an
    answer's text into a log.

    Any other database (PostgreSQL through asyncpg) gets a connection pool that tests each
    connection before handing it out (``pool_pre_ping``): after a server restart the pool's
    connections are dead; a unit of work in flight fails with a SQLAlchemy ``DBAPIError`` and
    rolls back, and the next one connects afresh, so the bot recovers without a restart.
    """
    is_sqlite = url.startswith("sqlite")
    kwargs: dict[str, Any] = {"hide_parameters": True}
    if is_sqlite:
        kwargs["connect_args"] = {"timeout": 30}
        if url.startswith("sqlite+aiosqlite"):
            # Statements on the loop's thread, writers queued in asyncio (see inline.py).
            kwargs["connect_args"]["async_creator_fn"] = inline.connect
    else:
        kwargs.update(pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)
    engine = create_async_engine(url, **kwargs)
    if is_sqlite:
        _configure_sqlite(engine)
    bind_keyring(engine, keyring)
    return engine


async def open_database(
    url: str, configured_keys: Sequence[str], *, migrate: bool = True, create_key: bool = True
) -> AsyncEngine:
    """The engine for ``url`` with its keyring bound, migrated when ``migrate``.

    ``configured_keys``: ``ENCRYPTION_KEYS`` (newest first), or empty for the key file beside an
    SQLite database (created on the first run unless ``create_key`` is False). The keys are
    checked against a sample of the encrypted rows in a read-only transaction before anything
    is written; on failure the engine is disposed and ``KeyringError`` (one line, no key
    material) raised, with the database and the key file unchanged.
    """
    check_database_url(url)
    require_key_source(url, configured_keys)  # before connecting anywhere
    engine = create_engine(url)
    try:
        async with _first_connection(engine, url) as conn:
            await conn.execution_options(**{READ_ONLY: True})
            samples = await conn.run_sync(encrypted_samples)
            await conn.rollback()
        bind_keyring(engine, choose_keyring(url, configured_keys, samples, create=create_key))
        if migrate:
            await upgrade(engine)
    except BaseException:
        await engine.dispose()
        raise
    return engine


@asynccontextmanager
async def _first_connection(engine: AsyncEngine, url: str) -> AsyncIterator[AsyncConnection]:
    """The start-up's first connection; a database that does not answer (refused, no such
    host, a timeout, a password or database name the server refuses) raises
    :class:`DatabaseUnavailable`, one line naming the cause, the password masked."""
    try:
        conn = await engine.connect()
    except Exception as exc:
        if not _refused(exc):
            raise
        cause = exc.orig if isinstance(exc, DBAPIError) else exc
        reason = f"{type(cause).__name__}: {cause}".splitlines()[0]
        for secret in url_secrets(url):
            reason = reason.replace(secret, "***")
        raise DatabaseUnavailable(
            f"cannot connect to the database at {masked_url(url)} ({reason}): check that it "
            "runs and accepts connections, and DATABASE_URL"
        ) from None
    try:
        yield conn
    finally:
        await conn.close()


def _refused(exc: Exception) -> bool:
    """Whether ``exc`` from a first connection is the database's answer or its absence (the
    network, a timeout, the driver's own errors: a wrong password, no such database), not a
    bug of ours."""
    if isinstance(exc, (OSError, TimeoutError, DBAPIError)):
        return True
    return type(exc).__module__.split(".")[0] in ("asyncpg", "aiosqlite", "sqlite3")


def _configure_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, issue BEGIN (see the begin listener below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # An inline connection must not wait inside SQLite (it would block the event loop):
        # its writers wait for the lock in asyncio instead (inline.py).
        inline_driver = isinstance(
            getattr(dbapi_connection, "driver_connection", None), inline.InlineConnection
        )
        cursor.execute(f"PRAGMA busy_timeout={0 if inline_driver else 30000}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Deleted content is overwritten, not left in free pages (a /delete leaves no trace).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A read-only view (``Transactions.read``) takes no write lock: WAL gives it a
        # consistent snapshot while writers go on.
        # Straight on the driver's cursor: SQLAlchemy's execution machinery for a bare BEGIN
        # cost more than the statement (issue 10, bench_updates.py).
        cursor = conn.connection.cursor()
        read_only = conn.get_execution_options().get(READ_ONLY)
        cursor.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")
        cursor.close()


_WRITE_LOCKS: weakref.WeakKeyDictionary[Any, asyncio.Lock] = weakref.WeakKeyDictionary()


@asynccontextmanager
async def begin_write(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """``engine.begin()`` for a write transaction, taking turns with this process's other
    writers first on SQLite (an asyncio lock, first come first served).

    Why: SQLite's busy handler makes a waiting writer sleep (up to 100 ms between tries) while
    a writer in a tight loop takes the lock again at once; opening a wave of 3,000 rounds
    starved the sender and every handler for the whole wave (issue 10). Taking turns in the
    process first keeps each wait to one transaction. PostgreSQL needs no turn-taking."""
    async with write_turn(engine), engine.begin() as conn:
        yield conn


@asynccontextmanager
async def write_turn(engine: AsyncEngine) -> AsyncIterator[None]:
    """This process's turn to write on ``engine`` (see :func:`begin_write`), for code that
    opens its write transaction itself; never nest two turns in one task."""
    if engine.dialect.name != "sqlite":
        yield
        return
    lock = _WRITE_LOCKS.get(engine.sync_engine)
    if lock is None:
        lock = _WRITE_LOCKS[engine.sync_engine] = asyncio.Lock()
    async with lock:
        yield


def alembic_config() -> Config:
    """An Alembic configuration pointing at Tandem's migrations (no alembic.ini needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database schema to ``revision`` (default: the newest) with Alembic."""

    def _run(connection: Connection) -> None:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)

    async with engine.begin() as conn:
        await conn.run_sync(_run)


class SchemaOutOfDate(Exception):
    """The database's schema is not the one this version of Tandem needs (PostgreSQL is not
    migrated at start-up); the message is one line for the operator."""


async def require_current_schema(engine: AsyncEngine) -> None:
    """Raise :class:`SchemaOutOfDate` unless the database at ``engine`` is at the newest
    migration (a deployment that skipped ``tandem db upgrade`` would otherwise fail on every
    tick with a missing table or column)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    def _revisions(connection: Connection) -> tuple[str | None, str | None]:
        current = MigrationContext.configure(connection).get_current_revision()
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        return current, head

    async with engine.connect() as conn:
        current, head = await conn.run_sync(_revisions)
        await conn.rollback()
    if current != head:
        raise SchemaOutOfDate(
            f"the database schema is at {current or 'nothing yet'}, this version needs {head}: "
            "run `tandem db upgrade` first"
        )


class BackupError(Exception):
    """A backup cannot be made; the message is one line for the operator."""


def backup(url: str, target: Path) -> Path:
    """Copy the SQLite database at ``url`` to ``target`` while the bot may be running: one
    ``VACUUM INTO``, a consistent snapshot that also leaves out free pages. The key file is not
    copied (keep its backup apart from the database's).

    Raises BackupError when ``target`` exists, its folder does not, or the database is not an
    SQLite file (PostgreSQL: use ``pg_dump``).
    """
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite"):
        raise BackupError("the database is not SQLite: back it up with pg_dump")
    source = Path(parsed.database or "")
    if str(source) in ("", ":memory:") or not source.is_file():
        raise BackupError(f"no SQLite database file at {source}")
    if target.exists():
        raise BackupError(f"{target} exists already: choose a new path")
    if not target.parent.is_dir():
        raise BackupError(f"folder {target.parent} does not exist")
    conn = sqlite3.connect(source, timeout=30, isolation_level=None)
    try:
        conn.execute("PRAGMA secure_delete=ON")
        conn.execute("VACUUM INTO ?", (str(target),))
    except sqlite3.Error as exc:
        raise BackupError(f"backup failed: {exc}") from None
    finally:
        conn.close()
    return target
