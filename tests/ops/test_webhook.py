"""The webhook app in process (httpx's ASGITransport) in front of the real Application on a
real SQLite file: the secret, bad bodies, update types Tandem does not handle, /healthz and
/metrics as an operator reads them."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram import Update
from telegram.ext import CallbackQueryHandler, ChatMemberHandler, CommandHandler, MessageHandler

from bot.health import Checks
from bot.sandbox import Sandbox
from bot.storage.database import create_engine
from bot.storage.ops import SqlOps
from bot.storage.queues import schedule_due
from bot.telegram import handlers
from bot.telegram.application import ALLOWED_UPDATES
from bot.telegram.webhook import SECRET_HEADER, web_app

SECRET = "s3cret-Token_for-tests"
PATH = "/telegram/hook"


@pytest.fixture
async def client(box: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the webhook app of a running (started) sandbox Application."""
    app = web_app(box.app, box.runtime.probe, webhook_path=PATH, secret=SECRET)
    await box.app.start()
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:
            yield http
    finally:
        await box.app.stop()


def start_update(box: Sandbox, user_id: int = 11, update_id: int = 1) -> dict[str, Any]:
    """Telegram's JSON of ``/start`` from a new private chat."""
    box.fake.private_chat(user_id)
    box.fake.user(user_id, "Robin")
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": box.fake.now_timestamp(),
            "chat": {"id": user_id, "type": "private", "first_name": "Robin"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Robin"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def post(
    http: httpx.AsyncClient, body: bytes | dict[str, Any], secret: str | None = SECRET
) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return await http.post(PATH, content=content, headers=headers)


async def handled(box: Sandbox) -> None:
    """Wait until the Application has handled every update it was given."""
    await box.app.update_queue.join()


async def test_the_right_secret_gets_the_update_handled(
    box: Sandbox, client: httpx.AsyncClient
) -> None:
    response = await post(client, start_update(box))
    await handled(box)
    assert response.status_code == 200
    assert box.fake.chats[11].messages[0].text.startswith("Hi Robin")


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x", SECRET.upper()])
async def test_a_missing_or_wrong_secret_is_refused_and_nothing_processed(
    box: Sandbox, client: httpx.AsyncClient, secret: str | None
) -> None:
    response = await post(client, start_update(box), secret=secret)
    await handled(box)
    assert response.status_code == 401
    assert response.content == b""
    assert box.fake.chats[11].messages == []  # no reply: the update was never read
    assert await box.runtime.updates.claim(1, box.clock.now())  # its id is still free


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"",
        b"[1, 2]",
        b'"text"',
        b'{"message": {}}',
        b'{"update_id": "7"}',
        # Found by an adversarial run (each was a 500 with a traceback):
        b'{"update_id": 1, "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"update_id": 1, "message": {"message_id": 1, "date": 1e20, '
        b'"chat": {"id": 1, "type": "private"}}}',
    ],
)
async def test_a_body_that_is_not_an_update_gets_400(
    box: Sandbox, client: httpx.AsyncClient, body: bytes
) -> None:
    response = await post(client, body)
    assert response.status_code == 400


async def test_a_body_larger_than_any_update_is_refused(
    box: Sandbox, client: httpx.AsyncClient
) -> None:
    response = await post(client, b'{"update_id": 1, "x": "' + b"a" * 2_000_000 + b'"}')
    assert response.status_code == 413


async def test_an_update_type_tandem_does_not_handle_is_ignored(
    box: Sandbox, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.telegram.webhook")
    inline = {
        "update_id": 5,
        "inline_query": {
            "id": "1",
            "from": {"id": 11, "is_bot": False, "first_name": "Robin"},
            "query": "hello",
            "offset": "",
        },
    }
    response = await post(client, inline)
    unknown = await post(client, {"update_id": 6, "something_new": {"x": 1}})
    await handled(box)
    assert (response.status_code, unknown.status_code) == (200, 200)
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG] == [
        "update 5 is of a type Tandem does not handle: ignored",
        "update 6 is of a type Tandem does not handle: ignored",
    ]
    assert await box.runtime.updates.claim(5, box.clock.now())  # never reached the handlers


