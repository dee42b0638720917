"""Test databases: a real SQLite file migrated once per session and copied for each test
(migrating every test's database from scratch would cost more than the test)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from bot.storage.database import create_engine, upgrade


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
