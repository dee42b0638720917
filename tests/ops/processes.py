"""Real ``tandem`` processes against the emulator: the emulated Bot API served over HTTP
(``TELEGRAM_API_BASE_URL`` points the process at it), updates posted to the process's webhook
as Telegram would, and waiting on what the chats show (never on the clock)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.emulator import FakeBotAPI
from bot.telegram.webhook import SECRET_HEADER

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class EmulatorServer:
    """The emulator behind an HTTP server (``base_url``); ``delays`` slows methods down
    (seconds before the call is performed: a send "in flight")."""

    fake: FakeBotAPI
    port: int
    delays: dict[str, float] = field(default_factory=dict)
    in_flight: dict[str, int] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def app(self) -> Starlette:
        async def call(request: Request) -> Response:
            body = await request.body()
            kind = request.headers.get("content-type", "")
            params: dict[str, Any] = {}
            if kind.startswith("application/x-www-form-urlencoded"):
                params = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            elif kind.startswith("application/json") and body:
                params = json.loads(body)
            method = request.path_params["method"]
            if self.delays.get(method):
                self.in_flight[method] = self.in_flight.get(method, 0) + 1
                try:
                    waited = 0.0
                    while waited < self.delays.get(method, 0.0):
                        if await request.is_disconnected():  # the caller gave up:
                            return Response(status_code=499)  # never performed
                        await asyncio.sleep(0.05)
                        waited += 0.05
                    # The delay may end (cleared by the test) in the instant the caller died:
                    # a request whose caller is gone is never performed.
                    if await request.is_disconnected():
                        return Response(status_code=499)
                finally:
                    self.in_flight[method] -= 1
            data = SimpleNamespace(parameters=params, multipart_data={})
            status, payload = await self.fake.do_request(str(request.url), "POST", data)  # type: ignore[arg-type]
            return Response(payload, status_code=status, media_type="application/json")

        return Starlette(routes=[Route("/{token}/{method}", call, methods=["POST"])])


@contextlib.asynccontextmanager
async def emulator_server(fake: FakeBotAPI) -> AsyncIterator[EmulatorServer]:
    """Serve ``fake`` over HTTP on a free local port while the block runs."""
    emulator = EmulatorServer(fake, free_port())
    config = uvicorn.Config(
        emulator.app(),
        host="127.0.0.1",
        port=emulator.port,
        log_config=None,
        lifespan="off",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn has no event for it)
        await asyncio.sleep(0.01)
    try:
        yield emulator
    finally:
        server.should_exit = True
        await task


def webhook_delivery(fake: FakeBotAPI) -> Callable[[dict[str, Any]], Any]:
    """Deliver each update as Telegram does: POST to the webhook the bot set, with its
    secret; the answer must be 200."""

    async def deliver(update: dict[str, Any]) -> None:
        async with httpx.AsyncClient() as http:
            response = await http.post(
                fake.webhook_url,
                json=update,
                headers={SECRET_HEADER: fake.webhook_secret or ""},
            )
        assert response.status_code == 200, response.status_code

    return deliver


@dataclass
class Process:
    """A running ``tandem`` process; its output goes to ``log``."""

    proc: asyncio.subprocess.Process
    log: Path
    port: int | None

    async def healthy(self, within: float = 60.0) -> dict[str, Any]:
        """Wait until ``/healthz`` answers 200 (fails if the process ends first)."""
        deadline = asyncio.get_running_loop().time() + within
        async with httpx.AsyncClient() as http:
            while True:
                assert self.proc.returncode is None, self.output()
                with contextlib.suppress(httpx.TransportError):
                    response = await http.get(f"http://127.0.0.1:{self.port}/healthz")
                    if response.status_code == 200:
                        return dict(response.json())
                assert asyncio.get_running_loop().time() < deadline, self.output()
                await asyncio.sleep(0.1)

    async def terminate(self, within: float = 120.0) -> int:
        """SIGTERM, then the exit status."""
        self.proc.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.proc.wait(), within)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


async def start_process(
    argv: list[str],
    env: dict[str, str],
    log: Path,
    port: int | None,
    *,
    bin_first: Path | None = None,
) -> Process:
    """Run ``argv`` (its first word found in ``bin_first``, else in the virtualenv's bin)
    with ``env`` added."""
    path = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    if bin_first is not None:
        path = f"{bin_first}{os.pathsep}{path}"
    full = {**os.environ, **env, "PATH": path}
    full.pop("PYTEST_CURRENT_TEST", None)
    handle = log.open("ab")
    proc = await asyncio.create_subprocess_exec(
        *argv, env=full, stdout=handle, stderr=handle, stdin=asyncio.subprocess.DEVNULL
    )
    handle.close()
    return Process(proc, log, port)


async def wait_for(check: Callable[[], bool], what: str, within: float = 60.0) -> None:
    """Wait until ``check()`` holds (a condition, never a duration, is what tests assert)."""
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        assert asyncio.get_running_loop().time() < deadline, f"never happened: {what}"
        await asyncio.sleep(0.05)
