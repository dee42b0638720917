"""Telegram's sending limits and injected faults, for :class:`~bot.emulator.api.FakeBotAPI`.

Off by default (the end-to-end suite sees an unlimited, faultless Telegram). Switched on:

* :meth:`LimitsAndFaults.enforce_limits`: about 30 messages per second overall (any sliding
  one-second window), 1 message per second per chat, and, for ``allow_paid_broadcast``
  messages, 1,000 per second overall; a message over a limit is refused with 429 ``Too Many
  Requests: retry after N`` and ``parameters.retry_after`` (whole seconds, as Telegram sends).
  Messages are ``sendMessage``, ``sendPhoto`` and ``sendDocument``; edits, deletions and
  callback answers are not counted. Instants come from the emulator's clock: real time in the
  benchmarks, the tests' manual clock in tests. (Telegram documents these limits only
  roughly: "about 30 messages per second", "no more than one message per second" in a chat;
  https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this.)
* :meth:`LimitsAndFaults.outage`: every call between two instants fails as the network would
  (``kind`` "network": a connection error; "timeout"; "5xx": 502 Bad Gateway).
* :meth:`LimitsAndFaults.timeouts_after_accept`: a share of accepted messages is stored (the
  chat shows it) but the caller sees a timeout, as when Telegram's answer is lost on the way
  back; a sender that retries sends a duplicate.
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from typing import Any, Final

from telegram.error import NetworkError, TimedOut

from bot.emulator.errors import _Refusal

#: The Bot API methods that send a message (and count against the limits).
MESSAGE_METHODS: Final[frozenset[str]] = frozenset({"sendMessage", "sendPhoto", "sendDocument"})


@dataclass
class Limits:
    """The limits enforced: messages per second overall and for paid broadcasts, seconds
    between two messages to one chat."""

    overall_per_second: int = 30
    per_chat_seconds: float = 1.0
    paid_per_second: int = 1000


@dataclass
class _Outage:
    start: datetime
    end: datetime
    kind: str


@dataclass
class SendLog:
    """What the limits saw: every accepted message as ``(unix seconds, chat id, paid)``, and
    how many 429s and injected faults were answered."""

    accepted: list[tuple[float, int, bool]] = field(default_factory=list)
    retry_afters: int = 0
    #: Of ``retry_afters``: how many for a chat's one-per-second limit.
    chat_retry_afters: int = 0
    faults: int = 0
    timeouts_after_accept: int = 0


class LimitsAndFaults:
    """The limits and faults of :class:`~bot.emulator.api.FakeBotAPI` (a mixin)."""

    clock: Callable[[], datetime]

    def _init_limits(self) -> None:
        """Set up with no limit and no fault (called by ``FakeBotAPI.__init__``)."""
        self.limits: Limits | None = None
        self.send_log = SendLog()
        self._outages: list[_Outage] = []
        self._accept_timeout_rate = 0.0
        self._fault_rng = random.Random(0)
        self._window: deque[float] = deque()
        self._paid_window: deque[float] = deque()
        self._last_in_chat: dict[int, float] = {}

    def enforce_limits(
        self,
        overall_per_second: int = 30,
        per_chat_seconds: float = 1.0,
        paid_per_second: int = 1000,
    ) -> None:
        """Refuse messages over Telegram's limits with 429 from now on (see the module)."""
        self.limits = Limits(overall_per_second, per_chat_seconds, paid_per_second)

    def outage(self, start: datetime, end: datetime, *, kind: str = "network") -> None:
        """Fail every call made from ``start`` until ``end`` (aware, on the emulator's clock)
        with ``kind``: "network" (connection error), "timeout" or "5xx" (502)."""
        if kind not in ("network", "timeout", "5xx"):
            raise ValueError(f"unknown outage kind {kind!r}")
        self._outages.append(_Outage(start, end, kind))

    def timeouts_after_accept(self, rate: float, *, seed: int = 0) -> None:
        """From now on, a share ``rate`` (0–1) of accepted messages times out after being
        stored, drawn from a generator seeded with ``seed``."""
        self._accept_timeout_rate = rate
        self._fault_rng = random.Random(seed)

    # ---- used by do_request ---------------------------------------------------------------

    def _before_call(self, endpoint: str, params: dict[str, Any]) -> None:
        """Raise the injected fault in force, or a 429 for a message over a limit."""
        now = self.clock()
        for outage in self._outages:
            if outage.start <= now < outage.end:
                self.send_log.faults += 1
                if outage.kind == "timeout":
                    raise TimedOut("Timed out (emulated outage)")
                if outage.kind == "5xx":
                    raise _Refusal(HTTPStatus.BAD_GATEWAY, "Bad Gateway")
                raise NetworkError("httpx.ConnectError: emulated outage")
        if self.limits is None or endpoint not in MESSAGE_METHODS:
            return
        at = now.timestamp()
        chat_id = _chat_of(params)
        last = self._last_in_chat.get(chat_id) if chat_id is not None else None
        if last is not None and at - last < self.limits.per_chat_seconds:
            self.send_log.chat_retry_afters += 1
            self._too_many(self.limits.per_chat_seconds - (at - last))
        paid = _flag(params.get("allow_paid_broadcast"))
        window = self._paid_window if paid else self._window
        cap = self.limits.paid_per_second if paid else self.limits.overall_per_second
        while window and window[0] <= at - 1.0:
            window.popleft()
        if len(window) >= cap:
            self._too_many(window[0] + 1.0 - at)

    def _after_call(self, endpoint: str, params: dict[str, Any]) -> None:
        """Record an accepted message; maybe lose Telegram's answer (a timeout after it)."""
        if endpoint not in MESSAGE_METHODS:
            return
        at = self.clock().timestamp()
        chat_id = _chat_of(params)
        paid = _flag(params.get("allow_paid_broadcast"))
        self.send_log.accepted.append((at, chat_id or 0, paid))
        if self.limits is not None:
            (self._paid_window if paid else self._window).append(at)
            if chat_id is not None:
                self._last_in_chat[chat_id] = at
        if self._accept_timeout_rate and self._fault_rng.random() < self._accept_timeout_rate:
            self.send_log.timeouts_after_accept += 1
            raise TimedOut("Timed out (emulated: the message was accepted)")

    def _too_many(self, wait: float) -> None:
        seconds = max(1, math.ceil(wait))
        self.send_log.retry_afters += 1
        raise _Refusal(
            HTTPStatus.TOO_MANY_REQUESTS, f"Too Many Requests: retry after {seconds}", seconds
        )


def _chat_of(params: dict[str, Any]) -> int | None:
    value = params.get("chat_id")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _flag(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)
