"""The Alembic migrations create exactly the schema that bot/storage/tables.py describes, on
every backend, and go down to nothing and up again."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.database import (
    SchemaOutOfDate,
    create_engine,
    require_current_schema,
    upgrade,
)
from bot.storage.tables import metadata
from tests.databases import downgrade


async def _diff(engine: AsyncEngine) -> list[Any]:
    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    async with engine.connect() as conn:
        return await conn.run_sync(diff)


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def test_migrations_match_the_tables(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    try:
        await upgrade(engine)
        assert await _diff(engine) == []
    finally:
        await engine.dispose()


async def test_migrations_go_down_to_nothing_and_up_again(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    try:
        await upgrade(engine)
        await downgrade(engine, "base")
        assert await _tables(engine) == {"alembic_version"}
        await upgrade(engine)
        assert await _diff(engine) == []
    finally:
        await engine.dispose()


async def test_a_database_behind_the_code_is_refused_with_one_line(
    empty_database_url: str,
) -> None:
    """PostgreSQL is not migrated at start-up: a deployment that skipped ``tandem db upgrade``
    stops with one line instead of failing on every tick (found by an adversarial run)."""
    engine = create_engine(empty_database_url)
    try:
        with pytest.raises(SchemaOutOfDate, match="run `tandem db upgrade` first"):
            await require_current_schema(engine)
        await upgrade(engine)
        await require_current_schema(engine)  # at the newest: nothing said
    finally:
        await engine.dispose()
