"""`tandem run` as an operator starts it (a real process), for every start-up problem an operator
can predict: one ``tandem:`` line naming it, exit status 2, no traceback, and never the token,
the database password or an encryption key in the output. A bug still logs its traceback, with
those secrets masked. Telegram is the emulator served over HTTP, or a closed local port."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.emulator import FakeBotAPI
from tests.databases import TEST_KEY
from tests.ops.processes import BIN, emulator_server, free_port, start_process

TOKEN = FakeBotAPI().token  # the emulator's; a closed port never sees it
PASSWORD = "hunter2-Secret"


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A start-up's settings: the token, a SQLite file in ``tmp_path``, the key, a closed
    port for Telegram (overridden by ``extra``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PROMETHEUS"))}
    for name in ("PORT", "WEBHOOK_URL", "WEBHOOK_SECRET", "LOG_FORMAT"):
        env.pop(name, None)
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{free_port()}",  # nobody listens
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'tandem.sqlite3'}",
        ENCRYPTION_KEYS=TEST_KEY,
    )
    env.update(extra)
    return env


def tandem(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str]:
    """Run ``tandem ARGV`` to its end; its exit status and its output (stdout and stderr)."""
    done = subprocess.run(
        [str(BIN / "tandem"), *argv],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def refusal(status: int, output: str) -> str:
    """The one ``tandem:`` line of a refused start, checked to be alone and to carry no
    secret and no traceback."""
    lines = [line for line in output.splitlines() if line.startswith("tandem:")]
    assert status == 2, output
    assert len(lines) == 1, output
    assert "Traceback" not in output
    for secret in (TOKEN, TOKEN.partition(":")[2], PASSWORD, TEST_KEY):
        assert secret not in output
    return lines[0]


@pytest.mark.parametrize("webhook", [False, True])
def test_telegram_unreachable_is_one_line_after_a_few_tries(tmp_path: Path, webhook: bool) -> None:
    env = environment(tmp_path)
    argv = ["run"]
    if webhook:
        env.update(
            WEBHOOK_URL="https://bot.example.org/telegram",
            WEBHOOK_SECRET="a-secret",
            PORT=str(free_port()),
        )
        argv.append("--webhook")
    status, output = tandem(argv, env, tmp_path)
    server = env["TELEGRAM_API_BASE_URL"]
    assert refusal(status, output) == (
        f"tandem: Telegram did not answer getMe at {server} (httpx.ConnectError: All connection "
        "attempts failed) after 4 tries: check the network, or TELEGRAM_API_BASE_URL"
    )
    assert output.count("trying again in") == 3  # 1, 2, 4 seconds apart


async def test_a_token_telegram_refuses_is_one_line(tmp_path: Path) -> None:
    async with emulator_server(FakeBotAPI(bot_id=987654321)) as emulator:  # another bot
        env = environment(tmp_path, TELEGRAM_API_BASE_URL=emulator.base_url)
        process = await start_process(["tandem", "run"], env, tmp_path / "log", None)
        status = await process.proc.wait()
    assert refusal(status, process.output()) == (
        "tandem: Telegram refused TELEGRAM_BOT_TOKEN: check it with @BotFather (or "
        f"TELEGRAM_API_BASE_URL {emulator.base_url} is not a Bot API server)"
    )


async def test_telegram_failing_on_set_webhook_is_one_line(tmp_path: Path) -> None:
    fake = FakeBotAPI()
    fake.fail_next("setWebhook", error_code=502, description="Bad Gateway", count=10)
    async with emulator_server(fake) as emulator:
        env = environment(
            tmp_path,
            TELEGRAM_API_BASE_URL=emulator.base_url,
            WEBHOOK_URL="https://bot.example.org/telegram",
            WEBHOOK_SECRET="a-secret",
            PORT=str(free_port()),
        )
        process = await start_process(["tandem", "run", "--webhook"], env, tmp_path / "log", None)
        status = await process.proc.wait()
    assert refusal(status, process.output()) == (
        f"tandem: Telegram did not answer setWebhook at {emulator.base_url} (Bad Gateway) "
        "after 4 tries: check the network, or TELEGRAM_API_BASE_URL"
    )
    assert len(fake.calls("setWebhook")) == 4  # each refused, without effect
    assert fake.webhook_url == ""


async def test_a_webhook_url_telegram_refuses_is_one_line(tmp_path: Path) -> None:
    fake = FakeBotAPI()
    why = "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
    fake.fail_next("setWebhook", error_code=400, description=why)
    async with emulator_server(fake) as emulator:
        env = environment(
            tmp_path,
            TELEGRAM_API_BASE_URL=emulator.base_url,
            WEBHOOK_URL="http://bot.example.org/telegram",
            WEBHOOK_SECRET="a-secret",
            PORT=str(free_port()),
        )
        process = await start_process(["tandem", "run", "--webhook"], env, tmp_path / "log", None)
        status = await process.proc.wait()
    assert refusal(status, process.output()) == (
        "tandem: Telegram refused WEBHOOK_URL http://bot.example.org/telegram (Bad webhook: an "
        "https url must be provided for webhook): it must "
        "be public HTTPS on port 443, 80, 88 or 8443"
    )
    assert len(fake.calls("setWebhook")) == 1  # a refusal is not tried again


async def test_telegram_answering_on_the_second_try_starts_the_bot(tmp_path: Path) -> None:
    fake = FakeBotAPI()
    fake.fail_next("getMe", error_code=502, description="Bad Gateway", count=1)
    async with emulator_server(fake) as emulator:
        port = free_port()
        env = environment(tmp_path, TELEGRAM_API_BASE_URL=emulator.base_url, PORT=str(port))
        process = await start_process(["tandem", "run"], env, tmp_path / "log", port)
        await process.healthy()
        assert await process.terminate() == 0
    output = process.output()
    assert "Telegram did not answer getMe (Bad Gateway); trying again in 1s" in output
    assert "tandem:" not in output and "Traceback" not in output


@pytest.mark.parametrize(
    ("url", "line"),
    [
        (
            f"postgresql+asyncpg://tandem:{PASSWORD}@db:notaport/tandem",
            "tandem: DATABASE_URL postgresql+asyncpg://tandem:***@db:notaport/tandem is not a "
            "database URL: write it like sqlite+aiosqlite:///tandem.sqlite3 or "
            "postgresql+asyncpg://USER:PASSWORD@HOST:5432/DB",
        ),
        (
            f"mysql+aiomysql://tandem:{PASSWORD}@db/tandem",
            "tandem: DATABASE_URL mysql+aiomysql://tandem:***@db/tandem: Tandem runs on SQLite "
            "(sqlite+aiosqlite:///FILE) or PostgreSQL (postgresql+asyncpg://…), not 'mysql'",
        ),
        (
            "sqlite:///tandem.sqlite3",
            "tandem: DATABASE_URL sqlite:///tandem.sqlite3: Tandem needs the asyncio driver, "
            "sqlite+aiosqlite:// (e.g. sqlite+aiosqlite:///FILE), not sqlite://",
        ),
        (
            f"postgres://tandem:{PASSWORD}@db/tandem",
            "tandem: DATABASE_URL postgres://tandem:***@db/tandem: Tandem needs the asyncio "
            "driver, postgresql+asyncpg:// (e.g. postgresql+asyncpg://…), not postgres://",
        ),
        (
            "sqlite+aiosqlite:////no/such/folder/tandem.sqlite3",
            "tandem: DATABASE_URL sqlite+aiosqlite:////no/such/folder/tandem.sqlite3: the folder "
            "/no/such/folder does not exist: create it, or point DATABASE_URL at a file in a "
            "folder that does",
        ),
    ],
)
def test_a_database_url_that_cannot_work_is_one_line_before_telegram(
    tmp_path: Path, url: str, line: str
) -> None:
    status, output = tandem(["run"], environment(tmp_path, DATABASE_URL=url), tmp_path)
    assert refusal(status, output) == line
    assert "trying again" not in output  # refused before Telegram is called


async def test_a_database_that_refuses_connections_is_one_line(tmp_path: Path) -> None:
    port = free_port()  # nobody listens
    url = f"postgresql+asyncpg://tandem:{PASSWORD}@127.0.0.1:{port}/tandem"
    async with emulator_server(FakeBotAPI()) as emulator:
        env = environment(tmp_path, TELEGRAM_API_BASE_URL=emulator.base_url, DATABASE_URL=url)
        process = await start_process(["tandem", "run"], env, tmp_path / "log", None)
        status = await process.proc.wait()
    assert refusal(status, process.output()) == (
        f"tandem: cannot connect to the database at postgresql+asyncpg://tandem:***@127.0.0.1:"
        f"{port}/tandem (ConnectionRefusedError: [Errno 111] Connect call failed ('127.0.0.1', "
        f"{port})): check that it runs and accepts connections, and DATABASE_URL"
    )


def test_prometheus_multiproc_dir_missing_or_not_a_folder_is_one_line(tmp_path: Path) -> None:
    missing, a_file = tmp_path / "missing", tmp_path / "a-file"
    a_file.write_text("")
    status, output = tandem(
        ["run"], environment(tmp_path, PROMETHEUS_MULTIPROC_DIR=str(missing)), tmp_path
    )
    assert refusal(status, output) == (
        f"tandem: PROMETHEUS_MULTIPROC_DIR: {missing} does not exist: create the folder (empty) "
        "before the processes start"
    )
    status, output = tandem(
        ["run"], environment(tmp_path, PROMETHEUS_MULTIPROC_DIR=str(a_file)), tmp_path
    )
    assert refusal(status, output) == f"tandem: PROMETHEUS_MULTIPROC_DIR: {a_file} is not a folder"


@pytest.mark.skipif(not Path("/proc/1").is_dir(), reason="needs Linux's /proc")
def test_prometheus_multiproc_dir_unwritable_is_one_line(tmp_path: Path) -> None:
    # A folder nobody may create files in, root included (the tests may run as root).
    env = environment(tmp_path, PROMETHEUS_MULTIPROC_DIR="/proc/1")
    line = refusal(*tandem(["run"], env, tmp_path))
    assert line.startswith("tandem: PROMETHEUS_MULTIPROC_DIR: /proc/1 cannot be written to (")
    assert line.endswith("): give this process's user write access to it")


def test_a_bug_at_start_up_logs_its_traceback_with_the_secrets_masked(tmp_path: Path) -> None:
    """An error nobody foresaw keeps its traceback (it is a bug to fix), but whatever its
    message carries, the token, the password and the key are masked."""
    code = (
        "import sys, bot.cli\n"
        "def bug(url):\n"
        "    raise RuntimeError('a bug near ' + url + ' with ' + sys.argv[1])\n"
        "bot.cli.check_database_url = bug\n"
        "sys.exit(bot.cli.main(['run']))\n"
    )
    url = f"postgresql+asyncpg://tandem:{PASSWORD}@db/tandem"
    done = subprocess.run(
        [sys.executable, "-c", code, f"{TOKEN} {TEST_KEY}"],
        env=environment(tmp_path, DATABASE_URL=url),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1
    assert "CRITICAL bot.cli: unexpected error (a bug; the traceback follows" in output
    assert "Traceback (most recent call last)" in output
    assert (
        "RuntimeError: a bug near postgresql+asyncpg://tandem:***@db/tandem with [token] ***"
        in (output)
    )
    for secret in (TOKEN, TOKEN.partition(":")[2], PASSWORD, TEST_KEY):
        assert secret not in output
