"""Unit tests run the domain's operations directly (no Application, no Telegram) over a real
SQLite file copied from a migrated template, with a clock the test moves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain import onboarding, pairing
from bot.domain.deps import Config, Deps
from bot.domain.people import UserInfo
from bot.sandbox import shipped_content
from bot.storage.database import create_engine
from bot.storage.tables import outbox
from bot.storage.uow import transactions
from bot.telegram.charts import render_chart
from scheduler.clock import ManualClock
from tests.conftest import START, Picker
from tests.databases import TEST_KEYRING, copy_of, migrated_template

ALEX = UserInfo(1001, "Alex", language_code="en")
SAM = UserInfo(1002, "Sam", language_code="en")
ADMIN = 900


@dataclass
class World:
    """The services a unit test drives, and what it inspects."""

    deps: Deps
    engine: AsyncEngine
    clock: ManualClock
    picker: Picker

    async def queued(self, user_id: int) -> list[str]:
        """Texts waiting in the outbox for ``user_id``, oldest first."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(outbox.c.text).where(outbox.c.user_id == user_id).order_by(outbox.c.id)
            )
            return [str(t) for t in rows.scalars()]


@pytest.fixture(scope="session")
def unit_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_template(tmp_path_factory.mktemp("unit-template"))


@pytest.fixture
async def world(tmp_path: Path, unit_template: Path) -> AsyncIterator[World]:
    engine = create_engine(copy_of(unit_template, tmp_path), TEST_KEYRING)
    clock = ManualClock(START)
    picker = Picker()
    deps = Deps(
        db=transactions(engine),
        clock=clock,
        content=shipped_content(),
        config=Config(admins=frozenset({ADMIN}), min_pairs=3),
        picker=picker,
        render_chart=render_chart,
    )
    yield World(deps, engine, clock, picker)
    await engine.dispose()


async def pair_up(deps: Deps, a: UserInfo = ALEX, b: UserInfo = SAM) -> int:
    """``a`` invites ``b``, who accepts (both in Berlin); returns the invite's id."""
    await onboarding.set_timezone(deps, a, "Berlin")
    await onboarding.set_timezone(deps, b, "Berlin")
    link = (await pairing.create_invite(deps, a)).replies[0].text
    token = next(w for w in link.split() if "?start=" in w).split("=")[1]
    opened = await onboarding.start(deps, b, token)
    data = opened.replies[-1].buttons[0][0].data
    assert data is not None and data.startswith("i:")
    invite_id = int(data.split(":")[1])
    await pairing.respond_invite(deps, b, invite_id, True)
    return invite_id
