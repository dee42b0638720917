"""Handing claims back, and a lean start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import cast

from bot.domain.messages import Message
from bot.leases import REMEMBER, ClaimLedger, ClaimRecorder
from bot.sandbox import Sandbox
from bot.storage.ops import SqlOps
from bot.storage.outbox import SqlOutboxQueue
from bot.storage.queues import SqlDueWorkStore, schedule_due
from scheduler.due import DueWorkStore

LEASE = timedelta(seconds=60)


async def test_release_frees_only_this_process_claims_and_gives_the_attempt_back(
    box: Sandbox,
) -> None:
    engine, now = box.runtime.engine, box.clock.now()
    async with engine.begin() as conn:
        for pair in (1, 2):
            await schedule_due(conn, "retention", f"pair:{pair}", now, now)
    outbox = SqlOutboxQueue(engine)
    for n in range(3):
        await outbox.add(Message(100 + n, f"text {n}"), now)
    ledger = ClaimLedger()
    mine = cast(DueWorkStore, ClaimRecorder(SqlDueWorkStore(engine), ledger))
    assert len(await mine.claim_due(now, LEASE, 1, "due-mine")) == 1
    assert len(await SqlDueWorkStore(engine).claim_due(now, LEASE, 1, "due-other")) == 1
    mine_outbox = ClaimRecorder(outbox, ledger)
    assert len(await mine_outbox.claim(now, LEASE, 2, "out-mine")) == 2
    assert await outbox.pending() == 3  # the wrapper is transparent
    assert ledger.tokens() == {"due-mine", "out-mine"}

    assert await SqlOps(engine).release_claims(ledger.tokens()) == 3
    again = await SqlDueWorkStore(engine).claim_due(now, LEASE, 10, "next")
    assert [item.attempts for item in again] == [1]  # the other process's row stays held
    taken = await outbox.claim(now, LEASE, 10, "next")
    assert sorted(i.user_id for i in taken) == [100, 101, 102]
    assert {i.attempts for i in taken} == {1}  # the handed-back claim did not count
    assert await SqlOps(engine).release_claims([]) == 0


def test_the_ledger_forgets_tokens_older_than_any_lease() -> None:
    now = [0.0]
    ledger = ClaimLedger(monotonic=lambda: now[0])
    ledger.note("old")
    now[0] += REMEMBER + 1
    ledger.note("new")
    assert ledger.tokens() == {"new"}


def test_starting_imports_no_matplotlib() -> None:
    """Only /insights draws: the CLI, the composition root and the webhook app start without
    matplotlib (it was a third of the import time)."""
    code = (
        "import sys, bot.cli, bot.runtime, bot.telegram.serve; print('matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_metrics_from_several_processes_add_up(tmp_path: Path) -> None:
    """With PROMETHEUS_MULTIPROC_DIR, two processes count, a third exposes the sum."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    count = "from bot.metrics import UPDATES; UPDATES.labels(kind='message').inc({n})"
    for n in (2, 3):
        subprocess.run([sys.executable, "-c", count.format(n=n)], env=env, check=True)
    show = f"from bot.metrics import exposition; print(exposition({str(tmp_path)!r})[0].decode())"
    out = subprocess.run(
        [sys.executable, "-c", show], env=env, capture_output=True, text=True, check=True
    )
    assert 'tandem_updates_handled_total{kind="message"} 5.0' in out.stdout
