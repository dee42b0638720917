"""The composition root: builds the ``Application`` and the services behind it.

``build_application`` makes the real python-telegram-bot ``Application`` with Tandem's handlers.
``start_runtime`` opens the database (checking the encryption keys against it, then running
Alembic migrations for SQLite), loads and checks the content, builds the domain
(:class:`~bot.domain.tandem.Tandem` over the storage ports), the outbox sender with its send
policy (:mod:`bot.telegram.sender`, :mod:`bot.telegram.pacing`: the budget shared through the
database) and the due-work runner, and registers the command menu. ``run_polling``
calls it from ``post_init``; tests and the demo call it themselves after
``Application.initialize`` so that they can pass their own clock.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from random import Random, SystemRandom
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import BotCommand
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes
from telegram.request import BaseRequest

from bot import texts
from bot.domain.deps import ChartLabels, Config, Deps, DimensionStat, QuestionPicker
from bot.domain.ports import ChatPace, OutboxQueue, UpdateLedger
from bot.domain.questions import random_picker
from bot.domain.subjects import PairSubject
from bot.domain.tandem import Tandem
from bot.health import Checks
from bot.i18n import available_locales, speaking
from bot.leases import ClaimLedger, ClaimRecorder
from bot.logs import log_context
from bot.settings import Settings
from bot.storage.budget import SqlSendBudget
from bot.storage.chatpace import shared_chat_pace
from bot.storage.database import open_database, require_current_schema
from bot.storage.ops import SqlOps
from bot.storage.outbox import SqlOutboxQueue
from bot.storage.queues import SqlDueWorkStore
from bot.storage.uow import transactions
from bot.storage.updates import SqlUpdateLedger
from bot.telegram import handlers
from bot.telegram.application import TandemApp
from bot.telegram.commands import Audience, listing
from bot.telegram.context import SERVICES_KEY, TandemContext
from bot.telegram.pacing import Pacer
from bot.telegram.reports import ADMIN_REPORTS_KEY, AdminReports
from bot.telegram.sender import Sender
from content.loader import ContentBank, load_content
from scheduler.clock import Clock, SystemClock
from scheduler.due import DueHandler, DueItem, DueWorkRunner, DueWorkStore, TickReport

logger = logging.getLogger(__name__)

# python-telegram-bot 22 reports RetryAfter.retry_after as a timedelta only with this opt-in;
# without it, reading the value emits a deprecation warning (the library's documented switch).
os.environ.setdefault("PTB_TIMEDELTA", "true")

TandemApplication = Application[Any, TandemContext, Any, Any, Any, Any]

#: Processed update ids are kept this long to catch redeliveries.
UPDATE_MEMORY = timedelta(days=2)
#: Chats' turns (``chat_pace``, PostgreSQL) are forgotten this long after they ended.
CHAT_PACE_MEMORY = timedelta(minutes=1)


@dataclass
class Runtime:
    """The services of one running bot process (what ``TandemContext.services`` returns)."""

    application: TandemApplication
    engine: AsyncEngine
    content: ContentBank
    clock: Clock
    tandem: Tandem
    outbox: OutboxQueue
    sender: Sender
    runner: DueWorkRunner
    updates: UpdateLedger
    #: The claim tokens of this process's recent due-work and outbox claims.
    ledger: ClaimLedger = field(default_factory=ClaimLedger)
    #: ``HEALTH_MAX_LAG_SECONDS``: /healthz fails when due work waits longer.
    health_max_lag: float = 300.0
    #: Each chat's turn shared by the processes (PostgreSQL with pacing; else None).
    chat_pace: ChatPace | None = None

    @property
    def probe(self) -> Checks:
        """The health checks and the database figures of ``/metrics``."""
        return Checks(SqlOps(self.engine), self.clock.now, self.health_max_lag)

    async def tick(self, now: datetime | None = None) -> TickReport:
        """Run due work at ``now`` (aware UTC; default: the clock), then wake the continuous
        sender or, where none runs (tests, the demo), flush the outbox."""
        at = now or self.clock.now()
        report = await self.runner.tick(at)
        await self.sender.after_commit(self.application.bot)
        return report

    async def close(self) -> None:
        """Stop the continuous sender, hand back the due-work and outbox leases this process
        still holds (a stop after the grace period, see ``bot/telegram/serve.py``), then
        release the database."""
        try:
            await self.sender.stop()
            freed = await SqlOps(self.engine).release_claims(self.ledger.tokens())
            if freed:
                logger.info("handed back %s claimed rows", freed)
        except Exception as exc:  # the database is gone: the leases end on their own
            logger.warning("claims not handed back: %s", type(exc).__name__)
        finally:
            await self.engine.dispose()


async def start_runtime(
    application: TandemApplication,
    settings: Settings,
    *,
    clock: Clock | None = None,
    content: ContentBank | None = None,
    picker: QuestionPicker | None = None,
    noise: Random | None = None,
    migrate: bool | None = None,
    schedule_tick: bool = False,
    pace: bool = True,
) -> Runtime:
    """Open the services for an initialized ``application`` and attach them to it.

    ``pace``: send under Telegram's limits (about 30 messages/s overall, shared by every
    process through the database, and 1 per second per chat; see :mod:`bot.telegram.pacing`);
    the test sandbox turns it off unless its emulator enforces the limits. ``schedule_tick``
    (production): the JobQueue ticks every ``TICK_SECONDS`` and the continuous sender runs.

    ``migrate`` defaults to True for SQLite (the embedded default upgrades itself) and False
    otherwise (run ``tandem db upgrade``). Raises ``content.schema.ContentError`` for invalid
    content, ``bot.storage.crypt.KeyringError`` when the encryption keys are missing or do not
    open the stored text (nothing changed), ``bot.storage.database.SchemaOutOfDate`` when a
    database that is not migrated here lags behind the code, and SQLAlchemy errors for an
    unreachable database.
    ``noise`` draws the cohort figures' privacy noise (default: the operating system's secure
    generator).
    """
    content = content or load_content()
    clock = clock or SystemClock()
    if migrate is None:
        migrate = settings.database_url.startswith("sqlite")
    engine = await open_database(
        settings.database_url, settings.encryption_key_list(), migrate=migrate
    )
    if not migrate:
        try:
            await require_current_schema(engine)  # SchemaOutOfDate: one line, nothing changed
        except BaseException:
            await engine.dispose()
            raise
    deps = Deps(
        db=transactions(engine),
        clock=clock,
        content=content,
        config=Config(
            default_timezone=settings.default_timezone,
            bot_username=application.bot.username,
            admins=frozenset(settings.admin_user_ids),
            min_pairs=settings.aggregate_min_pairs,
            max_lateness=timedelta(minutes=settings.max_lateness_minutes),
        ),
        picker=picker or random_picker(),
        render_chart=render_chart,
        noise=noise or SystemRandom(),
    )
    tandem = Tandem(deps)
    outbox = SqlOutboxQueue(engine)
    # The queues are wrapped to note their claims, which a graceful stop hands back.
    ledger = ClaimLedger()
    # One per second per chat across processes needs the database only where several
    # processes can run (PostgreSQL); one SQLite process keeps it in memory.
    chat_pace = shared_chat_pace(engine) if pace else None
    pacer = Pacer(
        SqlSendBudget(engine) if pace else None,
        clock,
        chats=chat_pace,
        paid=settings.paid_broadcast,
    )
    sender = Sender(tandem, cast(OutboxQueue, ClaimRecorder(outbox, ledger)), pacer)
    store = cast(DueWorkStore, ClaimRecorder(SqlDueWorkStore(engine), ledger))
    runner = DueWorkRunner(
        store,
        _with_log_ids(tandem.due_handlers()),
        batch_handlers=tandem.due_batch_handlers(),
    )
    updates = SqlUpdateLedger(engine)
    runtime = Runtime(
        application,
        engine,
        content,
        clock,
        tandem,
        outbox,
        sender,
        runner,
        updates,
        ledger=ledger,
        health_max_lag=settings.health_max_lag_seconds,
        chat_pace=chat_pace,
    )
    application.bot_data[SERVICES_KEY] = runtime
    if settings.admin_chat_id is not None:
        application.bot_data[ADMIN_REPORTS_KEY] = AdminReports(settings.admin_chat_id)
    await _register_menu(application)
    if schedule_tick and application.job_queue is not None:
        application.job_queue.run_repeating(
            _tick_job, interval=settings.tick_seconds, first=1, name="tandem-tick"
        )
    if schedule_tick:
        sender.start(application.bot)
    return runtime


def render_chart(stats: Sequence[DimensionStat], labels: ChartLabels) -> bytes:
    """The insights chart as PNG bytes (see :func:`bot.telegram.charts.render_chart`).

    matplotlib is imported here, on the first ``/insights`` that draws, not at start-up: it
    is most of the import time and nothing else needs it (issue 10, lean start-up).
    """
    from bot.telegram.charts import render_chart as draw

    return draw(stats, labels)


def _with_log_ids(due: Mapping[str, DueHandler]) -> dict[str, DueHandler]:
    """Each due-work handler with its row's ``due_id`` (and ``pair_id`` for work about a pair)
    on the log lines it causes (``LOG_FORMAT=json``)."""

    def wrap(handler: DueHandler) -> DueHandler:
        async def run(item: DueItem, now: datetime) -> datetime | None:
            ids = {"due_id": item.id}
            with contextlib.suppress(ValueError):
                ids["pair_id"] = PairSubject.parse(item.subject).pair_id
            with log_context(**ids):
                return await handler(item, now)

        return run

    return {kind: wrap(handler) for kind, handler in due.items()}


async def _register_menu(application: TandemApplication) -> None:
    """The command menu, the description and the short description for everyone, in English
    and in each shipped language (issue 12). Telegram keys them by the two-letter language
    code a user's client reports; a failure is logged and start-up goes on."""
    for language in ["", *available_locales()]:
        code = language.split("_")[0]
        try:
            with speaking(language or None):
                menu = [BotCommand(n, d) for n, d in listing(Audience.EVERYONE)]
                description, short = texts.BOT_DESCRIPTION, texts.BOT_SHORT_DESCRIPTION
            await application.bot.set_my_commands(menu, language_code=code or None)
            await application.bot.set_my_description(description, language_code=code or None)
            await application.bot.set_my_short_description(short, language_code=code or None)
        except TelegramError as exc:
            logger.warning("profile for %r not registered: %s", code, type(exc).__name__)


