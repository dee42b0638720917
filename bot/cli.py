"""The ``tandem`` command: ``run`` (long polling), ``demo`` (no token needed), ``db upgrade``,
``content check``, ``i18n extract|init``.

Settings problems and invalid content stop start-up with one line naming what is wrong.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from bot.settings import SettingsError, load_settings
from content.loader import load_content
from content.schema import ContentError


def _fail(message: str) -> int:
    print(f"tandem: {message}", file=sys.stderr)
    return 2


def run() -> int:
    """Run against Telegram with long polling until interrupted."""
    from telegram import Update

    from bot.logs import configure_logging
    from bot.runtime import build_application

    settings = load_settings()
    token = settings.require_token()
    configure_logging(settings.log_level, token)
    load_content()  # fail fast, naming the bad file and entry
    application = build_application(settings, post_init_runtime=True)
    application.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
    return 0


def db_upgrade() -> int:
    """Create or upgrade the database schema to the newest migration."""
    from bot.storage.database import create_engine, upgrade

    settings = load_settings()

    async def _upgrade() -> None:
        engine = create_engine(settings.database_url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(_upgrade())
    print(f"database at {settings.database_url.split('@')[-1]} is up to date")
    return 0


def content_check() -> int:
    """Validate the content files; prints counts."""
    bank = load_content()
    places = 0 if bank.safety is None else len(bank.safety.countries)
    print(
        f"content ok: {len(bank.questions)} questions, {len(bank.exercises)} exercises, "
        f"help resources for {places} countries"
    )
    return 0


def i18n_command(action: str, language: str | None) -> int:
    """``i18n extract``: write the catalog template; ``i18n init <lang>``: create or update
    a language's catalog from it (translations already made are kept)."""
    from bot.i18n import catalog

    if action == "extract":
        path = catalog.write_template()
        print(f"wrote {path} ({len(catalog.extract_catalog())} messages)")
        return 0
    if not language:
        return _fail("say which language, e.g. tandem i18n init de")
    try:
        path = catalog.init_locale(language)
    except ValueError as exc:
        return _fail(str(exc))
    print(f"wrote {path}: translate its msgstr entries; the bot picks it up on restart")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tandem`` script; returns the exit status."""
    parser = argparse.ArgumentParser(prog="tandem", description="Tandem: check-ins for two.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot with long polling (needs TELEGRAM_BOT_TOKEN)")
    sub.add_parser("demo", help="play the whole loop against an emulated Telegram")
    db = sub.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade"])
    content = sub.add_parser("content", help="content files")
    content.add_argument("action", choices=["check"])
    i18n = sub.add_parser("i18n", help="message catalogs (translations)")
    i18n.add_argument("action", choices=["extract", "init"])
    i18n.add_argument("language", nargs="?", help="for init: a language code such as de")
    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            return run()
        if args.command == "demo":
            from bot.demo import main as demo_main

            return int(demo_main())
        if args.command == "db":
            return db_upgrade()
        if args.command == "i18n":
            return i18n_command(args.action, args.language)
        return content_check()
    except SettingsError as exc:
        return _fail(str(exc))
    except ContentError as exc:
        return _fail(f"invalid content: {exc}")
    except KeyboardInterrupt:
        return 130
