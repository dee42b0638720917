"""The ``tandem`` command: ``run`` (long polling; ``--webhook``: Telegram posts updates to
``WEBHOOK_URL``; ``--replace-webhook``: polling deletes a webhook that is set), ``demo`` (no
token needed), ``db upgrade``, ``db backup PATH``, ``keys new``, ``keys rotate``, ``content
check``, ``i18n extract|init|check``.

Settings problems, invalid content, encryption keys that are missing or do not fit the database,
an SQLite file another Tandem process holds, a ``DATABASE_URL`` that is malformed or leads
nowhere, a ``PROMETHEUS_MULTIPROC_DIR`` that cannot be used, a bot token Telegram refuses and
Telegram not answering stop start-up with one line naming what is wrong (exit status 2); no
line carries the token, a key or the database password (DESIGN.md, privacy rule 9). Anything
else is a bug: its traceback is logged, with those secrets masked (exit status 1).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.settings import Settings, SettingsError, load_settings
from bot.storage.crypt import KeyringError
from bot.storage.database import (
    BackupError,
    DatabaseUnavailable,
    SchemaOutOfDate,
    check_database_url,
    masked_url,
)
from bot.storage.lock import DatabaseInUse, single_process
from content.loader import load_content
from content.schema import ContentError

if TYPE_CHECKING:
    from telegram.request import BaseRequest

    from bot.runtime import Runtime


def _fail(message: str) -> int:
    print(f"tandem: {message}", file=sys.stderr)
    return 2


def run(
    request: BaseRequest | None = None, *, webhook: bool = False, replace_webhook: bool = False
) -> int:
    """Run against Telegram until SIGTERM or SIGINT: long polling, or with ``webhook`` the
    webhook app on ``PORT`` (default 8080) for ``WEBHOOK_URL`` (``WEBHOOK_SECRET`` required);
    ``/healthz`` and ``/metrics`` beside it (in polling mode only when ``PORT`` is set).
    ``request``: another transport (the emulator in tests). Returns the exit status: 0 after a
    graceful stop.

    A token Telegram refuses (python-telegram-bot's ``InvalidToken``, whose message carries
    the token), Telegram not answering, a webhook set while polling, another poller on the
    token and a port in use end with one line naming the problem, never the token or the
    secret. On SQLite a second process on the same file is refused with one line
    (``bot.storage.lock``). The settings that need no network (``DATABASE_URL``'s form,
    ``PROMETHEUS_MULTIPROC_DIR``, the content) are checked before Telegram is called.
    """
    settings = load_settings()
    token = settings.require_token()
    url, secret = settings.require_webhook() if webhook else (None, None)
    # Before anything imports prometheus_client's metrics, which write there at once.
    multiproc_dir = settings.require_metrics_dir()
    check_database_url(settings.database_url)  # before Telegram: DatabaseUnavailable

    from telegram.error import InvalidToken

    from bot.logs import configure_logging
    from bot.runtime import TandemApplication, build_application, start_runtime
    from bot.telegram.serve import Plan, ServeError, serve

    configure_logging(
        settings.log_level,
        token,
        json_lines=settings.log_format == "json",
        secrets=settings.secrets(),
    )
    load_content()  # fail fast, naming the bad file and entry
    with single_process(settings.database_url):  # SQLite: this process alone (DatabaseInUse)
        application = build_application(settings, request=request, webhook=webhook)
        plan = Plan(
            webhook_url=url,
            secret=secret,
            port=settings.port or (8080 if webhook else None),
            replace_webhook=replace_webhook,
            grace=settings.shutdown_grace_seconds,
            multiproc_dir=multiproc_dir,
        )

        async def start(app: TandemApplication) -> Runtime:
            runtime = await start_runtime(app, settings, schedule_tick=True)
            # What start-up built (the content bank's thousands of models, the Application)
            # lives as long as the process: out of the collector's reach, a full collection
            # no longer walks it (one had stalled the loop about 170 ms while /insights drew).
            gc.collect()
            gc.freeze()
            return runtime

        try:
            asyncio.run(serve(application, plan, start))
        except InvalidToken:
            server = settings.telegram_api_base_url
            also = f" (or TELEGRAM_API_BASE_URL {server} is not a Bot API server)" if server else ""
            return _fail(f"Telegram refused TELEGRAM_BOT_TOKEN: check it with @BotFather{also}")
        except ServeError as exc:
            return _fail(str(exc))
    return 0


def _where(settings: Settings) -> str:
    """The database URL without its password, for messages."""
    return masked_url(settings.database_url)


def db_upgrade() -> int:
    """Create or upgrade the database schema to the newest migration (checking the encryption
    keys first: a database whose encrypted text they do not open is left unchanged)."""
    from bot.storage.database import open_database

    settings = load_settings()

    async def _upgrade() -> None:
        engine = await open_database(settings.database_url, settings.encryption_key_list())
        await engine.dispose()

    asyncio.run(_upgrade())
    print(f"database at {_where(settings)} is up to date")
    return 0


def db_backup(target: str) -> int:
    """A consistent copy of the SQLite database at ``target`` (a new file), made while the bot
    may be running. The key file is not in it: keep its backup apart."""
    from bot.storage.database import backup

    settings = load_settings()
    made = backup(settings.database_url, Path(target))
    print(f"backup written to {made}; the encrypted text in it needs the key, kept apart")
    return 0


def keys_new() -> int:
    """Print a fresh encryption key (for ``ENCRYPTION_KEYS``)."""
    from bot.storage.crypt import new_key

    print(new_key())
    return 0


def keys_rotate() -> int:
    """Re-encrypt every encrypted value under the newest key, batch by batch, while the bot
    runs; prints the counts. Keys that do not open the stored text change nothing."""
    from bot.storage.database import open_database
    from bot.storage.rotation import rotate_all

    settings = load_settings()

    async def _rotate() -> list[str]:
        engine = await open_database(
            settings.database_url,
            settings.encryption_key_list(),
            migrate=False,
            create_key=False,
        )
        try:
            from bot.storage.crypt import keyring_of

            report = await rotate_all(engine, keyring_of(engine.dialect))
        finally:
            await engine.dispose()
        return [f"{r.table}.{r.column}: {r.rotated} re-encrypted" for r in report]

    for line in asyncio.run(_rotate()):
        print(line)
    print("done: every value is under the newest key; older keys may now be removed")
    return 0


def content_check() -> int:
    """Validate the content files and run the quality gates (:mod:`bot.domain.gates`): prints
    counts and the simulations' figures, then each failed gate; 1 when any failed."""
    from bot.domain import gates

    bank = load_content()
    places = 0 if bank.safety is None else len(bank.safety.countries)
    print(
        f"content ok: {len(bank.questions)} questions, {len(bank.exercises)} exercises, "
        f"{len(bank.packs)} packs, {len(bank.programs)} programs, "
        f"help resources for {places} countries"
    )
    results = gates.simulations(bank)
    for label, sim, _ in results:
        repeat = "none" if sim.first_repeat is None else str(sim.first_repeat)
        print(f"simulation, {label}: {sim.rounds} rounds, first unplanned repeat: {repeat}")
    offers = gates.simulate_offers(bank)
    print(
        f"simulation, exercise offers for a daily pair: {sum(offers.offers.values())} offers "
        f"a year, {len(offers.counts)} exercises, the most any one was offered: {offers.most}"
    )
    failed = (
        gates.problems(bank, simulate=False)
        + gates.repeat_problems(results)
        + gates.offer_problems(bank)
    )
    for line in failed:
        print(f"gate failed: {line}", file=sys.stderr)
    return 1 if failed else 0


