"""Benchmark: can one process saturate Telegram's send limit (~30 messages/s)?

Creates N pairs whose scheduled round is due at the same instant, then measures
1. the tick that opens all N rounds (claims due work, picks questions, writes the outbox), and
2. the outbox flush that sends the 2N question messages through the emulated Bot API
   (no network, rate limiter off, so this measures Tandem, not Telegram).

Twice in one run, each on a fresh database: first the baseline, the runner without batch
handlers (each round opened in its own transaction, as before issue 10), then the runner
Tandem uses (rounds opened a claimed batch at a time, one transaction per batch). The opening
is timed in wall-clock and CPU seconds, and a task waking every millisecond meanwhile
measures the longest time the event loop was held (what an interactive update could have had
to wait); the last line is the ratio of rounds/s.

Usage: python benchmarks/bench_tick.py [N]   (default 1000). Prints the figures for README.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.domain import onboarding, pairing
from bot.domain.people import UserInfo
from bot.emulator import FakeBotAPI
from bot.sandbox import sandbox
from bot.storage.queues import SqlDueWorkStore
from scheduler.clock import ManualClock
from scheduler.due import DueWorkRunner


async def bench(n: int, folder: Path, *, batched: bool) -> float:
    """One fresh run; returns the rounds opened per second."""
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    fake = FakeBotAPI(clock=clock.now)
    url = f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
    async with sandbox(url, clock=clock, fake=fake, rate_limit=False) as box:
        tandem = box.runtime.tandem
        deps = tandem.deps
        started = time.perf_counter()
        for i in range(n):
            a = UserInfo(10_000 + 2 * i, f"A{i}")
            b = UserInfo(10_001 + 2 * i, f"B{i}")
            # Each partner starts the bot through the real Application (Telegram only lets a
            # bot write to users who did); the pairing itself goes through the domain rules.
            await fake.user(a.id, a.first_name).send("/start")
            await fake.user(b.id, b.first_name).send("/start")
            await onboarding.set_timezone(deps, a, "Europe/Berlin")
            link = (await pairing.create_invite(deps, a)).replies[0].text
            token = next(w for w in link.split() if "?start=" in w).split("=")[1]
            opened = await onboarding.start(deps, b, token)
            invite_id = int(str(opened.replies[-1].buttons[0][0].data).split(":")[1])
            await pairing.respond_invite(deps, b, invite_id, True)
        setup = time.perf_counter() - started
        # Drop the pairing notices: only the round's messages are measured.
        await box.runtime.sender.flush(box.app.bot)
        due = await tandem.next_round_at_for(10_000)
        assert due is not None
        clock.set(due)

        runner = box.runtime.runner
        if not batched:
            runner = DueWorkRunner(SqlDueWorkStore(box.runtime.engine), tandem.due_handlers())
        held = [0.0]
        ticking = True

        async def watch() -> None:
            last = time.perf_counter()
            while ticking:
                await asyncio.sleep(0.001)
                now = time.perf_counter()
                held[0] = max(held[0], now - last)
                last = now

        watcher = asyncio.create_task(watch())
        await asyncio.sleep(0)
        c0 = time.process_time()
        t0 = time.perf_counter()
        report = await runner.tick(clock.now())
        t1 = time.perf_counter()
        cpu = time.process_time() - c0
        ticking = False
        await watcher
        pending = await box.runtime.outbox.pending()
        sent = await box.runtime.sender.flush(box.app.bot)
        t2 = time.perf_counter()
        assert report.handled == n and sent == pending == 2 * n, (report, pending, sent)
        name = "batched" if batched else "one by one (baseline)"
        print(f"{name}: pairs: {n} (set-up {setup:.1f} s)")
        print(
            f"{name}: tick opening {n} rounds: {t1 - t0:.2f} s = {n / (t1 - t0):.0f} rounds/s, "
            f"CPU {cpu / n * 1000:.2f} ms per round; loop held at most {held[0] * 1000:.0f} ms"
        )
        print(
            f"{name}: flush of {sent} messages: {t2 - t1:.2f} s = "
            f"{sent / (t2 - t1):.0f} messages/s (Telegram's limit: ~30 messages/s per bot)"
        )
        return n / (t1 - t0)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    rates = []
    for batched in (False, True):
        with tempfile.TemporaryDirectory() as folder:
            rates.append(asyncio.run(bench(n, Path(folder), batched=batched)))
    print(f"opening rounds/s, batched / one by one: ratio {rates[1] / rates[0]:.1f}")


if __name__ == "__main__":
    main()