async def _tick_job(context: TandemContext) -> None:
    runtime: Runtime = context.application.bot_data[SERVICES_KEY]
    await runtime.tick()
    await runtime.updates.prune(runtime.clock.now() - UPDATE_MEMORY)
    if runtime.chat_pace is not None:
        await runtime.chat_pace.prune(runtime.clock.now() - CHAT_PACE_MEMORY)


def build_application(
    settings: Settings,
    *,
    token: str | None = None,
    request: BaseRequest | None = None,
    post_init_runtime: bool = False,
    webhook: bool = False,
) -> TandemApplication:
    """The real ``Application`` with every handler registered.

    ``request``: a ``BaseRequest`` for both API calls and getUpdates (the emulator in tests and
    the demo; None: python-telegram-bot's HTTPX client). ``token`` defaults to the setting.
    ``post_init_runtime``: start the runtime (the tick job and the continuous sender) from
    ``post_init``, as ``run_polling`` does in production. ``webhook``: no ``Updater`` (updates
    come through the webhook app into ``update_queue``, see ``bot/telegram/serve.py``).

    No python-telegram-bot rate limiter is installed: the send policy lives in the sender, a
    priority outbox in front of it (:mod:`bot.telegram.sender` says why), which sees 429s as
    exceptions and never sleeps on one inside a handler.
    """
    builder = (
        ApplicationBuilder()
        .application_class(TandemApp)
        .token(token or settings.require_token())
        .context_types(ContextTypes(context=TandemContext))
    )
    if settings.telegram_api_base_url:
        root = settings.telegram_api_base_url
        builder = builder.base_url(f"{root}/bot{{token}}").base_file_url(
            f"{root}/file/bot{{token}}"
        )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    if webhook:
        builder = builder.updater(None)
    if post_init_runtime:

        async def post_init(application: TandemApplication) -> None:
            await start_runtime(application, settings, schedule_tick=True)

        async def post_shutdown(application: TandemApplication) -> None:
            runtime = application.bot_data.get(SERVICES_KEY)
            if runtime is not None:
                await runtime.close()

        builder = builder.post_init(post_init).post_shutdown(post_shutdown)
    application: TandemApplication = builder.build()
    handlers.register(application)
    return application
