"""Alembic environment: runs migrations on the connection handed in by bot.storage.database."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from bot.storage.tables import metadata

config = context.config
connection = config.attributes.get("connection")
if not isinstance(connection, Connection):  # pragma: no cover - only via bot.storage.database
    raise RuntimeError("run migrations through `tandem db upgrade`")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