async def test_healthz_answers_ok_with_the_checks(box: Sandbox, client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "due_work": "ok",
        "due_lag_seconds": 0.0,
    }


async def test_healthz_says_503_when_due_work_waits_too_long(
    box: Sandbox, client: httpx.AsyncClient
) -> None:
    async with box.runtime.engine.begin() as conn:  # a row nobody took for ten minutes
        now = box.clock.now()
        await schedule_due(conn, "retention", "pair:1", now - timedelta(minutes=10), now)
    response = await client.get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert (body["status"], body["database"], body["due_work"]) == ("failing", "ok", "behind")
    assert body["due_lag_seconds"] == 600.0


async def test_healthz_says_503_naming_the_database_when_it_does_not_answer(
    box: Sandbox, tmp_path: Path
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'no.sqlite3'}")
    probe = Checks(SqlOps(engine), box.clock.now, 300.0)
    app = web_app(box.app, probe)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:
        response = await http.get("/healthz")
        metrics = await http.get("/metrics")  # still answers, with the counters
    await engine.dispose()
    assert response.status_code == 503
    assert response.json() == {
        "status": "failing",
        "database": "unreachable",
        "due_work": "unknown",
    }
    assert str(tmp_path) not in response.text
    assert metrics.status_code == 200 and "tandem_updates_handled_total" in metrics.text


def sample(text: str, name: str) -> float:
    """The value of one sample line of a Prometheus text exposition (0 when absent)."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return 0.0


async def test_metrics_count_the_update_and_read_the_database(
    box: Sandbox, client: httpx.AsyncClient
) -> None:
    before = (await client.get("/metrics")).text
    await post(client, start_update(box))
    await post(client, start_update(box, user_id=12, update_id=2), secret="wrong")
    await handled(box)
    response = await client.get("/metrics")
    text = response.text
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    kind = 'tandem_updates_handled_total{kind="message"}'
    assert sample(text, kind) == sample(before, kind) + 1
    refused = 'tandem_webhook_rejected_total{reason="unauthorized"}'
    assert sample(text, refused) == sample(before, refused) + 1
    for gauge in ("tandem_open_rounds", "tandem_outbox_depth", "tandem_due_work_lag_seconds"):
        assert f"# TYPE {gauge} gauge" in text
        assert sample(text, gauge) == 0.0


def test_allowed_updates_are_exactly_the_types_the_handlers_use() -> None:
    """Each type in ALLOWED_UPDATES has a feature handler; the handler kinds in use read no
    other type (so setWebhook/getUpdates ask Telegram for nothing the bot would drop)."""
    features = handlers.handlers()[0]
    kinds = {type(h) for h in features}
    assert kinds == {CommandHandler, MessageHandler, CallbackQueryHandler, ChatMemberHandler}
    assert set(ALLOWED_UPDATES) == {
        Update.MESSAGE,  # commands, texts, other messages
        Update.EDITED_MESSAGE,  # an edited typed answer
        Update.CALLBACK_QUERY,  # button presses
        Update.MY_CHAT_MEMBER,  # blocking the bot
    }
    member = [h for h in features if isinstance(h, ChatMemberHandler)]
    assert [h.chat_member_types for h in member] == [ChatMemberHandler.MY_CHAT_MEMBER]


async def test_an_update_while_the_application_is_not_running_gets_503(box: Sandbox) -> None:
    """Stopping (or not started yet): Telegram is told to deliver it again later."""
    app = web_app(box.app, box.runtime.probe, webhook_path=PATH, secret=SECRET)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:
        response = await post(http, start_update(box))
    assert response.status_code == 503
    assert box.fake.chats[11].messages == []
