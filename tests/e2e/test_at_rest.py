"""At rest (issue 9): what partners type never sits in the database file in plain text, yet
the bot shows it at the reveal; /delete leaves nothing of the user in the file; the operator's
commands (keys, backup) and a start-up with the wrong key or a refused token say one line and
change nothing, and no line carries a key or the token."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from bot import texts
from bot.cli import main
from bot.emulator import FakeBotAPI, FakeUser
from bot.sandbox import Sandbox, sandbox
from bot.storage.crypt import new_key
from scheduler.clock import ManualClock
from tests.conftest import START, Picker, invite_link, open_round, start_user
from tests.databases import checkpointed_bytes, file_of
from tests.e2e.helpers import reveals, type_answer

ALEX_SAYS = "MARKER-alex-typed-we-never-talk-about-money"
SAM_SAYS = "MARKER-sam-typed-more-walks-on-sundays"


async def pair_of(box: Sandbox, alex: FakeUser, sam: FakeUser) -> None:
    """``alex`` invites ``sam``, who accepts (both in Berlin)."""
    await start_user(alex, "Berlin")
    await start_user(sam, "Berlin")
    await alex.send("/pair")
    await sam.open_link(invite_link(alex))
    await sam.press("Accept")


async def test_typed_answers_are_shown_at_the_reveal_but_never_stored_in_plain_text(
    box: Sandbox, picker: Picker
) -> None:
    picker.prefer = "open"
    alex, sam = box.fake.user(1001, "Alex"), box.fake.user(1002, "Sam")
    await pair_of(box, alex, sam)
    await open_round(box, alex, sam)
    await alex.send(ALEX_SAYS)  # shown back first: an unconfirmed draft, encrypted
    url = box.settings.database_url
    assert ALEX_SAYS.encode() not in checkpointed_bytes(url)
    await alex.press(texts.BTN_TYPED_SEND)
    assert ALEX_SAYS.encode() not in checkpointed_bytes(url)  # waiting, private, encrypted
    await sam.press(texts.BTN_WRITE)

    # Telegram holds the reveals back for a while: they wait in the outbox, still encrypted.
    box.fake.fail_next(
        "sendMessage",
        error_code=429,
        description="Too Many Requests: retry after 30",
        retry_after=30,
        count=2,
    )
    await sam.send(SAM_SAYS)
    assert await box.runtime.outbox.pending() > 0
    raw = checkpointed_bytes(url)
    assert ALEX_SAYS.encode() not in raw and SAM_SAYS.encode() not in raw
    await box.advance(timedelta(minutes=2), step=timedelta(seconds=10))
    for user in (alex, sam):
        assert ALEX_SAYS in reveals(user)[-1] and SAM_SAYS in reveals(user)[-1]


async def test_delete_leaves_nothing_of_the_user_in_the_database_file(
    box: Sandbox, picker: Picker
) -> None:
    first_name, username = "Zorblatt-MARKER-first", "zorblatt_marker_user"
    alex = box.fake.user(7001, first_name, username=username)
    sam = box.fake.user(7002, "Sam")
    await pair_of(box, alex, sam)
    picker.prefer = "open"
    await open_round(box, alex, sam)
    await type_answer(alex, ALEX_SAYS)
    await type_answer(sam, SAM_SAYS)  # revealed: both answers stored, both shown
    assert ALEX_SAYS in reveals(sam)[-1]
    # The next day's round (ticking through its 20:00 opening): Alex answers alone.
    await box.advance(timedelta(days=1), step=timedelta(hours=1))
    await type_answer(alex, "MARKER-unrevealed-answer")
    assert alex.chat.last.text.startswith("Saved. Your answer: MARKER-unrevealed-answer")
    names = checkpointed_bytes(box.settings.database_url)
    assert first_name.encode() in names and username.encode() in names  # the grep can see

    await alex.send("/delete")
    # What Sam is told meanwhile waits in the outbox (Telegram says: later).
    box.fake.fail_next(
        "sendMessage",
        error_code=429,
        description="Too Many Requests: retry after 30",
        retry_after=30,
        count=5,
    )
    await alex.press(texts.DELETE_YES)
    await box.advance(timedelta(minutes=5), step=timedelta(seconds=10))
    assert alex.chat.last.text.startswith(texts.DELETE_DONE)
    assert texts.PAIR_ENDED_NOTICE in sam.chat.texts()
    assert await box.runtime.outbox.pending() == 0

    raw = checkpointed_bytes(box.settings.database_url).lower()
    markers = [first_name, username, ALEX_SAYS, "MARKER-unrevealed-answer"]
    assert [m for m in markers if m.lower().encode() in raw] == []


# ------------------------------------------------------------ the operator's commands (sync)


@pytest.fixture
def telegram() -> FakeBotAPI:
    """One emulated Telegram for every process a test starts (update ids go on counting)."""
    return FakeBotAPI(clock=ManualClock(START).now)


def seed(db_url: str, fake: FakeBotAPI) -> None:
    """A running Tandem on ``db_url`` (its key file made on the first run) where Alex and Sam
    typed answers to a revealed round; then the process stops."""

    async def play() -> None:
        clock = ManualClock(START)
        picker = Picker()
        picker.prefer = "open"
        async with sandbox(db_url, clock=clock, fake=fake, picker=picker) as box:
            alex, sam = box.fake.user(1001, "Alex"), box.fake.user(1002, "Sam")
            await pair_of(box, alex, sam)
            await open_round(box, alex, sam)
            await type_answer(alex, ALEX_SAYS)
            await type_answer(sam, SAM_SAYS)
            assert ALEX_SAYS in reveals(sam)[-1]

    asyncio.run(play())


def history_of_alex(db_url: str, fake: FakeBotAPI) -> str:
    """What Alex's /history shows, from a new process on ``db_url``."""

    async def look() -> str:
        async with sandbox(db_url, clock=ManualClock(START), fake=fake) as box:
            alex = box.fake.user(1001, "Alex")
            await alex.send("/history")
            return alex.chat.last.text

    return asyncio.run(look())


