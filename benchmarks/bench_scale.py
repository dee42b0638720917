"""Benchmark 3 (issue 10): what grows with the number of pairs, and what must not.

For each size (default 10,000 and 100,000 pairs) a database in a steady state is written in
bulk (plain SQL through ``sqlite3`` on a file Tandem migrated): every pair active with a daily
20:00 slot, three revealed rounds of history with both answers, yesterday's round still open
with one partner's answer, its expiry and the other partner's reminder pending, and today's
opening due. Then, on that file:

1. start-up: a fresh process builds the Application and starts Tandem on it (keys checked,
   migrations, content, the due-work runner); against a fresh process holding one in-memory
   APScheduler job per pair (the pattern Tandem does not use), each timed after its imports,
   with the process's peak memory;
2. the idle tick (nothing due), median of 20;
3. a tick with 1,000 pairs due (1,000 rounds opened, yesterday's closed as expired);
4. a reveal: the answer that completes one round, as an update through the Application
   (median of 20 pairs), the flush of the reveal to both included.

None of these should grow with the pairs that are not involved. Usage:
python benchmarks/bench_scale.py [SIZES...]   (default 10000 100000).
"""

from __future__ import annotations

import asyncio
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

#: The instant the measurements run at: 12:00 UTC, today's 20:00 Berlin slot still ahead.
NOW = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
SLOT = datetime(2026, 3, 3, 19, 0, tzinfo=UTC)  # 20:00 in Berlin (CET)
FIRST_USER = 1_000_000
HISTORY = 3
DUE = 1_000


def _ts(at: datetime) -> str:
    """An instant as SQLAlchemy stores a naive UTC datetime in SQLite."""
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


async def _migrate(path: Path) -> None:
    """An empty Tandem database (schema and key file) at ``path``."""
    from bot.storage.database import open_database

    engine = await open_database(_url(path), [])
    await engine.dispose()


