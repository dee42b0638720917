"""Free text at rest (issue 9, "At rest"): what a partner typed and every queued message is
encrypted in the database (file); button answers stay plain; the keys come from
ENCRYPTION_KEYS or a key file made once beside the database; keys that do not fit change
nothing; rotation re-encrypts everything under the newest key."""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.messages import Button, Message
from bot.domain.model import Answer, Origin, RoundKind, TypedDraft
from bot.sandbox import shipped_content
from bot.storage import tables
from bot.storage.crypt import ENCRYPTED, EncryptedText, Keyring, KeyringError, new_key
from bot.storage.database import create_engine, open_database, upgrade
from bot.storage.rotation import check_all, rotate_all
from bot.storage.uow import transactions
from tests.databases import TEST_KEY, checkpointed_bytes, downgrade, file_of, stored_bytes
from tests.storage.conftest import NOW, seed_pair

TYPED = "MARKER-typed-answer-about-our-sundays"
QUEUED = "MARKER-queued-reveal-text"
LABEL = "MARKER-button-label"
BROADCAST = "MARKER-broadcast-from-the-facilitator"
DRAFT = "MARKER-cohort-draft-name"
UNCONFIRMED = "MARKER-typed-but-not-yet-sent"
MARKERS = (TYPED, QUEUED, LABEL, BROADCAST, DRAFT, UNCONFIRMED)


def disk(path: Path) -> bytes | None:
    """The file's bytes, or None when there is no such file."""
    return path.read_bytes() if path.exists() else None


def put(path: Path, data: bytes | None) -> None:
    """Write ``data`` to ``path``, or remove the file for None."""
    if data is None:
        path.unlink()
    else:
        path.write_bytes(data)


def mode(path: Path) -> int:
    """The file's permission bits."""
    return stat.S_IMODE(path.stat().st_mode)


async def fill(engine: AsyncEngine) -> int:
    """One of everything that holds typed or queued text; returns the round's id."""
    db = transactions(engine)
    pair = await seed_pair(db)
    async with db.write() as tx:
        round_ = await tx.rounds.create(
            pair_id=pair.id,
            origin=Origin.CHECKIN,
            kind=RoundKind.LIGHT,
            opened_at=NOW,
            expires_at=NOW + timedelta(days=1),
            question_ids=["scale-q", "open-q"],
        )
        await tx.answers.save(Answer(round_.id, 0, 1001, "4", False), NOW)
        await tx.answers.save(Answer(round_.id, 1, 1001, TYPED, False, typed=True), NOW)
        keyboard = ((Button(LABEL, "x:1"),),)
        await tx.outbox.enqueue(Message(1002, QUEUED, keyboard), NOW)
        cohort = await tx.cohorts.create(
            name="Spring",
            program_id="p",
            start_date=NOW.date(),
            checkin_days=(0,),
            timezone="UTC",
            session_weekday=None,
            session_time=None,
            token_hash="h" * 64,
            created_by=1001,
            now=NOW,
        )
        await tx.broadcasts.create(cohort.id, 1001, BROADCAST, NOW)
        await tx.drafts.save(1001, "name", {"name": DRAFT}, NOW)
        await tx.answers.put_draft(TypedDraft(1002, round_.id, 1, UNCONFIRMED, 7), NOW)
    return round_.id


def test_every_encrypted_column_is_listed_for_the_checks() -> None:
    typed = {
        (t.name, c.name)
        for t in tables.metadata.tables.values()
        for c in t.columns
        if isinstance(c.type, EncryptedText)
    }
    assert typed == {(s.table, s.column) for s in ENCRYPTED}


async def test_typed_text_and_queued_messages_are_not_in_the_file_but_read_back_plain(
    engine: AsyncEngine,
) -> None:
    round_id = await fill(engine)
    raw = await stored_bytes(engine)
    assert [m for m in MARKERS if m.encode() in raw] == []
    async with transactions(engine).read() as tx:
        given = {a.position: a for a in await tx.answers.of_round(round_id)}
        draft = await tx.drafts.get(1001)
        unconfirmed = await tx.answers.draft_of(1002)
    assert unconfirmed is not None and unconfirmed.text == UNCONFIRMED
    assert given[1].value == TYPED and given[1].typed
    assert given[0].value == "4" and not given[0].typed
    assert draft is not None and draft.fields == {"name": DRAFT}
    async with engine.connect() as conn:
        plain = await conn.execute(text("SELECT value, text FROM answers ORDER BY position"))
        rows = plain.all()
    assert rows[0] == ("4", None)  # a scale answer stays plain for aggregates
    assert rows[1][0] is None and rows[1][1].startswith("gAAAAA")  # a Fernet token


def test_a_keyring_names_no_key_and_refuses_what_it_cannot_open() -> None:
    key = new_key()
    ring = Keyring([key])
    assert key not in repr(ring) and repr(ring) == "Keyring(1 key)"
    token = Keyring([new_key()]).encrypt("hello")
    with pytest.raises(KeyringError) as caught:
        ring.decrypt(token)
    assert key not in str(caught.value)
    with pytest.raises(KeyringError, match="key 2 is not a Fernet key"):
        Keyring([key, "not-a-key"])


async def test_first_run_makes_a_private_key_file_and_later_runs_read_it(db_url: str) -> None:
    key_file = Path(f"{file_of(db_url)}.key")
    engine = await open_database(db_url, [])
    await fill(engine)
    await engine.dispose()
    assert mode(key_file) == 0o600
    first = disk(key_file)
    again = await open_database(db_url, [])
    async with transactions(again).read() as tx:
        assert (await tx.drafts.get(1001)) is not None
    await again.dispose()
    assert disk(key_file) == first


