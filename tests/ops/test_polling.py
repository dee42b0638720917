"""`tandem run` against the emulator: the polling worker will not take a webhook's updates away
unless told to, a second poller on the token ends it with one line, and webhook mode names a
missing setting or a port in use in one line."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from bot.cli import main
from bot.emulator import FakeBotAPI
from scheduler.clock import ManualClock
from tests.conftest import START
from tests.databases import TEST_KEY
from tests.ops.processes import emulator_server, free_port, start_process, wait_for

pytestmark = pytest.mark.usefixtures("restored_logging")

TWO_POLLERS = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


@pytest.fixture
def telegram(db_url: str, monkeypatch: pytest.MonkeyPatch) -> FakeBotAPI:
    fake = FakeBotAPI(clock=ManualClock(START).now)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", fake.token)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.delenv("PORT", raising=False)
    return fake


def lines_of(capsys: pytest.CaptureFixture[str]) -> list[str]:
    captured = capsys.readouterr()
    return (captured.out + captured.err).splitlines()


def test_polling_refuses_to_start_while_a_webhook_is_set(
    telegram: FakeBotAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    telegram.webhook_url = "https://bot.example.org/telegram"
    assert main(["run"], request=telegram) == 2
    lines = lines_of(capsys)
    refusals = [line for line in lines if line.startswith("tandem:")]
    assert refusals == [
        "tandem: a webhook is set for this bot: polling would take its updates away; stop "
        "the web process, or run `tandem run --replace-webhook` to delete the webhook"
    ]
    assert not any("Traceback" in line for line in lines)
    assert telegram.webhook_url == "https://bot.example.org/telegram"  # left alone
    assert telegram.calls("getUpdates") == []


def test_replace_webhook_deletes_it_and_polls(
    telegram: FakeBotAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    telegram.webhook_url = "https://bot.example.org/telegram"
    # Another poller shows up at once: the run stops after its first getUpdates.
    telegram.fail_next("getUpdates", error_code=409, description=TWO_POLLERS, count=3)
    assert main(["run", "--replace-webhook"], request=telegram) == 2
    assert telegram.webhook_url == ""
    assert telegram.calls("deleteWebhook")[0] == {"drop_pending_updates": False}
    assert telegram.calls("getUpdates")  # it polled once the webhook was gone
    assert any("the webhook was deleted" in line for line in lines_of(capsys))


def test_a_second_poller_on_the_token_ends_the_run_with_one_line(
    telegram: FakeBotAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    telegram.fail_next("getUpdates", error_code=409, description=TWO_POLLERS, count=50)
    assert main(["run"], request=telegram) == 2
    lines = lines_of(capsys)
    assert [line for line in lines if line.startswith("tandem:")] == [
        "tandem: another process is taking this bot's updates (Telegram: 409 Conflict): "
        "run one poller per token, or one web process with a webhook"
    ]
    assert not any("Traceback" in line or "ERROR" in line for line in lines)
    assert len(telegram.calls("getUpdates")) <= 2  # no retry storm


@pytest.mark.parametrize(
    ("env", "line"),
    [
        (
            {"WEBHOOK_URL": "https://bot.example.org/telegram"},
            "tandem: WEBHOOK_SECRET is not set: --webhook needs one (1-256 of A-Za-z0-9_-), "
            "e.g. from `python -c 'import secrets; print(secrets.token_urlsafe(32))'`",
        ),
        (
            {"WEBHOOK_SECRET": "abc"},
            "tandem: WEBHOOK_URL is not set: --webhook needs the public URL Telegram posts to",
        ),
        (
            {"WEBHOOK_URL": "https://bot.example.org/t", "WEBHOOK_SECRET": "no spaces allowed"},
            "tandem: WEBHOOK_SECRET: must be 1-256 characters of A-Z, a-z, 0-9, _ and - "
            "(Telegram's rule)",
        ),
    ],
)
def test_webhook_mode_names_a_missing_or_bad_setting_in_one_line(
    telegram: FakeBotAPI,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    line: str,
) -> None:
    for name in ("WEBHOOK_URL", "WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["run", "--webhook"], request=telegram) == 2
    assert lines_of(capsys) == [line]
    assert telegram.requests == []  # nothing was started


def test_a_port_in_use_is_one_line_and_no_webhook_is_set(
    telegram: FakeBotAPI, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        monkeypatch.setenv("PORT", str(port))
        monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.org/telegram")
        monkeypatch.setenv("WEBHOOK_SECRET", "a-secret")
        assert main(["run", "--webhook"], request=telegram) == 2
    refusals = [line for line in lines_of(capsys) if line.startswith("tandem:")]
    assert refusals == [f"tandem: cannot listen on 0.0.0.0:{port}: Address already in use"]
    assert telegram.webhook_url == ""


async def test_two_polling_processes_on_one_token_one_stops_with_one_line_one_serves(
    tmp_path: Path,
) -> None:
    fake = FakeBotAPI()
    async with emulator_server(fake) as emulator:
        processes = []
        for name in ("production", "laptop"):  # two deployments, each with its own database
            port = free_port()
            env = {
                "TELEGRAM_BOT_TOKEN": fake.token,
                "TELEGRAM_API_BASE_URL": emulator.base_url,
                "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / name}.sqlite3",
                "ENCRYPTION_KEYS": TEST_KEY,
                "PORT": str(port),
            }
            processes.append(
                await start_process(["tandem", "run"], env, tmp_path / f"{name}.log", port)
            )
            if name == "production":
                await processes[0].healthy()
        # Telegram ends a waiting getUpdates when another arrives on the token: one gives up.
        await wait_for(
            lambda: any(p.proc.returncode is not None for p in processes), "a poller stopped"
        )
        stopped = next(p for p in processes if p.proc.returncode is not None)
        survivor = next(p for p in processes if p is not stopped)
        assert stopped.proc.returncode == 2
        assert [line for line in stopped.output().splitlines() if "tandem:" in line] == [
            "tandem: another process is taking this bot's updates (Telegram: 409 Conflict): "
            "run one poller per token, or one web process with a webhook"
        ]
        assert "Traceback" not in stopped.output()

        # The other one goes on taking updates.
        kim = fake.user(7, "Kim")
        await kim.send("/start")

        def welcomed() -> bool:
            chat = fake.chats.get(kim.user_id)
            return chat is not None and any("welcome" in m.text for m in chat.messages)

        await wait_for(
            lambda: welcomed() or survivor.proc.returncode is not None, "a reply or a stop"
        )
        assert survivor.proc.returncode is None, survivor.output()
        assert welcomed()
        assert await survivor.terminate() == 0
