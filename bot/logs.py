"""Logging set-up that keeps secrets out of logs (DESIGN.md, privacy rule 5).

httpx logs request URLs, which carry the bot token; python-telegram-bot logs request
parameters (message texts, answers) at DEBUG; aiosqlite logs the statements it runs with their
arguments at DEBUG. Those loggers are pinned above DEBUG whatever the configured level, and the
handler masks the token wherever it might still appear, tracebacks included.

``LOG_FORMAT=json`` writes one JSON object per line (:class:`JsonFormatter`): ``time``,
``level``, ``logger``, ``message``, and ``update_id`` / ``due_id`` / ``pair_id`` while an
update or a due-work row that concerns them is handled (:func:`log_context`, :func:`bind`:
context variables, so each update's task sees its own). The token is masked there too; names
and answers are never in a message to begin with (privacy rule 5), and the ids are numbers
only.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

PINNED = {
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "telegram": logging.INFO,
    # It logs a handled 429 at ERROR with a traceback; the outbox reschedules and logs it.
    "telegram.ext.AIORateLimiter": logging.CRITICAL,
    # "Running job tandem-tick" at INFO every TICK_SECONDS says nothing an operator needs.
    "apscheduler": logging.WARNING,
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


def redact(text: str, token: str | None, others: Sequence[str] = ()) -> str:
    """``text`` with the bot token (and its secret part) replaced by ``[token]``, and each of
    ``others`` (a database password, encryption keys, the webhook secret) by ``***``."""
    for secret in _secrets_of(token):
        text = text.replace(secret, "[token]")
    for other in others:
        if other:
            text = text.replace(other, "***")
    return text


class RedactToken(logging.Filter):
    """Replaces the bot token in a record's message (after formatting) with ``[token]``."""

    def __init__(self, token: str | None, others: Sequence[str] = ()) -> None:
        super().__init__()
        self._token = token
        self._others = tuple(others)

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the token; always keeps the record."""
        if self._token or self._others:
            message = record.getMessage()
            masked = redact(message, self._token, self._others)
            if masked != message:
                record.msg = masked
                record.args = None
        return True


class RedactingFormatter(logging.Formatter):
    """A formatter whose whole output, traceback included, has the token masked: an
    exception's message may carry it (python-telegram-bot's ``InvalidToken`` does)."""

    def __init__(self, fmt: str, token: str | None, others: Sequence[str] = ()) -> None:
        super().__init__(fmt)
        self._token = token
        self._others = tuple(others)

    def format(self, record: logging.LogRecord) -> str:
        """The formatted record with the token and the other secrets masked."""
        return redact(super().format(record), self._token, self._others)


#: The ids of what is being handled in this task (``update_id``, ``pair_id``), or None.
_IDS: ContextVar[dict[str, int] | None] = ContextVar("tandem_log_ids", default=None)


@contextmanager
def log_context(**ids: int) -> Iterator[None]:
    """Within this block (one update's or one due-work row's handling), log records carry
    ``ids``; a :func:`bind` inside adds to them, and everything is forgotten when it ends."""
    token = _IDS.set(dict(ids))
    try:
        yield
    finally:
        _IDS.reset(token)


def update_context(update_id: int) -> AbstractContextManager[None]:
    """:func:`log_context` for one update: its lines carry ``update_id``."""
    return log_context(update_id=update_id)


def bind(**ids: int | None) -> None:
    """Add ids (e.g. ``pair_id``) to the current update's log context; a None is skipped and
    nothing happens outside :func:`update_context` (a tick, start-up)."""
    current = _IDS.get()
    if current is None:
        return
    _IDS.set({**current, **{k: v for k, v in ids.items() if v is not None}})


def log_ids() -> dict[str, int]:
    """The ids bound to the current update (empty outside one)."""
    return dict(_IDS.get() or {})


class JsonFormatter(logging.Formatter):
    """One JSON object per record and line: ``time`` (ISO 8601, UTC), ``level``, ``logger``,
    ``message``, the ids of :func:`log_ids` and ``exception`` (the traceback) when there is
    one; the token masked in all of it."""

    def __init__(self, token: str | None, others: Sequence[str] = ()) -> None:
        super().__init__()
        self._token = token
        self._others = tuple(others)

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage(), self._token, self._others),
        }
        entry.update(log_ids())
        if record.exc_info:
            entry["exception"] = redact(
                self.formatException(record.exc_info), self._token, self._others
            )
        return redact(json.dumps(entry, ensure_ascii=False), self._token, self._others)


def configure_logging(
    level: str,
    token: str | None = None,
    stream: object = None,
    *,
    json_lines: bool = False,
    secrets: Sequence[str] = (),
) -> None:
    """Configure the root logger at ``level`` ("DEBUG" … "ERROR") writing to ``stream``
    (default stderr), pin the chatty loggers, and mask ``token`` (as ``[token]``) and
    ``secrets`` (as ``***``: the database password, encryption keys, the webhook secret) in
    messages and tracebacks. ``json_lines``: one JSON object per line (``LOG_FORMAT=json``)
    instead of text."""
    others = sorted({s for s in secrets if s and s != token}, key=len, reverse=True)
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler.setFormatter(
        JsonFormatter(token, others)
        if json_lines
        else RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", token, others)
    )
    handler.addFilter(RedactToken(token, others))
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
