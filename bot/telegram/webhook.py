"""The HTTP side of a running bot: a small Starlette app (python-telegram-bot's custom-webhook
pattern) with the webhook route, ``/healthz`` and ``/metrics``.

* ``POST <path of WEBHOOK_URL>``: Telegram's update. The ``X-Telegram-Bot-Api-Secret-Token``
  header must equal ``WEBHOOK_SECRET`` (compared in constant time) or the answer is 401 and
  nothing is read; a body that is not JSON, or JSON that is not an update, gets 400; an update
  of a type Tandem does not handle is answered 200 and dropped (debug log); any other update
  goes to ``application.update_queue`` (200), where the Application handles it as in polling.
  While the process stops, 503: Telegram delivers it again later, to whoever runs then.
* ``GET /healthz``: 200 and ``{"status": "ok", …}`` when the checks pass, else 503 naming the
  check that failed (see ``bot/health.py``).
* ``GET /metrics``: Prometheus's text format (see ``bot/metrics.py``).

Polling mode serves the same app without the webhook route.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any, Protocol

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update

from bot.health import Health
from bot.metrics import WEBHOOK_REJECTED, Readings, exposition, refresh
from bot.telegram.application import kind_of

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: No update Telegram sends comes near this (a message is at most 4,096 characters plus its
#: entities and the sender's details); a larger body is refused unread (413) or unparsed.
MAX_BODY_BYTES = 1_000_000


class Probe(Protocol):
    """What ``/healthz`` and ``/metrics`` read (``bot.health.Checks`` implements it)."""

    async def health(self) -> Health:
        """Run the health checks; never raises."""
        ...

    async def readings(self) -> Readings:
        """The database figures; raises when the database does not answer."""
        ...


def web_app(
    application: Any,
    probe: Probe,
    *,
    webhook_path: str | None = None,
    secret: str | None = None,
    multiproc_dir: str | None = None,
) -> Starlette:
    """The ASGI app for ``application`` (a python-telegram-bot ``Application``).

    ``webhook_path`` and ``secret``: serve Telegram's webhook there (both or neither; None:
    polling mode, only health and metrics). ``multiproc_dir``: ``PROMETHEUS_MULTIPROC_DIR``.
    Raises ValueError when only one of ``webhook_path`` and ``secret`` is given.
    """
    if (webhook_path is None) != (secret is None):
        raise ValueError("a webhook needs both its path and its secret")
    expected = (secret or "").encode()

    async def telegram(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            WEBHOOK_REJECTED.labels(reason="unauthorized").inc()
            logger.info("webhook request refused: missing or wrong secret token")
            return Response(status_code=401)
        if not application.running:
            return Response(status_code=503)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            WEBHOOK_REJECTED.labels(reason="too_large").inc()
            logger.info("webhook request refused: the body is larger than an update can be")
            return Response(status_code=413)
        try:
            body = await request.body()
            if len(body) > MAX_BODY_BYTES:
                raise ValueError("too large")
            data = json.loads(body)
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                raise ValueError("not an update")
            update = Update.de_json(data, application.bot)
        except Exception:  # whatever the body is (nested too deep, a date out of range, …)
            WEBHOOK_REJECTED.labels(reason="malformed").inc()
            logger.info("webhook request refused: the body is not an update")
            return Response(status_code=400)
        if kind_of(update) == "other":
            WEBHOOK_REJECTED.labels(reason="ignored").inc()
            logger.debug("update %s is of a type Tandem does not handle: ignored", update.update_id)
            return Response()
        await application.update_queue.put(update)
        return Response()

    async def healthz(request: Request) -> Response:
        health = await probe.health()
        return JSONResponse(health.as_json(), status_code=200 if health.ok else 503)

    async def metrics(request: Request) -> Response:
        try:
            refresh(await probe.readings())
        except Exception as exc:  # the counters are still worth a scrape
            logger.warning("metrics: database figures not read: %s", type(exc).__name__)
        body, content_type = exposition(multiproc_dir)
        return Response(body, media_type=content_type)

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
    if webhook_path is not None:
        routes.append(Route(webhook_path, telegram, methods=["POST"]))
    return Starlette(routes=routes)