def one_line(err: str) -> str:
    line = err.strip()
    assert line.startswith("tandem: ") and "\n" not in line, err
    return line


def test_a_wrong_or_missing_key_stops_start_up_with_one_line_and_changes_nothing(
    db_url: str,
    telegram: FakeBotAPI,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    restored_logging: None,
) -> None:
    seed(db_url, telegram)
    key_file = Path(f"{file_of(db_url)}.key")
    before, key = checkpointed_bytes(db_url), key_file.read_bytes()
    monkeypatch.setenv("DATABASE_URL", db_url)

    wrong = new_key()
    monkeypatch.setenv("ENCRYPTION_KEYS", wrong)
    assert main(["db", "upgrade"]) == 2
    line = one_line(capsys.readouterr().err)
    assert "ENCRYPTION_KEYS does not open" in line and wrong not in line
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", telegram.token)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    assert main(["run"], request=telegram) == 2  # the bot itself does not start either
    line = one_line(capsys.readouterr().err)
    assert "ENCRYPTION_KEYS does not open" in line and telegram.token not in line

    monkeypatch.delenv("ENCRYPTION_KEYS")
    key_file.unlink()
    assert main(["db", "upgrade"]) == 2
    line = one_line(capsys.readouterr().err)
    assert "key file" in line and "missing" in line
    assert not key_file.exists()  # no new key made over encrypted rows
    assert checkpointed_bytes(db_url) == before

    key_file.write_bytes(key)
    assert ALEX_SAYS in history_of_alex(db_url, telegram)


def test_rotate_then_the_old_key_can_go(
    db_url: str,
    telegram: FakeBotAPI,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seed(db_url, telegram)
    key_file = Path(f"{file_of(db_url)}.key")
    old = key_file.read_text().strip()
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert main(["keys", "new"]) == 0
    new = capsys.readouterr().out.strip()
    assert len(new) == 44 and new != old

    monkeypatch.setenv("ENCRYPTION_KEYS", f"{new},{old}")
    assert main(["keys", "rotate"]) == 0
    out = capsys.readouterr().out
    assert "answers.text: 2 re-encrypted" in out and new not in out and old not in out

    monkeypatch.setenv("ENCRYPTION_KEYS", new)  # the old key removed
    shown = history_of_alex(db_url, telegram)
    assert ALEX_SAYS in shown and SAM_SAYS in shown

    before = checkpointed_bytes(db_url)
    monkeypatch.setenv("ENCRYPTION_KEYS", old)  # a key that no longer opens anything
    assert main(["keys", "rotate"]) == 2
    line = one_line(capsys.readouterr().err)
    assert "does not open" in line and old not in line
    assert checkpointed_bytes(db_url) == before


def test_backup_is_a_consistent_copy_and_refuses_an_existing_path(
    db_url: str,
    telegram: FakeBotAPI,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    seed(db_url, telegram)
    monkeypatch.setenv("DATABASE_URL", db_url)
    target = tmp_path / "copy.sqlite3"
    assert main(["db", "backup", str(target)]) == 0
    assert "key" in capsys.readouterr().out
    conn = sqlite3.connect(target)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM answers").fetchone() == (2,)
    finally:
        conn.close()
    assert ALEX_SAYS.encode() not in target.read_bytes()
    copy = target.read_bytes()
    assert main(["db", "backup", str(target)]) == 2
    assert "exists already" in one_line(capsys.readouterr().err)
    assert target.read_bytes() == copy


def test_a_refused_token_stops_run_with_one_line_that_does_not_carry_it(
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    restored_logging: None,
) -> None:
    fake = FakeBotAPI(clock=ManualClock(START).now)
    token = "987654321:" + "Z" * 35  # well-formed, but not this bot's: 401 Unauthorized
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", token)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    assert main(["run"], request=fake) == 2
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert "tandem: Telegram refused TELEGRAM_BOT_TOKEN" in output
    # (Since issue 10 `run` starts the Application itself: python-telegram-bot's retry loop,
    # which logged the refusal with the token in it, masked, is no longer on the way.)
    assert token not in output and "Z" * 35 not in output
