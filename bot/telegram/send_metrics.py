"""Prometheus counters of delivery (prometheus_client's default registry; whoever serves
``/metrics`` exposes them). Labels carry no ids, names or texts."""

from __future__ import annotations

from prometheus_client import Counter

MESSAGES_SENT = Counter(
    "tandem_messages_sent",
    "Messages Telegram accepted, by priority (interactive, normal, bulk).",
    ["priority"],
)
SEND_ERRORS = Counter(
    "tandem_send_errors",
    "Send attempts that failed, by kind (network, timeout, server, blocked, refused, late).",
    ["kind"],
)
RETRY_AFTER = Counter(
    "tandem_telegram_retry_after",
    "429 Too Many Requests answers received from Telegram.",
)
