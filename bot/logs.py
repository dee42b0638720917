"""Logging set-up that keeps secrets out of logs (DESIGN.md, privacy rule 5).

httpx logs request URLs, which carry the bot token; python-telegram-bot logs request
parameters (message texts, answers) at DEBUG; aiosqlite logs the statements it runs with their
arguments at DEBUG. Those loggers are pinned above DEBUG whatever the configured level, and the
handler masks the token wherever it might still appear, tracebacks included.
"""

from __future__ import annotations

import logging
import sys

PINNED = {
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "telegram": logging.INFO,
    # It logs a handled 429 at ERROR with a traceback; the outbox reschedules and logs it.
    "telegram.ext.AIORateLimiter": logging.CRITICAL,
    "apscheduler": logging.INFO,
    "aiosqlite": logging.INFO,
    "matplotlib": logging.WARNING,  # font and backend chatter, not about Tandem
    "sqlalchemy": logging.WARNING,
    "alembic": logging.WARNING,
}


def _secrets_of(token: str | None) -> list[str]:
    """What to mask: the token, and its secret part alone (after the bot id)."""
    if not token:
        return []
    secret = token.partition(":")[2]
    return [token, secret] if len(secret) >= 8 else [token]


def redact(text: str, token: str | None) -> str:
    """``text`` with the bot token (and its secret part) replaced by ``[token]``."""
    for secret in _secrets_of(token):
        text = text.replace(secret, "[token]")
    return text


class RedactToken(logging.Filter):
    """Replaces the bot token in a record's message (after formatting) with ``[token]``."""

    def __init__(self, token: str | None) -> None:
        super().__init__()
        self._token = token

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the token; always keeps the record."""
        if self._token:
            message = record.getMessage()
            masked = redact(message, self._token)
            if masked != message:
                record.msg = masked
                record.args = None
        return True


class RedactingFormatter(logging.Formatter):
    """A formatter whose whole output, traceback included, has the token masked: an
    exception's message may carry it (python-telegram-bot's ``InvalidToken`` does)."""

    def __init__(self, fmt: str, token: str | None) -> None:
        super().__init__(fmt)
        self._token = token

    def format(self, record: logging.LogRecord) -> str:
        """The formatted record with the token masked."""
        return redact(super().format(record), self._token)


def configure_logging(level: str, token: str | None = None, stream: object = None) -> None:
    """Configure the root logger at ``level`` ("DEBUG" … "ERROR") writing to ``stream``
    (default stderr), pin the chatty loggers, and mask ``token`` in messages and tracebacks."""
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", token)
    )
    handler.addFilter(RedactToken(token))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    pin_loggers()


def pin_loggers() -> None:
    """Set the loggers that would leak the token or answer text to a safe level."""
    for name, pinned in PINNED.items():
        logging.getLogger(name).setLevel(pinned)
