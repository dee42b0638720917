"""The cohort scenarios' sandbox: the conftest's ``box``, with ADMIN as a bot admin and a
seeded generator for the figures' noise (so a scenario sees the same figures every run)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from random import Random

import pytest

from bot.emulator import FakeBotAPI
from bot.sandbox import Sandbox, sandbox
from scheduler.clock import ManualClock
from tests.conftest import Picker
from tests.e2e.helpers import ADMIN


@pytest.fixture
async def box(
    db_url: str, clock: ManualClock, fake: FakeBotAPI, picker: Picker
) -> AsyncIterator[Sandbox]:
    async with sandbox(
        db_url, clock=clock, fake=fake, picker=picker, admins=[ADMIN], noise=Random(9)
    ) as running:
        yield running
