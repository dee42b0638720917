"""A complete Tandem against the emulated Bot API: the real ``Application``, handlers, SQLite
file and due-work runner, with a clock the caller moves. ``tandem demo`` and the end-to-end
tests both run on it; nothing here touches the network."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from random import Random
from typing import Any

from telegram import Update

from bot.domain.deps import QuestionPicker
from bot.emulator import FakeBotAPI
from bot.runtime import Runtime, TandemApplication, build_application, start_runtime
from bot.settings import Settings, load_settings
from bot.storage.queues import next_instant
from content.loader import ContentBank, load_content
from scheduler.clock import ManualClock
from scheduler.due import TickReport


@dataclass
class Sandbox:
    """One running, emulated Tandem process."""

    fake: FakeBotAPI
    app: TandemApplication
    runtime: Runtime
    clock: ManualClock
    settings: Settings

    async def deliver(self, data: dict[str, Any]) -> None:
        """Hand one update (as Telegram's JSON) to this process's Application."""
        await self.app.process_update(Update.de_json(data, self.app.bot))

    async def tick(self) -> TickReport:
        """Run due work at the clock's now and flush the outbox."""
        return await self.runtime.tick(self.clock.now())

    async def advance(self, delta: timedelta, *, step: timedelta | None = None) -> None:
        """Move the clock forward by ``delta``, ticking every ``step`` (default: only at the
        end), as the JobQueue would while the bot runs."""
        if step is None:
            self.clock.advance(delta)
            await self.tick()
            return
        end = self.clock.now() + delta
        while self.clock.now() < end:
            self.clock.advance(min(step, end - self.clock.now()))
            await self.tick()

    async def run_until(self, end: datetime) -> None:
        """Move the clock to ``end`` (aware UTC), ticking at every instant something comes
        due on the way (due work, or an outbox message's retry), as a process ticking every few
        seconds would, without the idle ticks in between."""
        while True:
            await self.tick()
            nxt = await next_instant(self.runtime.engine, self.clock.now(), end)
            if nxt is None:
                break
            self.clock.set(nxt)
        if end > self.clock.now():
            self.clock.set(end)
            await self.tick()


@cache
def shipped_content() -> ContentBank:
    """The shipped content bank, parsed and checked once per process (it never changes while
    the process runs; the end-to-end tests start hundreds of sandboxes)."""
    return load_content()


@asynccontextmanager
async def sandbox(
    database_url: str,
    *,
    clock: ManualClock,
    fake: FakeBotAPI | None = None,
    picker: QuestionPicker | None = None,
    default_timezone: str = "UTC",
    attach: bool = True,
    rate_limit: bool = True,
    limits: bool = False,
    paid_broadcast: bool = False,
    content: ContentBank | None = None,
    admins: Sequence[int] = (),
    min_pairs: int = 5,
    noise: Random | None = None,
) -> AsyncIterator[Sandbox]:
    """Start Tandem on ``database_url`` against ``fake`` (a new emulator by default).

    ``attach``: make this process the emulator's default target for updates (pass False for
    a second process on the same emulator; deliver to it with ``via=sandbox.deliver``).
    ``content``: a content bank of the caller's own (default: the shipped one). ``admins`` and
    ``min_pairs``: the ``ADMIN_USER_IDS`` and ``AGGREGATE_MIN_PAIRS`` settings. ``noise``: the
    generator of the cohort figures' noise (default: the operating system's secure one; tests
    pass a seeded ``random.Random``). ``limits``: the emulator enforces Telegram's limits
    (30 messages/s, 1 per second per chat) and the sender paces to them, moving the manual
    clock as it waits (sending takes time); off by default: every send goes at once.
    ``paid_broadcast``: the ``PAID_BROADCAST`` setting. ``rate_limit`` has no effect (the send
    policy is the sender's; kept for callers).
    """
    fake = fake or FakeBotAPI(clock=clock.now)
    settings = load_settings(
        database_url=database_url,
        telegram_bot_token=fake.token,
        default_timezone=default_timezone,
        admin_user_ids=tuple(admins),
        aggregate_min_pairs=min_pairs,
        paid_broadcast=paid_broadcast,
    )
    if limits:
        fake.enforce_limits()
    app = build_application(settings, request=fake)
    await app.initialize()
    runtime = await start_runtime(
        app,
        settings,
        clock=clock,
        picker=picker,
        noise=noise,
        content=content or shipped_content(),
        pace=limits,
    )
    box = Sandbox(fake=fake, app=app, runtime=runtime, clock=clock, settings=settings)
    if attach:
        fake.attach(box.deliver)
    try:
        yield box
    finally:
        await runtime.close()
        await app.shutdown()
