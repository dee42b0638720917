"""Benchmark: a wave of questions under Telegram's limits, in real time (issue 10).

N pairs are due in the same minute. The emulator enforces about 30 messages/s overall and one
message per second per chat, answering 429 with ``retry_after`` on its real clock; Tandem runs
as in production (the real Application, a real SQLite file, the due-work tick every second
and the continuous sender). While the wave goes out, simulated users send ``/settings`` about
twice a second. Prints one line per figure, with its ratio to the ideal 2N/30 s where it has
one:

* time from the slot to the last question delivered (target ≤ 1.05 × the ideal),
* rounds opened per second by the tick,
* 429s received, duplicated questions (0 without injected faults), timeouts injected,
* the gap between the two partners' copies of one question (p50, p99; target p99 < 1 s),
* the /settings reply time during the wave (p50, p99; target < 1 s),
* rounds skipped by the lateness rule.

Usage: python benchmarks/bench_wave.py [N] [--timeouts RATE] [--quiet] [-v]
N defaults to 3000 (about 200 s of sending, plus set-up); 300 is a quick run. ``--timeouts``
(default 0): the share of accepted messages whose answer is lost (the emulator stores the
message, the sender sees a timeout and sends it again): the duplicate window, measured.
``--quiet``: nobody presses anything during the wave. ``-v``: questions sent per second.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from prometheus_client import REGISTRY
from sqlalchemy import update
from telegram import Update

from bot.domain import onboarding, pairing
from bot.domain.people import UserInfo
from bot.emulator import FakeBotAPI
from bot.runtime import build_application, start_runtime
from bot.sandbox import sandbox, shipped_content
from bot.settings import load_settings
from bot.storage.tables import due_work
from scheduler.clock import ManualClock, SystemClock

QUESTION = "Check-in ·"
FIRST_ID = 10_000


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _set_up(n: int, url: str) -> FakeBotAPI:
    """N pairs, daily at 20:00 Berlin, on a manual clock (the pairing goes through the domain
    rules; each partner starts the bot through the real Application)."""
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    fake = FakeBotAPI(clock=clock.now)
    async with sandbox(url, clock=clock, fake=fake) as box:
        deps = box.runtime.tandem.deps
        for i in range(n):
            a = UserInfo(FIRST_ID + 2 * i, f"A{i}")
            b = UserInfo(FIRST_ID + 1 + 2 * i, f"B{i}")
            await fake.user(a.id, a.first_name).send("/start")
            await fake.user(b.id, b.first_name).send("/start")
            await onboarding.set_timezone(deps, a, "Europe/Berlin")
            link = (await pairing.create_invite(deps, a)).replies[0].text
            token = next(w for w in link.split() if "?start=" in w).split("=")[1]
            opened = await onboarding.start(deps, b, token)
            invite_id = int(str(opened.replies[-1].buttons[0][0].data).split(":")[1])
            await pairing.respond_invite(deps, b, invite_id, True)
        await box.runtime.sender.flush(box.app.bot)
    return fake


async def _wave(
    n: int, url: str, fake: FakeBotAPI, timeout_rate: float, quiet: bool, verbose: bool
) -> None:
    clock = SystemClock()
    fake.clock = clock.now
    fake.enforce_limits()
    if timeout_rate:
        fake.timeouts_after_accept(timeout_rate, seed=1)
    settings = load_settings(database_url=url, telegram_bot_token=fake.token)
    app = build_application(settings, request=fake)
    await app.initialize()
    runtime = await start_runtime(app, settings, clock=clock, content=shipped_content())

    async def deliver(data: dict[str, Any]) -> None:
        await app.process_update(Update.de_json(data, app.bot))

    fake.attach(deliver)
    slot = clock.now() + timedelta(seconds=2)
    async with runtime.engine.begin() as conn:
        await conn.execute(
            update(due_work).where(due_work.c.kind == "open_round").values(due_at=slot)
        )
    skipped_before = REGISTRY.get_sample_value("tandem_rounds_skipped_late_total") or 0.0
    log_start = len(fake.send_log.accepted)
    runtime.sender.start(app.bot)

    opened_at: list[float] = []

    async def ticking() -> None:
        while True:
            report = await runtime.tick()
            if report.kinds.get("open_round"):
                opened_at.append(time.perf_counter())
            await asyncio.sleep(1.0)

    users = [FIRST_ID + i for i in range(2 * n)]
    replies: list[float] = []
    done = asyncio.Event()

    async def pressing() -> None:
        rng = random.Random(7)
        while not done.is_set():
            user = fake.users[rng.choice(users)]
            started = time.perf_counter()
            await user.send("/settings")
            replies.append(time.perf_counter() - started)
            await asyncio.sleep(0.5)

    def delivered() -> int:
        return sum(1 for uid in users if any(QUESTION in m.text for m in fake.chats[uid].messages))

    await asyncio.sleep(max(0.0, (slot - clock.now()).total_seconds()))
    t_slot = time.perf_counter()
    tick_task = asyncio.create_task(ticking())
    press_task = asyncio.create_task(asyncio.sleep(0) if quiet else pressing())
    ideal = 2 * n / 30
    deadline = t_slot + ideal * 3 + 60
    while delivered() < 2 * n and time.perf_counter() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.25)
    done.set()
    await press_task
    tick_task.cancel()
    await runtime.sender.stop()

    count = delivered()
    sent = [
        (at, chat) for at, chat, _paid in fake.send_log.accepted[log_start:] if chat in fake.chats
    ]
    first_question: dict[int, float] = {}
    duplicates = 0
    for uid in users:
        questions = [m for m in fake.chats[uid].messages if QUESTION in m.text]
        duplicates += max(0, len(questions) - 1)
    times_by_chat: dict[int, list[float]] = {}
    for at, chat in sent:
        times_by_chat.setdefault(chat, []).append(at)
    for uid in users:
        chat = fake.chats[uid]
        index = next((i for i, m in enumerate(chat.messages) if QUESTION in m.text), None)
        if index is None:
            continue
        # The message's send instant: the accepted-log entries of that chat, in order, after
        # the set-up's messages (which used the manual clock, so they come first).
        before = len(chat.messages) - len(times_by_chat.get(uid, []))
        if index >= before:
            first_question[uid] = times_by_chat[uid][index - before]
    gaps = [
        abs(first_question[a] - first_question[a + 1])
        for a in range(FIRST_ID, FIRST_ID + 2 * n, 2)
        if a in first_question and a + 1 in first_question
    ]
    skipped = (REGISTRY.get_sample_value("tandem_rounds_skipped_late_total") or 0.0) - (
        skipped_before
    )
    took = max(first_question.values(), default=float("nan")) - slot.timestamp()
    opening = (opened_at[-1] - t_slot) if opened_at else float("nan")
    print(f"pairs: {n}, questions: {2 * n}, ideal 2N/30 = {ideal:.1f} s")
    print(f"questions delivered: {count} of {2 * n}")
    print(f"time to deliver all questions: {took:.1f} s (ratio to ideal {took / ideal:.3f})")
    print(f"rounds opened by the tick: {n} in {opening:.1f} s ({n / opening:.0f} rounds/s)")
    log = fake.send_log
    print(f"429s received: {log.retry_afters} ({log.chat_retry_afters} for one chat's limit)")
    print(f"timeouts injected after Telegram accepted: {fake.send_log.timeouts_after_accept}")
    print(f"duplicated questions: {duplicates}")
    print(
        f"partner gap: p50 {statistics.median(gaps) if gaps else float('nan'):.3f} s, "
        f"p99 {_pct(gaps, 0.99):.3f} s"
    )
    print(
        f"/settings reply during the wave ({len(replies)} presses): "
        f"p50 {_pct(replies, 0.5):.3f} s, p99 {_pct(replies, 0.99):.3f} s"
    )
    print(f"rounds skipped by the lateness rule: {skipped:.0f}")
    everything = len([1 for at, _chat in sent if at <= slot.timestamp() + took])
    print(
        f"all messages in that time (questions and replies): {everything / took:.1f}/s "
        f"({everything / took / 30:.1%} of 30/s)"
    )
    if verbose:
        per_second: dict[int, int] = {}
        for at in first_question.values():
            second = int(at - slot.timestamp())
            per_second[second] = per_second.get(second, 0) + 1
        print(
            "questions per second after the slot:",
            [per_second.get(i, 0) for i in range(int(took) + 1)],
        )
    await runtime.close()
    await app.shutdown()


async def bench(n: int, folder: Path, args: argparse.Namespace) -> None:
    url = f"sqlite+aiosqlite:///{folder / 'wave.sqlite3'}"
    started = time.perf_counter()
    fake = await _set_up(n, url)
    print(f"set-up of {n} pairs: {time.perf_counter() - started:.1f} s")
    await _wave(n, url, fake, args.timeouts, args.quiet, args.v)


def main() -> None:
    parser = argparse.ArgumentParser(description="A wave of questions under Telegram's limits.")
    parser.add_argument("n", nargs="?", type=int, default=3000, help="pairs (default 3000)")
    parser.add_argument("--timeouts", type=float, default=0.0, help="share of lost answers")
    parser.add_argument("--quiet", action="store_true", help="nobody presses anything")
    parser.add_argument("-v", action="store_true", help="questions sent per second")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(bench(args.n, Path(folder), args))


if __name__ == "__main__":
    main()
