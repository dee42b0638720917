"""Benchmark: what a pair's look back costs after 12 weeks of daily check-ins.

Plays one pair through N daily rounds (default 84 = 12 weeks) on the emulated Bot API, both
partners answering every one, then measures
1. the reveal of one more round (the answer that decides it, with the trigger look-back over the
   pair's previous rounds),
2. ``/insights`` end to end (reading 12 weeks of answers and a year's pulse questions, drawing
   the chart in a worker thread),
3. the chart drawing alone (every row with bars, both gap columns and a trend line of four
   points), and how long the event loop was blocked meanwhile,
4. ``/history`` (the first page).

Usage: python benchmarks/bench_insights.py [N]. Prints the figures for README.
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.domain.deps import DimensionStat, TrendPoint
from bot.emulator import FakeBotAPI, FakeUser
from bot.sandbox import Sandbox, sandbox
from bot.telegram.charts import render_insights_chart
from content.schema import Dimension, Question
from scheduler.clock import ManualClock


def scale_first(candidates: Sequence[Question], weights: Sequence[float] = ()) -> Question:
    """Scale questions first, so the chart has data in every dimension over time (the
    candidates' weights are ignored: a benchmark wants the same rounds every run)."""
    return next((q for q in candidates if q.kind == "scale"), candidates[0])


async def play_rounds(box: Sandbox, alex: FakeUser, sam: FakeUser, n: int) -> None:
    rng = random.Random(7)
    for _ in range(n):
        due = await box.runtime.tandem.next_round_at_for(alex.user_id)
        assert due is not None
        box.clock.set(due)
        await box.tick()
        for user in (alex, sam):
            await answer_newest(user, rng)


async def answer_newest(user: FakeUser, rng: random.Random) -> None:
    """Answer the newest question in the chat: a random button, or a sentence for open text."""
    question = next(m for m in reversed(user.chat.messages) if len(m.buttons) >= 2)
    options = [b for row in question.buttons[:-1] for b in row]
    if options[0].text == "Write my answer":
        await user.send("A sentence or two about how it has been.")
        return
    data = rng.choice(options).callback_data
    assert data is not None
    await user.press_data(question.message_id, data)


async def loop_lag_during(work: asyncio.Future[object]) -> float:
    """The longest gap (s) between 1 ms sleeps while ``work`` runs: how blocked the loop was."""
    worst, last = 0.0, time.perf_counter()
    while not work.done():
        await asyncio.sleep(0.001)
        now = time.perf_counter()
        worst, last = max(worst, now - last), now
    return worst


async def bench(n: int, folder: Path) -> None:
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    fake = FakeBotAPI(clock=clock.now)
    url = f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
    async with sandbox(url, clock=clock, fake=fake, picker=scale_first, rate_limit=False) as box:
        alex, sam = fake.user(1, "Alex"), fake.user(2, "Sam")
        for user in (alex, sam):
            await user.send("/start")
            await user.send("Berlin")
        await alex.send("/pair")
        link = next(w for w in alex.chat.last.text.split() if "?start=" in w)
        await sam.open_link(link)
        await sam.press("Accept")
        started = time.perf_counter()
        await play_rounds(box, alex, sam, n)
        setup = time.perf_counter() - started

        due = await box.runtime.tandem.next_round_at_for(alex.user_id)
        assert due is not None
        clock.set(due)
        await box.tick()
        rng = random.Random(11)
        await answer_newest(alex, rng)
        before = len(sam.chat.messages)
        t0 = time.perf_counter()
        await answer_newest(sam, rng)  # decides the reveal: the look-back, maybe an offer
        reveal = time.perf_counter() - t0
        assert any("both answered" in m.text for m in sam.chat.messages[before:])

        t0 = time.perf_counter()
        await alex.send("/insights")
        insights = time.perf_counter() - t0
        assert alex.chat.messages[-2].photo is not None

        year = [TrendPoint(clock.now() - timedelta(days=91 * n), 3, 4) for n in range(4, 0, -1)]
        stats = [DimensionStat(d.label, 2.5, 3.5, 1.2, 0.5, tuple(year)) for d in Dimension]
        t0 = time.perf_counter()
        work = asyncio.ensure_future(
            asyncio.to_thread(
                render_insights_chart,
                stats,
                me="You",
                partner="Sam",
                title="t",
                gap_label="{gap:.1f}",
                no_data_label="-",
                levels_label="How much of it each of you reported: 1 less, 5 more",
                preferences_label="Taste: how far apart",
                seen_label="Who gives: seen apart by",
                trend_label="Asked every few months",
            )
        )
        lag = await loop_lag_during(work)
        await work
        chart = time.perf_counter() - t0

        t0 = time.perf_counter()
        await alex.send("/history")
        history = time.perf_counter() - t0

        print(f"rounds played: {n + 1} (set-up {setup:.1f} s)")
        print(f"reveal of one more round (trigger look-back): {reveal * 1000:.0f} ms")
        print(f"/insights over 12 weeks, end to end: {insights * 1000:.0f} ms")
        print(f"chart drawing in a worker thread: {chart * 1000:.0f} ms")
        print(f"longest event-loop stall meanwhile: {lag * 1000:.1f} ms")
        print(f"/history first page: {history * 1000:.0f} ms")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 84
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(bench(n, Path(folder)))


if __name__ == "__main__":
    main()
