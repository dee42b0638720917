"""Privacy rule 5: a run at DEBUG level leaves no answer text and no token in the logs."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot import texts
from bot.logs import configure_logging
from bot.sandbox import Sandbox
from tests.conftest import Picker, make_pair, open_round

SECRET_A = "my-secret-answer-about-sundays"
SECRET_B = "partner-secret-answer-about-walks"


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    stream = io.StringIO()
    yield stream
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved_handlers:
        root.addHandler(handler)
    root.setLevel(saved_level)


async def test_debug_logs_hold_no_answer_and_no_token(
    box: Sandbox, picker: Picker, debug_log: io.StringIO
) -> None:
    token = box.fake.token
    configure_logging("DEBUG", token, stream=debug_log)
    logging.getLogger("bot").debug("debug logging is on")
    picker.prefer = "open"
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    await alex.send(SECRET_A)  # shown back first (a draft) ...
    await alex.press(texts.BTN_TYPED_SEND)  # ... and sent
    await sam.press("Write my answer")
    box.fake.fail_next("sendMessage", error_code=400, description="Bad Request: chat not found")
    await sam.send(SECRET_B)
    await box.tick()
    picker.prefer = "scale"
    await open_round(box, alex, sam)
    await alex.press("5")
    await sam.press("1")
    # An error report with the token in it is masked too.
    logging.getLogger("bot.test").error("calling https://api.telegram.org/bot%s/getMe", token)
    output = debug_log.getvalue()
    assert "debug logging is on" in output  # the run really logged at DEBUG
    assert "revealed" in output
    assert SECRET_A not in output and SECRET_B not in output
    assert token not in output and token.split(":")[1] not in output
    assert "[token]" in output
