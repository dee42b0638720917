"""Hot statements do not grow with pairs that are not involved (issue 10, "Scale"): the
statements of a scheduled opening (a wave of two pairs, batched), an answer that completes a
round, a typed answer, an expiry, a reminder, an idle tick, the outbox flush and the update
ledger, and of one user's commands (pairing, an exercise both pick, /history, /settings,
/unpair, pairing again, /delete), are captured as the real Application runs them on SQLite,
and each one's ``EXPLAIN QUERY PLAN`` must reach every table that grows with the number of
pairs through an index (``SEARCH``), never ``SCAN`` it. The same indexes serve PostgreSQL
(migration 0009)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event

from bot import texts
from bot.sandbox import Sandbox
from bot.storage.tables import metadata
from tests.conftest import Picker, invite_link, make_pair, open_round, start_user
from tests.databases import file_of
from tests.e2e.helpers import offer_of, option_titles

#: Tables whose size does not grow with pairs: they may be scanned. ``facilitators``,
#: ``cohort_facilitators`` and ``cohorts`` grow with the staff an admin appoints and the
#: cohorts they run (tens), ``alembic_version`` holds one row.
SMALL_TABLES = frozenset({"facilitators", "cohort_facilitators", "cohorts", "alembic_version"})
#: Every other table grows with users and pairs.
GROWING = frozenset(metadata.tables) - SMALL_TABLES


@contextmanager
def captured(box: Sandbox) -> Iterator[list[tuple[str, Any]]]:
    """Every statement (with its parameters) the running bot sends to SQLite meanwhile."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    engine = box.runtime.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def scans(box: Sandbox, statements: list[tuple[str, Any]]) -> dict[str, list[str]]:
    """Each statement that scans a growing table -> the plan lines that do."""
    found: dict[str, list[str]] = {}
    conn = sqlite3.connect(file_of(box.settings.database_url))
    try:
        for statement, parameters in statements:
            if not re.match(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", statement, re.I):
                continue  # BEGIN, COMMIT, PRAGMA
            if isinstance(parameters, list):  # executemany: one row's parameters will do
                parameters = parameters[0]
            plan = conn.execute(f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall()
            bad = [
                detail
                for *_, detail in plan
                if (m := re.match(r"SCAN (\w+)", detail))
                and re.sub(r"_\d+$", "", m.group(1)) in GROWING
            ]
            if bad:
                found[" ".join(statement.split())] = bad
    finally:
        conn.close()
    return found


async def test_hot_statements_use_an_index_for_every_growing_table(
    box: Sandbox, picker: Picker
) -> None:
    alex, sam = await make_pair(box)  # daily at 20:00 Berlin
    kim, lee = box.fake.user(1003, "Kim"), box.fake.user(1004, "Lee")
    for user in (kim, lee):
        await start_user(user, "Berlin")
    await kim.send("/pair")
    await lee.open_link(invite_link(kim))
    await lee.press("Accept")
    due = await box.runtime.tandem.next_round_at_for(alex.user_id)
    assert due is not None
    with captured(box) as statements:
        box.clock.set(due)
        await box.tick()  # both pairs' openings, one wave (the batch), through the outbox
        assert "Check-in" in lee.chat.last.text
        await alex.press("3")
        await sam.press("4")  # completes the round: the reveal
        assert "Alex" in sam.chat.last.text or "Sam" in alex.chat.last.text
        box.clock.set(due + timedelta(days=1))
        await box.tick()  # the next opening
        await sam.press("2")
        await box.advance(timedelta(hours=12), step=timedelta(hours=3))  # the reminder
        box.clock.set(due + timedelta(days=2))
        await box.tick()  # the next opening expires the half-answered round
        await alex.press("1")
        await sam.press("1")
        picker.prefer = "open"
        await open_round(box, alex, sam)
        await alex.send("We walk on Sundays")  # a typed answer, shown back first
        await alex.press("Send")
        await box.tick()  # idle
        await box.runtime.updates.prune(box.clock.now())
    assert len(statements) > 100
    assert scans(box, statements) == {}


async def test_one_users_commands_use_an_index_for_every_growing_table(box: Sandbox) -> None:
    with captured(box) as statements:
        alex, sam = await make_pair(box)  # /start, a timezone, an invite accepted
        await open_round(box, alex, sam)
        await alex.press("5")
        await sam.press("1")  # a mismatch: an exercise offer, both pick
        label = f"1. {option_titles(offer_of(alex))[0]}"
        await alex.press(label)
        await sam.press(label)
        assert any(t.startswith("You both picked") for t in alex.chat.texts())
        await alex.send("/history")
        await alex.send("/settings")
        await sam.send("/unpair")
        await sam.press("Yes, end it")
        await alex.send("/pair")  # the same two again
        await sam.open_link(invite_link(alex))
        await sam.press("Accept")
        await alex.send("/delete")
        await alex.press(texts.DELETE_YES)
        assert alex.chat.last.text != sam.chat.last.text
    assert len(statements) > 100
    assert scans(box, statements) == {}
