"""Running the bot until it is told to stop: long polling or a webhook, the HTTP server beside
it, and the graceful stop (``tandem run [--webhook] [--replace-webhook]``).

Start: ``Application.initialize`` (getMe), the caller's services (database, due work, the
tick), then ``setWebhook`` with the secret and :data:`ALLOWED_UPDATES` (webhook mode), or a
check that no webhook is set (polling mode: Telegram refuses getUpdates while one is, and
python-telegram-bot would silently delete it: that is done only with ``--replace-webhook``).

Stop, on SIGTERM or SIGINT: no more updates are taken (the poller stops; the HTTP server stops
accepting and finishes the requests it has), the updates already taken and the handlers and
tick in flight finish, for at most ``grace`` seconds (then they are cancelled), then the
caller's services close: the due-work and outbox leases this process still holds are handed
back and the database is released. Exit status 0.

Two pollers on one token: Telegram answers the second with 409 Conflict; that stops this
process cleanly with one line (:class:`ServeError`), not a retry loop of tracebacks.

Telegram not answering at start-up (a network error, a timeout, a 5xx, a 429): each start-up
call (getMe, setWebhook, getWebhookInfo, the poller's deleteWebhook) is tried
``len(Plan.retry_delays) + 1`` times, 1, 2 and 4 seconds apart by default, with a warning line
each time, then start-up ends with one :class:`ServeError` line naming the call, the error and
the Bot API server (never the token). Why retry at all: a network that is not up yet when a
container starts, or one 502 from Telegram, is over within seconds, and a restart loop under a
supervisor costs more than a few seconds' wait; why only seven seconds: a wrong
``TELEGRAM_API_BASE_URL`` or a host without a route to Telegram must still fail quickly and
plainly. SIGTERM during the waits stops at once (exit status 0).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import Awaitable, Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import uvicorn
from telegram import Bot
from telegram.error import BadRequest, Conflict, NetworkError, RetryAfter, TelegramError

from bot.telegram.application import ALLOWED_UPDATES
from bot.telegram.webhook import Probe, web_app

logger = logging.getLogger(__name__)


class ServeError(Exception):
    """The bot cannot run (or go on running) as asked; the message is one line for the
    operator, never carrying the token or the secret."""


class _Stopped(Exception):
    """SIGTERM or SIGINT arrived while a start-up call waited to be tried again."""


class Services(Protocol):
    """What the caller's start hook returns: the probe for health and metrics, and
    ``close`` (hand back claims, release the database)."""

    @property
    def probe(self) -> Probe:
        """Health checks and the metrics' database figures."""
        ...

    async def close(self) -> None:
        """Hand back what this process holds and release the database."""
        ...


@dataclass(frozen=True)
class Plan:
    """How to run: ``webhook_url`` and ``secret`` for webhook mode (None: long polling);
    ``port``: where the HTTP server listens (None: no server, polling only); ``host``;
    ``replace_webhook``: polling deletes a webhook that is set instead of refusing;
    ``grace``: seconds the stop waits for work in flight; ``multiproc_dir``:
    ``PROMETHEUS_MULTIPROC_DIR``; ``retry_delays``: the waits between tries of a start-up call
    Telegram does not answer (see the module docstring)."""

    webhook_url: str | None = None
    secret: str | None = None
    port: int | None = None
    host: str = "0.0.0.0"
    replace_webhook: bool = False
    grace: float = 10.0
    multiproc_dir: str | None = None
    retry_delays: tuple[float, ...] = (1.0, 2.0, 4.0)


