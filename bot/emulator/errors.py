"""Refusals: the error responses of the Bot API, raised inside the emulator.

:class:`_Refusal` carries an HTTP status / ``error_code``, a ``description`` and an optional
``retry_after``, and renders the JSON body Telegram sends; :meth:`FakeBotAPI.do_request
<bot.emulator.api.FakeBotAPI.do_request>` turns every refusal raised while answering a call into
that response, so python-telegram-bot raises the exception it raises in production.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any


class _Refusal(Exception):
    """An error response of the Bot API, raised inside the emulator and turned into JSON."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> bytes:
        """Return the response body exactly as Telegram shapes it."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return json.dumps(body).encode()


def _bad_request(description: str) -> _Refusal:
    """Return a 400 refusal; ``description`` without the ``Bad Request: `` prefix."""
    return _Refusal(HTTPStatus.BAD_REQUEST, f"Bad Request: {description}")


def _parse_error(detail: str) -> _Refusal:
    """Return the 400 refusal Telegram gives for malformed ``parse_mode`` markup."""
    return _bad_request(f"can't parse entities: {detail}")
