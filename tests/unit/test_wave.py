"""A wave opened in one batch (``bot.domain.wave``) leaves exactly what opening its pairs one by
one leaves (issue 10): the same rounds, questions, messages (text, buttons, priority, lateness
bound, per-chat order), due work, slots and ``awaiting``s, for plain pairs and every case that
takes the one-by-one path inside the batch."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain import rounds, wave
from bot.domain.deps import Config, Deps
from bot.domain.people import UserInfo
from bot.domain.subjects import AwaitAnswer, AwaitTime, DueKind, PairSubject
from bot.sandbox import shipped_content
from bot.storage.database import create_engine
from bot.storage.queues import SqlDueWorkStore
from bot.storage.tables import due_work, outbox, pairs, round_questions, users
from bot.storage.tables import rounds as rounds_table
from bot.storage.uow import transactions
from bot.telegram.charts import render_chart
from scheduler.clock import ManualClock
from tests.conftest import START, Picker
from tests.databases import TEST_KEYRING, copy_of
from tests.unit.conftest import pair_up

PAIRS = 7


async def _world(folder: Path, template: Path, name: str) -> tuple[Deps, AsyncEngine, ManualClock]:
    engine = create_engine(copy_of(template, folder, name), TEST_KEYRING)
    clock = ManualClock(START)
    picker = Picker()
    picker.prefer = "open"  # an open question ends a pending ``awaiting``
    deps = Deps(
        db=transactions(engine),
        clock=clock,
        content=shipped_content(),
        config=Config(),
        picker=picker,
        render_chart=render_chart,
    )
    return deps, engine, clock


def _people(i: int) -> tuple[UserInfo, UserInfo]:
    return UserInfo(2000 + 2 * i, f"A{i}", language_code="en"), UserInfo(
        2001 + 2 * i, f"B{i}", language_code="de" if i % 2 else "en"
    )


async def _set_up(deps: Deps, clock: ManualClock) -> datetime:
    """Seven pairs due at one instant: plain ones, a ``/checkin`` round open, paused, one
    partner awaiting a time and one an answer, one whose row is later than the bound."""
    for i in range(PAIRS):
        await pair_up(deps, *_people(i))
    async with deps.db.write() as tx:
        due = await tx.due.due_at(DueKind.OPEN_ROUND, PairSubject(1))
        assert due is not None
        await tx.pairs.set_schedule(3, paused=True, paused_by=_people(2)[0].id)
        await tx.users.set_awaiting(_people(3)[0].id, AwaitTime())
        await tx.users.set_awaiting(_people(3)[1].id, AwaitAnswer(99, 0))
        await tx.due.schedule(DueKind.OPEN_ROUND, PairSubject(6), due - timedelta(minutes=20), due)
    await rounds.checkin(deps, _people(1)[0])  # pair 2: its /checkin round covers the slot
    return due


async def _open(deps: Deps, engine: AsyncEngine, now: datetime, *, batched: bool) -> None:
    """Claim the ``open_round`` rows due at ``now`` and open them in one batch or one by one
    (expiries and reminders are left: a round of the day before is still open)."""
    store = SqlDueWorkStore(engine)
    items = [i for i in await store.claim_due(now, timedelta(minutes=5), 100, "t")]
    opening = [i for i in items if i.kind == DueKind.OPEN_ROUND.value]
    assert len(opening) >= PAIRS - 1  # the paused pair's row went on the first day
    if batched:
        results = await wave.due_open_rounds(deps, opening, now)
    else:
        results = {i.id: await rounds.due_open_round(deps, i, now) for i in opening}
    await store.finish_many([(i, results[i.id]) for i in opening])
    for other in items:
        if other.kind != DueKind.OPEN_ROUND.value:
            await store.release(other, now + timedelta(days=30))


async def _state(engine: AsyncEngine) -> dict[str, Any]:
    """Everything an opening writes, round ids replaced by their pair and opening instant."""
    async with engine.connect() as conn:
        found = (await conn.execute(select(rounds_table).order_by(rounds_table.c.id))).all()
        names = {int(r.id): f"<{r.pair_id}@{r.opened_at:%d}>" for r in found}

        def named(text: object) -> str:
            def name(m: re.Match[str]) -> str:
                return m.group(1) + names[int(m.group(2))]

            return re.sub(r"(\b[aw]:|round:)(\d+)", name, str(text))

        asked = (await conn.execute(select(round_questions))).all()
        queued = (await conn.execute(select(outbox).order_by(outbox.c.id))).all()
        due = (await conn.execute(select(due_work))).all()
        slots = (await conn.execute(select(pairs.c.id, pairs.c.last_round_date))).all()
        waiting = (await conn.execute(select(users.c.id, users.c.awaiting))).all()
    return {
        "rounds": sorted(
            (names[int(r.id)], r.origin, r.kind, r.status, r.expires_at, r.closed_at) for r in found
        ),
        "asked": sorted((names[int(a.round_id)], a.position, a.question_id) for a in asked),
        "outbox": {
            chat: [
                (named(q.text), named(q.buttons), q.priority, q.not_after, q.protect)
                for q in queued
                if q.user_id == chat
            ]
            for chat in {int(q.user_id) for q in queued}
        },
        "due": sorted((d.kind, named(d.subject), d.due_at) for d in due),
        "slots": sorted(slots),
        "awaiting": sorted((u.id, named(u.awaiting)) for u in waiting),
    }


async def test_a_batch_opens_a_wave_exactly_as_one_by_one(
    tmp_path: Path, unit_template: Path
) -> None:
    states = []
    for batched in (False, True):
        deps, engine, clock = await _world(tmp_path, unit_template, f"{batched}.sqlite3")
        try:
            due = await _set_up(deps, clock)
            for day in range(2):  # the second day: the first day's rounds are still open
                clock.set(due + timedelta(days=day, seconds=5))
                await _open(deps, engine, clock.now(), batched=batched)
            states.append(await _state(engine))
        finally:
            await engine.dispose()
    one_by_one, batch = states
    assert batch == one_by_one
    opened = [r for r in batch["rounds"] if r[1] == "scheduled"]
    # The first day neither the paused, the covered nor the late pair; the second day the
    # late pair too (its next slot was not late).
    assert len(opened) == (PAIRS - 3) + (PAIRS - 2)
    assert any(r[3] == "expired" for r in opened)  # the first day's, closed by the second
