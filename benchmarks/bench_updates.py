"""Benchmark 1 (issue 10): answer updates through the real Application against the framework's
own ceiling, in one run on one emulator.

Tandem: ``PAIRS`` pairs (paired through the real Application and the domain, on a real SQLite
file, the send limit off) get a scheduled round each wave; both partners press an answer
button, so half of the updates record a first answer (an acknowledgement and a notice to the
partner) and half complete a round (the reveal to both, an exercise offer on a mismatch).
Bare: a python-telegram-bot ``Application`` with one ``CallbackQueryHandler`` that answers the
query and edits the message, on the same emulator (the same users press a button of a message
it sent). Updates go in blocks, Tandem's and the bare ones interleaved, so both see the same
machine load; each block's ratio is Tandem's mean time per update over the bare one's in the
adjacent block, and the last line is the median of those ratios.

Each update is timed from the emulated press (the update's JSON) until ``process_update``
returns, the outbox flush after it included. CPU is the process's CPU time over the block.

Usage: python benchmarks/bench_updates.py [UPDATES] [PAIRS] [BLOCK]
(defaults 10000, 500, 500). Prints one line per figure.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, ContextTypes

from bot import texts
from bot.domain import callbacks as cb
from bot.domain import onboarding, pairing
from bot.domain.people import UserInfo
from bot.emulator import FakeBotAPI, FakeUser
from bot.emulator.users import deliver_to
from bot.sandbox import Sandbox, sandbox
from content.schema import Question
from scheduler.clock import ManualClock

FIRST_USER = 10_000


def scale_first(candidates: Sequence[Question], weights: Sequence[float] = ()) -> Question:
    """Button questions only (an open question's answer is typed, not pressed)."""
    return next((q for q in candidates if q.kind != "open"), candidates[0])


@dataclass
class Figures:
    """Per-update wall times (seconds) and CPU seconds of one side."""

    walls: list[float] = field(default_factory=list)
    cpu: float = 0.0
    block_means: list[float] = field(default_factory=list)

    def line(self, name: str) -> str:
        """One printed line: updates/s, p50/p99 ms, CPU ms per update."""
        walls = sorted(self.walls)
        n = len(walls)
        total = sum(walls)
        p50 = walls[n // 2] * 1000
        p99 = walls[min(n - 1, int(n * 0.99))] * 1000
        return (
            f"{name}: {n} updates, {n / total:,.0f} updates/s, p50 {p50:.2f} ms, "
            f"p99 {p99:.2f} ms, CPU {self.cpu / n * 1000:.2f} ms per update"
        )


Press = Callable[[], Awaitable[Any]]


async def run_block(presses: Sequence[Press], figures: Figures) -> None:
    """Time each press (one update each) and the block's CPU."""
    cpu0 = time.process_time()
    walls: list[float] = []
    for press in presses:
        t0 = time.perf_counter()
        await press()
        walls.append(time.perf_counter() - t0)
    figures.cpu += time.process_time() - cpu0
    figures.walls += walls
    figures.block_means.append(sum(walls) / len(walls))


async def make_pairs(box: Sandbox, n: int) -> list[tuple[FakeUser, FakeUser]]:
    """``n`` pairs: each partner starts the bot through the Application; the pairing itself
    goes through the domain rules (as in bench_tick.py)."""
    deps = box.runtime.tandem.deps
    pairs = []
    for i in range(n):
        a = UserInfo(FIRST_USER + 2 * i, f"A{i}")
        b = UserInfo(FIRST_USER + 2 * i + 1, f"B{i}")
        ua = box.fake.user(a.id, a.first_name)
        ub = box.fake.user(b.id, b.first_name)
        await ua.send("/start")
        await ub.send("/start")
        await onboarding.set_timezone(deps, a, "Europe/Berlin")
        link = (await pairing.create_invite(deps, a)).replies[0].text
        token = next(w for w in link.split() if "?start=" in w).split("=")[1]
        opened = await onboarding.start(deps, b, token)
        invite_id = int(str(opened.replies[-1].buttons[0][0].data).split(":")[1])
        await pairing.respond_invite(deps, b, invite_id, True)
        pairs.append((ua, ub))
    await box.runtime.sender.flush(box.app.bot)
    return pairs


def answer_press(user: FakeUser) -> Press:
    """Press the first answer button of the newest question in ``user``'s chat."""
    for message in reversed(user.chat.messages):
        for row in message.buttons or ():
            for button in row:
                data = button.callback_data
                if data is not None and isinstance(cb.parse(data), cb.AnswerData):
                    mid = message.message_id
                    return lambda: user.press_data(mid, data)
    raise AssertionError(f"no question in {user!r}'s chat")


async def bare_application(fake: FakeBotAPI) -> Application[Any, Any, Any, Any, Any, Any]:
    """The framework's ceiling: one CallbackQueryHandler answering the query and editing the
    message, nothing else."""

    async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(f"pressed {update.update_id}")

    app = ApplicationBuilder().token(fake.token).request(fake).get_updates_request(fake).build()
    app.add_handler(CallbackQueryHandler(on_press))
    await app.initialize()
    return app


async def bench(total: int, n_pairs: int, block: int, folder: Path) -> None:
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    fake = FakeBotAPI(clock=clock.now)
    url = f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
    async with sandbox(url, clock=clock, fake=fake, rate_limit=False, picker=scale_first) as box:
        started = time.perf_counter()
        pairs = await make_pairs(box, n_pairs)
        bare = await bare_application(fake)
        via = deliver_to(bare)
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Press", callback_data="p")]])
        bare_presses: list[Press] = []
        for ua, ub in pairs:
            for user in (ua, ub):
                sent = await bare.bot.send_message(user.user_id, "bare", reply_markup=markup)
                mid = sent.message_id
                bare_presses.append(
                    lambda user=user, mid=mid: user.press_data(mid, "p", via=via)  # type: ignore[misc]
                )
        print(f"set-up: {n_pairs} pairs in {time.perf_counter() - started:.1f} s")

        tandem, baseline = Figures(), Figures()
        warm_t, warm_b = Figures(), Figures()
        done = 0
        waves = 0
        while done < total:
            due = await box.runtime.tandem.next_round_at_for(pairs[0][0].user_id)
            assert due is not None
            clock.set(due)
            report = await box.tick()
            assert report.handled >= n_pairs, report
            waves += 1
            # Partner A answers, then partner B completes the round: half the updates reveal.
            presses = [answer_press(u) for pair in pairs for u in pair]
            presses = presses[: total - done] if waves > 1 else presses
            for start in range(0, len(presses), block):
                chunk = presses[start : start + block]
                bare_chunk = [
                    bare_presses[(start + k) % len(bare_presses)] for k in range(len(chunk))
                ]
                if waves == 1 and start == 0:
                    # Warm-up: caches, the first connection, imports done lazily.
                    await run_block(chunk, warm_t)
                    await run_block(bare_chunk, warm_b)
                    continue
                await run_block(chunk, tandem)
                await run_block(bare_chunk, baseline)
                done += len(chunk)
                if done >= total:
                    break
        await bare.shutdown()
        reveals = sum(
            m.text.startswith(texts.REVEAL_HEADER) for ua, _ in pairs for m in ua.chat.messages
        )
        print(f"reveals: {reveals} of {waves * n_pairs} rounds opened (the last wave in part)")
        ratios = [t / b for t, b in zip(tandem.block_means, baseline.block_means, strict=True)]
        print(f"waves: {waves}, blocks: {len(ratios)} of {block} updates each")
        print(tandem.line("tandem"))
        print(baseline.line("bare application"))
        cpu_ratio = (tandem.cpu / len(tandem.walls)) / (baseline.cpu / len(baseline.walls))
        print(f"CPU per update: ratio {cpu_ratio:.1f}")
        print(
            f"time per update, tandem / bare (median of block ratios): ratio "
            f"{statistics.median(ratios):.1f}"
        )


def main() -> None:
    args = [int(a) for a in sys.argv[1:]]
    total = args[0] if args else 10_000
    n_pairs = args[1] if len(args) > 1 else 500
    block = args[2] if len(args) > 2 else 500
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(bench(total, n_pairs, block, Path(folder)))


if __name__ == "__main__":
    main()
