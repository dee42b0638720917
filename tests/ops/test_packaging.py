"""Procfile, Dockerfile and compose.yaml: what they must say, read from the files; and the
image's entry command run as it would run in the container (Docker cannot build here: this
machine has the docker client only, no engine)."""

from __future__ import annotations

import asyncio
import json
import shlex
from pathlib import Path
from typing import Any

import yaml

from bot.emulator import FakeBotAPI
from tests.ops.processes import emulator_server, free_port, start_process

ROOT = Path(__file__).resolve().parents[2]


def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (KEYWORD, rest), continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def instruction(name: str) -> list[str]:
    return [rest for keyword, rest in dockerfile() if keyword == name]


def exec_form(rest: str) -> list[str]:
    value = json.loads(rest)
    assert isinstance(value, list)
    return [str(v) for v in value]


def image_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for rest in instruction("ENV"):
        for pair in shlex.split(rest):
            key, _, value = pair.partition("=")
            env[key] = value
    return env


def test_the_procfile_names_release_web_and_worker() -> None:
    lines = (ROOT / "Procfile").read_text(encoding="utf-8").splitlines()
    assert lines == [
        "release: tandem db upgrade",
        "web: tandem run --webhook",
        "worker: tandem run",
    ]


def test_the_dockerfile_has_the_essentials() -> None:
    assert instruction("FROM") == ["python:3.11-slim"]
    runs = " ".join(instruction("RUN"))
    assert "--require-hashes" in runs and "-r requirements.lock" in runs
    assert any(rest.startswith("requirements.lock") for rest in instruction("COPY"))
    users = instruction("USER")
    assert users and users[-1] not in ("root", "0")
    assert exec_form(instruction("VOLUME")[0]) == ["/data"]
    assert image_env()["DATABASE_URL"] == "sqlite+aiosqlite:////data/tandem.sqlite3"
    assert instruction("HEALTHCHECK") and "/healthz" in instruction("HEALTHCHECK")[0]
    assert exec_form(instruction("ENTRYPOINT")[0]) == ["tandem"]
    assert exec_form(instruction("CMD")[-1]) == ["run"]
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".venv", "*.sqlite3*", "*.key", ".env"} <= set(ignored)


def test_compose_runs_postgresql_a_release_step_and_two_web_workers() -> None:
    compose: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text("utf-8"))
    services = compose["services"]
    assert services["db"]["image"].startswith("postgres")
    assert "healthcheck" in services["db"]
    assert services["release"]["command"] == ["db", "upgrade"]
    webs = [s for s in services.values() if s.get("command") == ["run", "--webhook"]]
    assert len(webs) == 2
    for web in webs:
        env = web["environment"]
        assert env["DATABASE_URL"].startswith("postgresql+asyncpg://")
        assert {"WEBHOOK_URL", "WEBHOOK_SECRET", "ENCRYPTION_KEYS"} <= env.keys()
        assert web["depends_on"]["release"]["condition"] == "service_completed_successfully"
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text(encoding="utf-8")
    assert "handle /telegram" in caddyfile  # /healthz and /metrics are not made public


async def test_the_image_entry_command_starts_answers_its_healthcheck_and_stops(
    tmp_path: Path,
) -> None:
    """ENTRYPOINT + CMD with the image's ENV (the database moved from /data to a temporary
    folder, the port to a free one, /app to this checkout) and the image's own `tandem`
    launcher (made by its RUN line, in a temporary bin), against the emulator; then the
    HEALTHCHECK command."""
    argv = exec_form(instruction("ENTRYPOINT")[0]) + exec_form(instruction("CMD")[-1])
    launcher = next(rest for rest in instruction("RUN") if "/usr/local/bin/tandem" in rest)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    made = await asyncio.create_subprocess_exec(
        "sh", "-c", launcher.replace("/usr/local/bin", str(bin_dir))
    )
    assert await made.wait() == 0
    assert (bin_dir / "tandem").read_text(encoding="utf-8").startswith("#!/bin/sh")
    fake = FakeBotAPI()
    async with emulator_server(fake) as emulator:
        port = free_port()
        env = {
            **image_env(),
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'tandem.sqlite3'}",
            "PORT": str(port),
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_API_BASE_URL": emulator.base_url,
            "PYTHONPATH": image_env()["PYTHONPATH"].replace("/app", str(ROOT)),
        }
        process = await start_process(argv, env, tmp_path / "tandem.log", port, bin_first=bin_dir)
        health = await process.healthy()
        assert health["status"] == "ok"
        check = exec_form(instruction("HEALTHCHECK")[0].split("CMD", 1)[1].strip())
        probe = await start_process(check, env, tmp_path / "healthcheck.log", None)
        assert await probe.proc.wait() == 0
        assert await process.terminate() == 0
    assert "Traceback" not in process.output()
    assert fake.calls("getUpdates")  # it polled (the default command)