def i18n_command(action: str, language: str | None) -> int:
    """``i18n extract``: write the catalog template; ``i18n init <lang>``: create or update
    a language's catalog from it (translations already made are kept); ``i18n check [lang]``:
    what keeps each shipped language (or ``lang``) from being complete, exit status 1 if
    anything (issue 12)."""
    from bot.i18n import available_locales, catalog, configured_locale_dir

    if action == "extract":
        path = catalog.write_template()
        print(f"wrote {path} ({len(catalog.extract_catalog())} messages)")
        return 0
    if action == "check":
        folder = configured_locale_dir()
        problems: list[str] = []
        for name in [language] if language else available_locales():
            po = folder / name / "LC_MESSAGES" / "tandem.po"
            if not po.is_file():
                return _fail(f"no catalog for {name}: {po}")
            found = catalog.translation_problems(po, folder / "tandem.pot")
            problems.extend(found)
            print(f"{name}: {'complete' if not found else f'{len(found)} problems'}")
        for line in problems:
            print(line, file=sys.stderr)
        return 1 if problems else 0
    if not language:
        return _fail("say which language, e.g. tandem i18n init de")
    try:
        path = catalog.init_locale(language)
    except ValueError as exc:
        return _fail(str(exc))
    print(f"wrote {path}: translate its msgstr entries; the bot picks it up on restart")
    return 0


