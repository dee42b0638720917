"""Prometheus metrics: Tandem's own, and their exposition in the text format for ``/metrics``.

Every metric lives in prometheus_client's default registry, so what other modules register
there (messages sent by priority, send errors by kind, 429s, …) is exposed with these.
Counters count in the process that did the work; the gauges are read from the database when
``/metrics`` is scraped (:func:`refresh`), so every process shows the same figures.

Several processes (``web`` workers behind one address): set ``PROMETHEUS_MULTIPROC_DIR`` to an
empty folder shared by all of them *before they start* (prometheus_client then keeps values in
memory-mapped files there) and any of them answers ``/metrics`` with the sum over all
(prometheus_client's ``MultiProcessCollector``); the database gauges keep the most recent
reading. Imports nothing of ours.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

#: Updates handled by this process, by kind (``message``, ``callback_query``, …).
UPDATES = Counter("tandem_updates_handled_total", "Telegram updates handled, by kind", ["kind"])
#: Webhook requests refused or ignored, by reason (``unauthorized``, ``malformed``,
#: ``ignored``: an update type the bot does not handle).
WEBHOOK_REJECTED = Counter(
    "tandem_webhook_rejected_total",
    "Webhook requests not handed to the bot, by reason",
    ["reason"],
)
#: Seconds the oldest due work has waited for someone to take it (0: nothing waits).
DUE_LAG = Gauge(
    "tandem_due_work_lag_seconds",
    "Seconds the oldest ready due-work row has waited past its instant",
    multiprocess_mode="mostrecent",
)
#: Rounds open now (both partners asked, not revealed or expired yet).
OPEN_ROUNDS = Gauge("tandem_open_rounds", "Rounds open now", multiprocess_mode="mostrecent")
#: Messages waiting in the outbox (queued, not yet accepted or refused by Telegram).
OUTBOX_DEPTH = Gauge(
    "tandem_outbox_depth", "Messages waiting in the outbox", multiprocess_mode="mostrecent"
)


@dataclass(frozen=True)
class Readings:
    """What the database says at one instant: due-work lag in seconds, open rounds and
    outbox depth (see :func:`refresh`)."""

    due_lag_seconds: float
    open_rounds: int
    outbox_depth: int


def refresh(readings: Readings) -> None:
    """Set the database gauges from ``readings`` (called just before an exposition)."""
    DUE_LAG.set(readings.due_lag_seconds)
    OPEN_ROUNDS.set(readings.open_rounds)
    OUTBOX_DEPTH.set(readings.outbox_depth)


def exposition(multiproc_dir: str | None = None) -> tuple[bytes, str]:
    """The Prometheus text exposition and its content type.

    ``multiproc_dir``: the ``PROMETHEUS_MULTIPROC_DIR`` setting; when set, the values of every
    process writing there are collected (and summed for counters), else this process's
    default registry is exposed.
    """
    if multiproc_dir:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=multiproc_dir)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