async def test_a_missing_or_wrong_key_changes_nothing(db_url: str) -> None:
    path = file_of(db_url)
    key_file = Path(f"{path}.key")
    engine = await open_database(db_url, [])
    await fill(engine)
    await engine.dispose()
    before = disk(path)
    saved = disk(key_file)

    put(key_file, None)
    with pytest.raises(KeyringError, match="missing") as missing:
        await open_database(db_url, [])
    assert disk(key_file) is None  # no new key over encrypted rows
    wrong = new_key()
    with pytest.raises(KeyringError, match="does not open") as refused:
        await open_database(db_url, [wrong])
    put(key_file, new_key().encode() + b"\n")
    with pytest.raises(KeyringError, match="key file"):
        await open_database(db_url, [])
    assert disk(path) == before
    assert wrong not in str(refused.value) and "\n" not in str(missing.value)
    put(key_file, saved)
    ok = await open_database(db_url, [])
    await ok.dispose()


@pytest.mark.parametrize(
    "url", ["sqlite+aiosqlite:///:memory:", "postgresql+asyncpg://tandem:pw@db.invalid/tandem"]
)
async def test_a_database_that_is_not_a_file_needs_the_setting(url: str) -> None:
    with pytest.raises(KeyringError, match="ENCRYPTION_KEYS is not set"):
        await open_database(url, [])  # before connecting (no driver or server needed)


async def test_rotation_moves_everything_to_the_new_key(db_url: str) -> None:
    old, new = new_key(), new_key()
    engine = await open_database(db_url, [old])
    round_id = await fill(engine)
    await engine.dispose()

    both = await open_database(db_url, [new, old], migrate=False)
    report = await rotate_all(both, Keyring([new, old]), size=2)
    await both.dispose()
    assert {(r.table, r.column): r.rotated for r in report} == {
        ("answers", "text"): 1,
        ("outbox", "text"): 1,
        ("outbox", "buttons"): 1,
        ("broadcasts", "text"): 1,
        ("cohort_drafts", "fields"): 1,
        ("typed_answers", "text"): 1,
    }

    only_new = await open_database(db_url, [new])  # the old key is gone
    assert await check_all(only_new, Keyring([new])) == 6
    async with transactions(only_new).read() as tx:
        given = await tx.answers.of_round(round_id)
    await only_new.dispose()
    assert TYPED in [a.value for a in given]
    with pytest.raises(KeyringError, match="does not open"):
        await open_database(db_url, [old])


async def test_rotating_with_a_wrong_key_changes_nothing(db_url: str) -> None:
    engine = await open_database(db_url, [TEST_KEY])
    await fill(engine)
    before = checkpointed_bytes(db_url)
    wrong = Keyring([new_key()])
    with pytest.raises(KeyringError, match="nothing was changed"):
        await rotate_all(engine, wrong)
    await engine.dispose()
    assert checkpointed_bytes(db_url) == before


async def test_the_migration_encrypts_what_was_stored_in_plain_text(
    db_url: str, tmp_path: Path
) -> None:
    bank = shipped_content()
    scale = next(q.id for q in bank.questions.values() if q.kind == "scale")
    open_ = next(q.id for q in bank.questions.values() if q.kind == "open")
    legacy = create_engine(db_url)
    await upgrade(legacy, "0003")
    async with legacy.begin() as conn:
        await conn.exec_driver_sql(
            "INSERT INTO pairs (id, status, timezone, frequency, weekday, time_of_day, paused,"
            " created_at) VALUES (1, 'active', 'UTC', 'daily', 0, '20:00', 0, '2026-03-02')"
        )
        await conn.exec_driver_sql(
            "INSERT INTO rounds (id, pair_id, origin, kind, status, opened_at, expires_at,"
            " version) VALUES (1, 1, 'checkin', 'light', 'open', '2026-03-02', '2026-03-03', 0)"
        )
        await conn.exec_driver_sql(
            f"INSERT INTO round_questions VALUES (1, 0, '{scale}'), (1, 1, '{open_}')"
        )
        await conn.exec_driver_sql(
            "INSERT INTO answers (round_id, position, user_id, value, skipped, answered_at,"
            f" updated_at) VALUES (1, 0, 7, '3', 0, '2026-03-02', '2026-03-02'),"
            f" (1, 1, 7, '{TYPED}', 0, '2026-03-02', '2026-03-02')"
        )
        await conn.exec_driver_sql(
            "INSERT INTO outbox (user_id, text, created_at, next_attempt_at, attempts)"
            f" VALUES (7, '{QUEUED}', '2026-03-02', '2026-03-02', 0)"
        )
    await legacy.dispose()

    engine = await open_database(db_url, [])  # makes the key file, then migrates
    async with engine.connect() as conn:
        raw = (await conn.execute(text("SELECT value, text FROM answers ORDER BY position"))).all()
    assert raw[0] == ("3", None) and raw[1][0] is None
    assert [m for m in (TYPED, QUEUED) if m.encode() in checkpointed_bytes(db_url)] == []
    async with transactions(engine).read() as tx:
        given = {a.position: a.value for a in await tx.answers.of_round(1)}
    async with engine.connect() as conn:
        queued = (await conn.execute(select(tables.outbox.c.text))).scalars().all()
    assert given == {0: "3", 1: TYPED} and queued == [QUEUED]

    await downgrade(engine, "0003")  # and back: plain again
    async with engine.connect() as conn:
        back = (await conn.execute(text("SELECT value FROM answers ORDER BY position"))).scalars()
        assert list(back) == ["3", TYPED]
    await engine.dispose()
