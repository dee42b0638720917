"""Settings, read once from environment variables and an optional ``.env`` file.

Nothing else in Tandem reads ``os.environ``. A missing or malformed setting raises
:class:`SettingsError` with one line naming it, which the CLI prints before exiting.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import tempfile
from typing import Annotated, Literal
from urllib.parse import unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

_TOKEN_RE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line naming it."""


class Settings(BaseSettings):
    """Tandem's configuration.

    Environment variables (case-insensitive), or the same names in ``.env``:

    * ``TELEGRAM_BOT_TOKEN``: the token from @BotFather; required to run against Telegram.
    * ``DATABASE_URL``: an SQLAlchemy async URL; default a SQLite file ``tandem.sqlite3`` in the
      working directory. PostgreSQL works with ``postgresql+asyncpg://…`` (driver not bundled).
    * ``TELEGRAM_API_BASE_URL``: root URL of a Bot API server, e.g. ``http://127.0.0.1:8081``;
      requests go to ``<root>/bot<token>/<method>``.
    * ``DEFAULT_TIMEZONE``: IANA zone used until a user picks theirs (default ``UTC``).
    * ``LOG_LEVEL``: DEBUG, INFO, WARNING or ERROR (default INFO).
    * ``TICK_SECONDS``: how often the due-work tick runs (default 5).
    * ``WEBHOOK_URL``: the public HTTPS URL Telegram posts updates to in ``tandem run --webhook``;
      its path is the route served (e.g. ``https://bot.example.org/telegram``).
    * ``WEBHOOK_SECRET``: 1–256 of ``A-Za-z0-9_-``, required with ``--webhook``; Telegram sends
      it in ``X-Telegram-Bot-Api-Secret-Token`` and a request without it is refused (401).
    * ``PORT``: where the HTTP server listens (webhook, ``/healthz``, ``/metrics``); default
      8080 in webhook mode; in polling mode the server runs only when it is set.
    * ``LOG_FORMAT``: ``text`` (default) or ``json`` (one object per line).
    * ``ADMIN_CHAT_ID``: a chat that gets a short report of each error (at most one a minute).
    * ``SHUTDOWN_GRACE_SECONDS``: how long SIGTERM waits for handlers in flight (default 10).
    * ``HEALTH_MAX_LAG_SECONDS``: ``/healthz`` fails when due work waits longer (default 300).
    * ``PROMETHEUS_MULTIPROC_DIR``: prometheus_client's folder for metrics shared by several
      processes of one deployment (set it for every process, empty it before they start).
    * ``ADMIN_USER_IDS``: Telegram user ids of bot admins, comma-separated (default none);
      admins make users facilitators.
    * ``AGGREGATE_MIN_PAIRS``: K, the fewest pairs whose answers a figure shown to facilitators
      may be derived from (default 5, never below 3: DESIGN.md, privacy rule 2).
    * ``ENCRYPTION_KEYS``: Fernet keys for the free text stored encrypted, comma-separated,
      newest first (``tandem keys new`` prints one). Unset: a key file beside the SQLite
      database (``<file>.key``), created on the first run; required for any other database.
    * ``MAX_LATENESS_MINUTES``: a scheduled question goes out within this many minutes of its
      slot, or not at all (the round is skipped for that pair, logged and counted; default
      15).
    * ``PAID_BROADCAST``: ``true`` sends scheduled bulk (waves of questions, broadcasts) with
      ``allow_paid_broadcast``, up to 1,000 messages/s, billed in Telegram Stars beyond the
      free 30/s (default ``false``).
    """

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    telegram_bot_token: SecretStr | None = None
    database_url: str = "sqlite+aiosqlite:///tandem.sqlite3"
    telegram_api_base_url: str | None = None
    default_timezone: str = "UTC"
    log_level: LogLevel = "INFO"
    tick_seconds: float = Field(default=5.0, gt=0, le=300)
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    log_format: Literal["text", "json"] = "text"
    admin_chat_id: int | None = None
    shutdown_grace_seconds: float = Field(default=10.0, ge=0, le=600)
    health_max_lag_seconds: float = Field(default=300.0, gt=0)
    prometheus_multiproc_dir: str | None = None
    admin_user_ids: Annotated[tuple[int, ...], NoDecode] = ()
    aggregate_min_pairs: int = Field(default=5, ge=3, le=1000)
    encryption_keys: SecretStr | None = None
    max_lateness_minutes: int = Field(default=15, ge=1, le=24 * 60)
    paid_broadcast: bool = False

    @field_validator("admin_user_ids", mode="before")
    @classmethod
    def _admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            if not all(p.isdigit() for p in parts):
                raise ValueError("must be Telegram user ids separated by commas, e.g. 123,456")
            return tuple(int(p) for p in parts)
        return value

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _TOKEN_RE.match(value.get_secret_value()):
            raise ValueError("does not look like a bot token (digits:letters from @BotFather)")
        return value

    @field_validator("encryption_keys")
    @classmethod
    def _fernet_keys(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        keys = _split_keys(value.get_secret_value())
        if not keys:
            return None
        for position, key in enumerate(keys, start=1):
            try:
                raw = base64.urlsafe_b64decode(key.encode("ascii"))
            except (binascii.Error, ValueError, UnicodeError):
                raw = b""
            if len(raw) != 32:
                raise ValueError(
                    f"key {position} is not a Fernet key (`tandem keys new` prints one)"
                )
        return value

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA timezone {value!r}") from exc
        return value

    @field_validator("telegram_api_base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not re.match(r"^https?://[^\s/]+(/[^\s]*)?$", value):
            raise ValueError("must be an http(s) URL such as http://127.0.0.1:8081")
        return value.rstrip("/")

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not re.match(r"^https?://[^\s/]+(/[^\s]*)?$", value):
            raise ValueError("must be the public URL Telegram posts to, e.g. https://host/telegram")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or value.get_secret_value() == "":
            return None
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return value

    @field_validator("database_url")
    @classmethod
    def _db_url(cls, value: str) -> str:
        if "://" not in value:
            raise ValueError("must be an SQLAlchemy URL such as sqlite+aiosqlite:///tandem.sqlite3")
        return value

    def encryption_key_list(self) -> list[str]:
        """The ``ENCRYPTION_KEYS``, newest first; empty when unset (use the key file)."""
        if self.encryption_keys is None:
            return []
        return _split_keys(self.encryption_keys.get_secret_value())

    def require_webhook(self) -> tuple[str, str]:
        """``(WEBHOOK_URL, WEBHOOK_SECRET)`` for webhook mode. Raises SettingsError naming the
        one that is missing (never printing the secret)."""
        if self.webhook_url is None:
            raise SettingsError(
                "WEBHOOK_URL is not set: --webhook needs the public URL Telegram posts to"
            )
        if self.webhook_secret is None:
            raise SettingsError(
                "WEBHOOK_SECRET is not set: --webhook needs one (1-256 of A-Za-z0-9_-), "
                "e.g. from `python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
            )
        return self.webhook_url, self.webhook_secret.get_secret_value()

    def require_metrics_dir(self) -> str | None:
        """``PROMETHEUS_MULTIPROC_DIR`` (None when unset), checked to be a folder this process
        can write to (prometheus_client writes a file there for each metric as soon as it is
        imported). Raises SettingsError naming the problem."""
        folder = self.prometheus_multiproc_dir
        if not folder:
            return None
        name = f"PROMETHEUS_MULTIPROC_DIR: {folder}"
        if not os.path.exists(folder):
            raise SettingsError(
                f"{name} does not exist: create the folder (empty) before the processes start"
            )
        if not os.path.isdir(folder):
            raise SettingsError(f"{name} is not a folder")
        try:
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".tandem-check-"):
                pass
        except OSError as exc:
            raise SettingsError(
                f"{name} cannot be written to ({exc.strerror}): give this process's user "
                "write access to it"
            ) from None
        return folder

    def secrets(self) -> list[str]:
        """Every secret setting's value, to mask in logs and tracebacks: the token, the
        database password, the encryption keys, the webhook secret."""
        found = [self.telegram_bot_token, self.webhook_secret]
        values = [s.get_secret_value() for s in found if s is not None]
        values += self.encryption_key_list() + _url_passwords(self.database_url)
        return [v for v in values if v]

    def require_token(self) -> str:
        """The bot token as a plain string. Raises SettingsError when it is not set."""
        if self.telegram_bot_token is None:
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN is not set: get one from @BotFather "
                "(or try `tandem demo`, which needs none)"
            )
        return self.telegram_bot_token.get_secret_value()


def _url_passwords(url: str) -> list[str]:
    """The password of a database URL as written and percent-decoded (empty: none)."""
    found = re.search(r"://[^:/@]*:([^@]*)@", url)
    if not found or not found.group(1):
        return []
    return sorted({found.group(1), unquote(found.group(1))}, key=len, reverse=True)


def _split_keys(text: str) -> list[str]:
    return [k.strip() for k in text.replace("\n", ",").split(",") if k.strip()]


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment and ``.env``; ``overrides`` win over both.

    Raises :class:`SettingsError` with one line naming the first bad setting.
    """
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]).upper() if err["loc"] else "settings"
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"{name}: {msg}") from None