def main(argv: Sequence[str] | None = None, *, request: BaseRequest | None = None) -> int:
    """Entry point of the ``tandem`` script; returns the exit status. ``request``: the
    transport ``run`` talks to Telegram through (default HTTPX; the emulator in tests)."""
    parser = argparse.ArgumentParser(prog="tandem", description="Tandem: check-ins for two.")
    sub = parser.add_subparsers(dest="command", required=True)
    run_cmd = sub.add_parser("run", help="run the bot (needs TELEGRAM_BOT_TOKEN); long polling")
    run_cmd.add_argument(
        "--webhook",
        action="store_true",
        help="take updates on a webhook instead (WEBHOOK_URL, WEBHOOK_SECRET, PORT)",
    )
    run_cmd.add_argument(
        "--replace-webhook",
        action="store_true",
        help="polling: delete a webhook that is set instead of refusing to start",
    )
    sub.add_parser("demo", help="play the whole loop against an emulated Telegram")
    db = sub.add_parser("db", help="database schema and backups")
    db.add_argument("action", choices=["upgrade", "backup"])
    db.add_argument("path", nargs="?", help="for backup: the new file to write")
    keys = sub.add_parser("keys", help="encryption keys")
    keys.add_argument("action", choices=["new", "rotate"])
    content = sub.add_parser("content", help="content files")
    content.add_argument("action", choices=["check"])
    i18n = sub.add_parser("i18n", help="message catalogs (translations)")
    i18n.add_argument("action", choices=["extract", "init", "check"])
    i18n.add_argument(
        "language", nargs="?", help="for init (and check): a language code such as de"
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            return run(request, webhook=args.webhook, replace_webhook=args.replace_webhook)
        if args.command == "demo":
            from bot.demo import main as demo_main

            return int(demo_main())
        if args.command == "db":
            if args.action == "upgrade":
                return db_upgrade()
            if not args.path:
                return _fail("say where to write the backup, e.g. tandem db backup backup.sqlite3")
            return db_backup(args.path)
        if args.command == "keys":
            return keys_new() if args.action == "new" else keys_rotate()
        if args.command == "i18n":
            return i18n_command(args.action, args.language)
        return content_check()
    except SettingsError as exc:
        return _fail(str(exc))
    except ContentError as exc:
        return _fail(f"invalid content: {exc}")
    except KeyringError as exc:
        return _fail(f"encryption: {exc}")
    except BackupError as exc:
        return _fail(f"backup: {exc}")
    except DatabaseInUse as exc:
        return _fail(str(exc))
    except SchemaOutOfDate as exc:
        return _fail(str(exc))
    except DatabaseUnavailable as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        return _crash(exc)


def _crash(exc: Exception) -> int:
    """An error nobody foresaw (a bug): its traceback logged through a handler that masks the
    token, the database password, the encryption keys and the webhook secret (Python's own
    report masks nothing). Returns exit status 1."""
    from bot.logs import configure_logging

    token, secrets, json_lines = None, [], False
    try:
        settings = load_settings()
    except Exception:  # unreadable settings carry no secret we could mask
        pass
    else:
        secrets = settings.secrets()
        json_lines = settings.log_format == "json"
        if settings.telegram_bot_token is not None:
            token = settings.telegram_bot_token.get_secret_value()
    configure_logging("ERROR", token, json_lines=json_lines, secrets=secrets)
    logging.getLogger("bot.cli").critical(
        "unexpected error (a bug; the traceback follows, secrets masked): %s",
        type(exc).__name__,
        exc_info=exc,
    )
    return 1
