"""LOG_FORMAT=json as an operator reads it, and the operator's error reports in a chat."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot import texts
from bot.logs import configure_logging
from bot.sandbox import Sandbox
from bot.telegram.reports import ADMIN_REPORTS_KEY, AdminReports
from tests.conftest import Picker, make_pair, open_round

SECRET_A = "my-secret-answer-about-sundays"
SECRET_B = "partner-secret-answer-about-walks"
ADMIN_CHAT = 4242


@pytest.fixture
def log_stream(restored_logging: None) -> Iterator[io.StringIO]:
    yield io.StringIO()


async def test_json_logs_carry_ids_and_never_a_name_an_answer_or_the_token(
    box: Sandbox, picker: Picker, log_stream: io.StringIO
) -> None:
    token = box.fake.token
    configure_logging("DEBUG", token, stream=log_stream, json_lines=True)
    picker.prefer = "open"
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    await alex.send(SECRET_A)
    await alex.press(texts.BTN_TYPED_SEND)
    await sam.press("Write my answer")
    await sam.send(SECRET_B)
    await box.tick()
    logging.getLogger("bot.test").error("calling https://api.telegram.org/bot%s/getMe", token)
    output = log_stream.getvalue()
    entries = [json.loads(line) for line in output.splitlines()]  # every line one object
    assert all({"time", "level", "logger", "message"} <= e.keys() for e in entries)
    reveal = next(e for e in entries if "revealed" in e["message"])  # the round completed
    assert reveal["logger"] == "bot.domain.reveal"
    assert isinstance(reveal["update_id"], int) and isinstance(reveal["pair_id"], int)
    with_update = [e for e in entries if "update_id" in e]
    assert with_update and all(isinstance(e["update_id"], int) for e in with_update)
    assert any(isinstance(e.get("pair_id"), int) for e in with_update)
    for secret in (SECRET_A, SECRET_B, "Alex", "Sam", token, token.split(":")[1]):
        assert secret not in output
    assert entries[-1]["message"] == "calling https://api.telegram.org/bot[token]/getMe"
    assert "update_id" not in entries[-1]  # outside an update: no stale id


def test_admin_reports_are_one_a_minute_and_count_the_rest() -> None:
    now = [1000.0]
    reports = AdminReports(ADMIN_CHAT, monotonic=lambda: now[0])
    first = reports.report(ValueError("a user's words"), 7)
    assert first == "Tandem error: ValueError (update 7)"
    now[0] += 30
    assert reports.report(KeyError("x"), 8) is None
    assert reports.report(KeyError("x"), 9) is None
    now[0] += 31  # a minute after the first
    assert reports.report(RuntimeError(), None) == (
        "Tandem error: RuntimeError (outside an update); 2 more since the last report"
    )
    now[0] += 60
    assert reports.report(TypeError(), 10) == "Tandem error: TypeError (update 10)"


async def test_a_failing_handler_reports_to_the_admin_chat_without_user_content(
    box: Sandbox, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    now = [0.0]
    box.app.bot_data[ADMIN_REPORTS_KEY] = AdminReports(ADMIN_CHAT, monotonic=lambda: now[0])
    admin = box.fake.user(ADMIN_CHAT, "Operator")
    await admin.send("/start")  # the operator's chat exists
    robin = box.fake.user(11, "Robin")

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"boom with {SECRET_A}")

    monkeypatch.setattr("bot.domain.inputs.text", broken)
    await robin.send("/start")
    before = len(admin.chat.messages)
    await robin.send(SECRET_A)
    await robin.send(SECRET_B)  # within the minute: held back
    now[0] += 61
    await robin.send("third")
    reports = [m.text for m in admin.chat.messages[before:]]
    assert reports[0].startswith("Tandem error: RuntimeError (update ")
    assert reports[1].endswith("; 1 more since the last report")
    assert len(reports) == 2
    assert not any(SECRET_A in r or SECRET_B in r or "Robin" in r for r in reports)
    assert texts.SOMETHING_WRONG in robin.chat.last.text


async def test_json_logs_of_due_work_carry_its_row_and_pair(
    box: Sandbox, log_stream: io.StringIO
) -> None:
    await make_pair(box)
    configure_logging("INFO", box.fake.token, stream=log_stream, json_lines=True)
    box.clock.advance(timedelta(days=2))  # the bot was down over a scheduled round
    await box.tick()
    entries = [json.loads(line) for line in log_stream.getvalue().splitlines()]
    skipped = [e for e in entries if "skipped: later than the bound" in e["message"]]
    assert skipped, entries
    assert all(isinstance(e["due_id"], int) and e["pair_id"] == 1 for e in skipped)
    assert all("update_id" not in e for e in skipped)
