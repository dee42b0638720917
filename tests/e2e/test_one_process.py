"""SQLite serves one process (issue 10): a second ``tandem run`` on the same file, while a real
first one runs in another process, is refused with one line naming the file and the first
process; once that process is killed, the operating system has released the lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.cli import main
from bot.emulator import DEFAULT_TOKEN, FakeBotAPI
from bot.storage.lock import DatabaseInUse, single_process
from tests.databases import file_of

ROOT = Path(__file__).resolve().parents[2]
#: ``tandem run`` in a process of its own, polling an emulator of its own.
FIRST = (
    "import sys\n"
    "from bot.cli import main\n"
    "from bot.emulator import FakeBotAPI\n"
    "sys.exit(main(['run'], request=FakeBotAPI()))\n"
)


def wait_for_holder(lock_file: Path, process: subprocess.Popen[bytes]) -> None:
    """Wait until ``process`` holds the lock (its pid in the lock file); fail if it ends or
    takes longer than a minute (a hang, not a measurement)."""
    deadline = time.monotonic() + 60
    while not (lock_file.exists() and lock_file.read_text().strip() == str(process.pid)):
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline, "the first tandem run never took the lock"
        time.sleep(0.05)


def test_a_second_process_on_one_sqlite_file_is_refused_with_one_line(
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    restored_logging: None,
) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    first = subprocess.Popen(
        [sys.executable, "-c", FIRST], cwd=ROOT, env=env, stderr=subprocess.PIPE
    )
    try:
        lock_file = Path(f"{file_of(db_url)}.lock")
        wait_for_holder(lock_file, first)

        for name in ("DATABASE_URL", "TELEGRAM_BOT_TOKEN", "LOG_LEVEL"):
            monkeypatch.setenv(name, env[name])
        assert main(["run"], request=FakeBotAPI()) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1, err
        assert err == (
            f"tandem: {file_of(db_url)} is already used by another Tandem process "
            f"(pid {first.pid}); SQLite serves one process: use PostgreSQL (DATABASE_URL) "
            "for several\n"
        )
        assert first.poll() is None  # the first one runs on, untouched
        with pytest.raises(DatabaseInUse), single_process(db_url):
            pass
    finally:
        first.send_signal(signal.SIGKILL)  # a crash: no clean-up of its own
        first.wait()
        if first.stderr:
            first.stderr.close()

    with single_process(db_url) as held:  # released by the operating system
        assert held == lock_file and lock_file.read_text().strip() == str(os.getpid())


def test_postgresql_takes_no_file_lock() -> None:
    with single_process("postgresql+asyncpg://tandem@db.invalid/tandem") as held:
        assert held is None


def test_a_symbolic_link_to_the_file_shares_its_lock(tmp_path: Path) -> None:
    """Another name for the same file (found by an adversarial run) is the same database: its
    lock is the file's own."""
    real = tmp_path / "tandem.sqlite3"
    real.touch()
    alias = tmp_path / "alias.sqlite3"
    alias.symlink_to(real)
    with (
        single_process(f"sqlite+aiosqlite:///{real}"),
        pytest.raises(DatabaseInUse),
        single_process(f"sqlite+aiosqlite:///{alias}"),
    ):
        pass