class _Server(uvicorn.Server):
    """Uvicorn without its own signal handling: :func:`serve` owns SIGTERM (uvicorn would
    re-raise the signal after its shutdown and kill the process before the bot stopped)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


async def check_no_webhook(bot: Bot, *, replace: bool) -> None:
    """Polling mode's start check. Raises :class:`ServeError` when a webhook is set
    (getWebhookInfo has a url) unless ``replace``, which deletes it (updates waiting at
    Telegram are kept)."""
    info = await bot.get_webhook_info()
    if not info.url:
        return
    if not replace:
        raise ServeError(
            "a webhook is set for this bot: polling would take its updates away; stop the "
            "web process, or run `tandem run --replace-webhook` to delete the webhook"
        )
    await bot.delete_webhook(drop_pending_updates=False)
    logger.warning("the webhook was deleted (--replace-webhook): polling takes the updates")


def api_server(bot: Bot) -> str:
    """The Bot API server ``bot`` talks to, as ``scheme://host[:port]``: no token (it is in
    the path) and no credentials."""
    parts = urlsplit(bot.base_url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}"


def _reason(exc: TelegramError, token: str) -> str:
    """What went wrong, for the operator's line: the library's message, the token masked."""
    if isinstance(exc, RetryAfter):
        return "429 Too Many Requests"
    return (exc.message or type(exc).__name__).replace(token, "[token]")


async def at_start(
    what: str,
    call: Callable[[], Awaitable[Any]],
    bot: Bot,
    stop: asyncio.Event,
    delays: Sequence[float],
) -> Any:
    """``call()`` (a start-up call to Telegram, named ``what`` in messages), tried again
    after each of ``delays`` while Telegram does not answer: a network error, a timeout, a 5xx
    or a 429 (waiting at least its ``retry_after``). Raises :class:`ServeError` (one line)
    when the last try fails, ``_Stopped`` when ``stop`` is set during a wait; every other
    error (a refused token, a bad request) at once."""
    for delay in (*delays, None):
        try:
            return await call()
        except BadRequest:
            raise
        except (NetworkError, RetryAfter) as exc:
            reason = _reason(exc, bot.token)
            if delay is None:
                raise ServeError(
                    f"Telegram did not answer {what} at {api_server(bot)} ({reason}) after "
                    f"{len(delays) + 1} tries: check the network, or TELEGRAM_API_BASE_URL"
                ) from None
            if isinstance(exc, RetryAfter):
                delay = max(delay, _seconds(exc.retry_after))
            logger.warning(
                "Telegram did not answer %s (%s); trying again in %gs", what, reason, delay
            )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        if stop.is_set():
            raise _Stopped
    raise AssertionError("unreachable")  # pragma: no cover (the last try returns or raises)


def _seconds(value: object) -> float:
    """``RetryAfter.retry_after`` in seconds (a timedelta with ``PTB_TIMEDELTA``, else int)."""
    total = getattr(value, "total_seconds", None)
    return float(total() if callable(total) else value)  # type: ignore[arg-type]


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket, bound before anything starts, so a port in use is one clear line."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(2048)
    sock.setblocking(False)
    return sock


@contextlib.contextmanager
def _stop_signals(stop: asyncio.Event) -> Iterator[None]:
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    try:
        yield
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


async def _cancel_the_rest() -> None:
    """Cancel every other task of the loop (handlers past the grace period) and wait for
    them, so nothing still sends once the claims are handed back."""
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)


async def serve(
    application: Any,
    plan: Plan,
    start: Callable[[Any], Awaitable[Services]],
    *,
    stop: asyncio.Event | None = None,
) -> None:
    """Run ``application`` as ``plan`` says until SIGTERM/SIGINT (or ``stop`` is set), then
    stop gracefully (see the module docstring). ``start`` opens the services after
    ``Application.initialize``. Raises :class:`ServeError` for a webhook set while polling,
    a port in use, another poller on the token (after stopping cleanly), a WEBHOOK_URL
    Telegram refuses, or Telegram not answering a start-up call (:func:`at_start`), and
    python-telegram-bot's ``InvalidToken``. SIGTERM while a start-up call waits to be tried
    again returns at once.
    """
    stop = stop or asyncio.Event()
    problem: list[str] = []

    def on_poll_error(exc: TelegramError) -> None:
        if isinstance(exc, Conflict):
            if not problem:
                problem.append(
                    "another process is taking this bot's updates (Telegram: 409 Conflict): "
                    "run one poller per token, or one web process with a webhook"
                )
            stop.set()
            return
        logger.warning("polling failed: %s; trying again", type(exc).__name__)

    bot = application.bot

    def starting(what: str, call: Callable[[], Awaitable[Any]]) -> Awaitable[Any]:
        return at_start(what, call, bot, stop, plan.retry_delays)

    with _stop_signals(stop), contextlib.suppress(_Stopped):
        await starting("getMe", application.initialize)
        services: Services | None = None
        server: _Server | None = None
        server_task: asyncio.Task[None] | None = None
        try:
            services = await start(application)
            path = None
            if plan.webhook_url is not None:
                path = urlsplit(plan.webhook_url).path or "/"
            sock = None if plan.port is None else _bind(plan.host, plan.port)
            if plan.webhook_url is not None:
                await _set_webhook(starting, bot, plan)
            else:
                await starting(
                    "getWebhookInfo",
                    lambda: check_no_webhook(bot, replace=plan.replace_webhook),
                )
            await application.start()
            if plan.webhook_url is None:
                await starting(
                    "deleteWebhook",  # the poller's first call (python-telegram-bot's bootstrap)
                    lambda: application.updater.start_polling(
                        allowed_updates=list(ALLOWED_UPDATES), error_callback=on_poll_error
                    ),
                )
            if sock is not None:
                app = web_app(
                    application,
                    services.probe,
                    webhook_path=path,
                    secret=plan.secret if path is not None else None,
                    multiproc_dir=plan.multiproc_dir,
                )
                config = uvicorn.Config(
                    app,
                    log_config=None,
                    access_log=False,
                    lifespan="off",
                    timeout_graceful_shutdown=max(1, int(plan.grace)),
                )
                server = _Server(config)
                server_task = asyncio.create_task(server.serve(sockets=[sock]))
            logger.info("running (%s); SIGTERM stops", "webhook" if path else "polling")
            await _until(stop, server_task)
            logger.info("stopping: no new updates; finishing the work in flight")
        finally:
            await _stop(application, plan, server, server_task, quiet=bool(problem))
            if services is not None:
                await services.close()
            await application.shutdown()  # a no-op when start-up failed before initialize
    if problem:
        raise ServeError(problem[0])


async def _set_webhook(
    starting: Callable[[str, Callable[[], Awaitable[Any]]], Awaitable[Any]], bot: Bot, plan: Plan
) -> None:
    """setWebhook with the secret and :data:`ALLOWED_UPDATES`; a URL Telegram refuses (400:
    not HTTPS, a port it does not post to, a host it cannot resolve) is one line."""
    try:
        await starting(
            "setWebhook",
            lambda: bot.set_webhook(
                url=plan.webhook_url,  # type: ignore[arg-type]
                secret_token=plan.secret,
                allowed_updates=list(ALLOWED_UPDATES),
            ),
        )
    except BadRequest as exc:
        raise ServeError(
            f"Telegram refused WEBHOOK_URL {plan.webhook_url} ({exc.message}): it must be "
            "public HTTPS on port 443, 80, 88 or 8443"
        ) from None
    logger.info("webhook set; serving it on port %s", plan.port)


async def _until(stop: asyncio.Event, server_task: asyncio.Task[None] | None) -> None:
    """Wait for the stop signal, or for the HTTP server to end on its own (an error)."""
    signalled = asyncio.create_task(stop.wait())
    waiting: set[asyncio.Task[Any]] = {signalled}
    if server_task is not None:
        waiting.add(server_task)
    await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
    signalled.cancel()
    if server_task is not None and server_task.done() and not stop.is_set():
        logger.error("the HTTP server stopped unexpectedly: stopping the bot")


async def _stop(
    application: Any,
    plan: Plan,
    server: _Server | None,
    server_task: asyncio.Task[None] | None,
    *,
    quiet: bool = False,
) -> None:
    """Stop taking updates, then let the work in flight finish for ``plan.grace`` seconds.
    ``quiet``: another poller took over; the updater's last getUpdates (confirming what it
    fetched) meets the same 409, which python-telegram-bot logs with a traceback: muted, the
    operator gets the one line already."""
    if application.updater is not None and application.updater.running:
        updater_log = logging.getLogger("telegram.ext.Updater")
        level = updater_log.level
        if quiet:
            updater_log.setLevel(logging.CRITICAL)
            # python-telegram-bot confirms what it fetched with one last getUpdates when it
            # stops; after a 409 that call would cut the other poller's long poll short in
            # turn and stop it too (the bot would be down). Skip it: the updates this process
            # fetched and did not confirm go to the other poller instead. The library has no
            # public switch for this; the name is its own private attribute.
            application.updater._Updater__polling_cleanup_cb = None
        try:
            await application.updater.stop()
        finally:
            updater_log.setLevel(level)
    if server is not None and server_task is not None:
        server.should_exit = True
        try:
            await server_task
        except Exception as exc:  # already ended with an error: the stop goes on
            logger.error("the HTTP server failed: %s", type(exc).__name__)
    if not application.running:
        return
    try:
        await asyncio.wait_for(application.stop(), timeout=plan.grace)
    except TimeoutError:
        logger.warning("work still running after %ss: cancelled; its claims go back", plan.grace)
        await _cancel_the_rest()