def populate(path: Path, n: int, question: str) -> None:
    """Write ``n`` pairs in a steady state (see the module docstring) straight into SQLite."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA foreign_keys=OFF")
    created = _ts(NOW - timedelta(days=30))
    users, pairs, rounds, questions, answers, due = [], [], [], [], [], []
    round_id = 0
    for p in range(1, n + 1):
        a, b = FIRST_USER + 2 * p, FIRST_USER + 2 * p + 1
        for uid, name in ((a, f"A{p}"), (b, f"B{p}")):
            users.append((uid, name, "en", "Europe/Berlin", 1, p, created, created))
        pairs.append((p, a, b, "2026-03-02", created))
        for days in range(HISTORY + 1, 0, -1):
            round_id += 1
            opened = SLOT - timedelta(days=days)
            last = days == 1
            rounds.append(
                (
                    round_id,
                    p,
                    "open" if last else "revealed",
                    _ts(opened),
                    _ts(opened + timedelta(days=1)),
                    None if last else _ts(opened + timedelta(hours=2)),
                )
            )
            questions.append((round_id, question))
            for uid in (a,) if last else (a, b):
                answers.append((round_id, uid, str(1 + (uid + days) % 5), _ts(opened)))
        due.append(("open_round", f"pair:{p}", _ts(SLOT), created))
        due.append(("expire", f"round:{round_id}", _ts(SLOT), created))
        due.append(("remind", f"round:{round_id}:{b}", _ts(SLOT - timedelta(hours=2)), created))
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO pairs (id, user_a, user_b, status, timezone, frequency, weekday, "
        "time_of_day, paused, last_round_date, deeper_a, deeper_b, created_at, retention) "
        "VALUES (?, ?, ?, 'active', 'Europe/Berlin', 'daily', 0, '20:00', 0, ?, 0, 0, ?, "
        "'forever')",
        pairs,
    )
    db.executemany(
        "INSERT INTO users (id, first_name, language_code, timezone, active, pair_id, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        users,
    )
    db.executemany(
        "INSERT INTO rounds (id, pair_id, origin, kind, status, opened_at, expires_at, "
        "closed_at, version) VALUES (?, ?, 'scheduled', 'light', ?, ?, ?, ?, 0)",
        rounds,
    )
    db.executemany(
        "INSERT INTO round_questions (round_id, position, question_id) VALUES (?, 0, ?)",
        questions,
    )
    db.executemany(
        "INSERT INTO answers (round_id, position, user_id, value, skipped, answered_at, "
        "updated_at) VALUES (?, 0, ?, ?, 0, ?, ?4)",
        answers,
    )
    db.executemany(
        "INSERT INTO due_work (kind, subject, due_at, attempts, created_at) VALUES (?, ?, ?, 0, ?)",
        due,
    )
    db.commit()
    db.execute("ANALYZE")
    db.close()


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM: ``ru_maxrss`` would report the parent's
    peak, which Linux carries over a vfork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _child_tandem(path: Path) -> str:
    from bot.sandbox import sandbox
    from scheduler.clock import ManualClock

    c0, t0 = time.process_time(), time.perf_counter()
    async with sandbox(_url(path), clock=ManualClock(NOW)):
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return f"{wall:.2f} s ({cpu:.2f} s CPU), peak {_peak_mb():.0f} MB"


async def _child_apscheduler(n: int) -> str:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler
    from apscheduler.triggers.cron import CronTrigger

    async def open_round(pair_id: int) -> None:
        """What each job would do."""

    c0, t0 = time.process_time(), time.perf_counter()
    scheduler = AsyncIOScheduler(timezone="UTC")
    for p in range(1, n + 1):
        trigger = CronTrigger(hour=20, minute=0, timezone="Europe/Berlin")
        scheduler.add_job(open_round, trigger, args=(p,), id=f"pair:{p}")
    scheduler.start()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    scheduler.shutdown(wait=False)
    return f"{wall:.2f} s ({cpu:.2f} s CPU), peak {_peak_mb():.0f} MB"


def _in_child(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


async def measure(path: Path, n: int) -> None:
    from bot.emulator import FakeBotAPI
    from bot.sandbox import sandbox
    from scheduler.clock import ManualClock

    print(f"{n} pairs: start-up {_in_child('--tandem', str(path))}")
    print(f"{n} pairs: one APScheduler job per pair {_in_child('--apscheduler', str(n))}")
    clock = ManualClock(NOW)
    fake = FakeBotAPI(clock=clock.now)
    async with sandbox(_url(path), clock=clock, fake=fake, rate_limit=False) as box:
        runner = box.runtime.runner
        idle = []
        for _ in range(20):
            t0 = time.perf_counter()
            report = await runner.tick(clock.now())
            idle.append(time.perf_counter() - t0)
            assert report.handled == 0, report
        print(f"{n} pairs: idle tick {statistics.median(idle) * 1000:.2f} ms (median of 20)")

        # 1,000 pairs come due (the others stay at tonight's slot).
        db = sqlite3.connect(path)
        db.execute(
            "UPDATE due_work SET due_at = ? WHERE kind = 'open_round' AND id IN "
            "(SELECT id FROM due_work WHERE kind = 'open_round' ORDER BY id LIMIT ?)",
            (_ts(NOW), DUE),
        )
        db.commit()
        db.close()
        c0, t0 = time.process_time(), time.perf_counter()
        report = await runner.tick(clock.now())
        took, cpu = time.perf_counter() - t0, time.process_time() - c0
        assert report.kinds.get("open_round") == DUE, report
        print(
            f"{n} pairs: tick with {DUE} due: {took:.2f} s = {DUE / took:.0f} rounds/s, "
            f"CPU {cpu / DUE * 1000:.2f} ms per round (yesterday's round of each expired first)"
        )
        # The wave's questions would go to chats this emulator never saw: not part of this.
        db = sqlite3.connect(path)
        db.execute("DELETE FROM outbox")
        db.commit()
        db.close()

        # Reveals: partner B answers yesterday's round of pairs far from the ones just opened.
        reveals, cpus = [], []
        for p in range(n - 20, n):
            a, b = FIRST_USER + 2 * p, FIRST_USER + 2 * p + 1
            fake.private_chat(a)
            user_b = fake.user(b, f"B{p}")
            round_id = p * (HISTORY + 1)
            c0, t0 = time.process_time(), time.perf_counter()
            await user_b.press_data(1, f"a:{round_id}:0:3")
            reveals.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
            assert fake.chats[a].messages, "no reveal reached partner A"
        print(
            f"{n} pairs: a reveal (the completing answer through the Application) "
            f"{statistics.median(reveals) * 1000:.1f} ms, "
            f"CPU {statistics.median(cpus) * 1000:.1f} ms (medians of 20)"
        )


def main() -> None:
    if sys.argv[1:2] == ["--tandem"]:
        print(asyncio.run(_child_tandem(Path(sys.argv[2]))))
        return
    if sys.argv[1:2] == ["--apscheduler"]:
        print(asyncio.run(_child_apscheduler(int(sys.argv[2]))))
        return
    sizes = [int(a) for a in sys.argv[1:]] or [10_000, 100_000]
    from content.loader import load_content

    question = next(q.id for q in load_content().questions.values() if q.kind == "scale")
    for n in sizes:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "scale.sqlite3"
            asyncio.run(_migrate(path))
            t0 = time.perf_counter()
            populate(path, n, question)
            print(f"{n} pairs: written in {time.perf_counter() - t0:.1f} s")
            asyncio.run(measure(path, n))


if __name__ == "__main__":
    main()
