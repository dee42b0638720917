"""Test databases: a real SQLite file migrated once per session and copied for each test
(migrating every test's database from scratch would cost more than the test)."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

from bot.storage.crypt import Keyring
from bot.storage.database import create_engine, upgrade

#: A fixed key for tests that open engines themselves (the sandbox uses a key file instead).
TEST_KEY = "dGFuZGVtLXRlc3Qta2V5LW5ldmVyLWluLXByb2R1Y3Q="
TEST_KEYRING = Keyring([TEST_KEY])


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
