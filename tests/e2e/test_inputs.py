"""End-to-end: what typed text, stickers, photos and /cancel do, depending on what (if
anything) waits for an answer."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import texts
from bot.sandbox import Sandbox
from tests.conftest import Picker, make_pair, open_round, start_user
from tests.e2e.helpers import (
    SUN_8_MAR_10_BERLIN,
    agree_on_first,
    box_transcript,
    count,
    mismatch_with_offer,
    next_day,
    no_error_reply,
    type_answer,
    unscheduled_pair,
)

pytestmark = pytest.mark.usefixtures("no_crash")


async def test_time_by_prompt_and_cancel(box: Sandbox) -> None:
    alex, _sam = await make_pair(box)
    await alex.send("/time")
    assert alex.chat.last.text == texts.TIME_ASK
    await alex.send("/cancel")
    assert alex.chat.last.text == texts.CANCELLED
    await alex.send("21:15")
    assert alex.chat.last.text == texts.NOTHING_WAITING
    await alex.send("/time")
    await alex.send("21:15")
    assert "daily at 21:15" in alex.chat.last.text


async def test_text_answers_the_open_question_after_cancel_and_hints_while_typing_a_time(
    box: Sandbox, picker: Picker
) -> None:
    picker.prefer = "open"
    alex, sam = await make_pair(box)
    await sam.send("/time")
    await open_round(box, alex, sam)
    await sam.send("We cooked dinner together")
    assert sam.chat.last.text == texts.IF_CHECKIN_ANSWER
    await sam.send("/cancel")
    await sam.send("We cooked dinner together")
    # Shown back first; saved only once Sam says it is the answer.
    assert sam.chat.last.text.startswith("Send this as your answer to")
    assert "Sam has answered" not in alex.chat.last.text
    await sam.press(texts.BTN_TYPED_SEND)
    assert "We cooked dinner together" in sam.chat.last.text  # saved as the answer
    assert "Sam has answered" in alex.chat.last.text


async def test_a_new_question_outranks_a_reminder_time_prompt(box: Sandbox, picker: Picker) -> None:
    alex, sam = await unscheduled_pair(box)
    titles = await mismatch_with_offer(box, alex, sam)
    await agree_on_first(alex, sam, titles)
    await alex.press(texts.BTN_REMIND_TYPE)  # then Alex never types a time
    await next_day(box)
    picker.prefer = "open"
    await sam.send("/checkin")
    await alex.send("We talked it through on Sunday and it helped.")
    assert alex.chat.last.text.startswith("Send this as your answer to")
    await alex.press(texts.BTN_TYPED_SEND)
    assert alex.chat.last.text.startswith("Saved. Your answer: We talked it through")


async def test_typed_text_answers_the_newest_open_question_when_two_rounds_are_open(
    box: Sandbox, picker: Picker
) -> None:
    alex, _sam = await unscheduled_pair(box)
    picker.prefer = "open"
    await alex.send("/weekly sun 10:00")
    box.clock.set(SUN_8_MAR_10_BERLIN - timedelta(hours=1))
    await alex.send("/checkin")  # an open question, light lane
    box.clock.set(SUN_8_MAR_10_BERLIN)
    await box.tick()  # the weekly round opens beside it: three open questions
    weekly = [m for m in alex.chat.messages if " of 3 \u00b7 " in m.text]
    assert len(weekly) == 3
    await alex.send("Something for the newest round")
    await alex.press(texts.BTN_TYPED_SEND)
    assert alex.chat.last.text.startswith("Saved (question 1).")  # the weekly round's first


# ------------------------------------------------------------------------------------- bad input


async def test_text_when_no_question_waits(box: Sandbox) -> None:
    kim = box.fake.user(1003, "Kim")
    await start_user(kim, "Berlin")
    await kim.send("hello?")
    assert kim.chat.last.text == texts.NOTHING_WAITING

    alex, sam = await make_pair(box)
    await alex.send("I think we should talk")
    assert alex.chat.last.text == texts.NOTHING_WAITING

    # A scale question is open: typed text is not an answer and the partner hears nothing.
    await open_round(box, alex, sam)
    sam_before = len(sam.chat.messages)
    await alex.send("3")
    # Alex is pointed at the buttons and shown the question again.
    assert alex.chat.messages[-2].text == texts.TAP_TO_ANSWER
    assert alex.chat.last.text.startswith("Check-in ·") and alex.chat.last.buttons
    assert len(sam.chat.messages) == sam_before
    assert count(sam, "Alex has answered") == 0, box_transcript(sam)
    no_error_reply(alex, sam, kim)


async def test_open_answer_rejects_non_text_empty_and_overlong(
    box: Sandbox, picker: Picker
) -> None:
    alex, sam = await make_pair(box)
    picker.prefer = "open"
    await open_round(box, alex, sam)
    assert texts.OPEN_HINT in alex.chat.last.text
    sam_before = len(sam.chat.messages)

    await alex.send_sticker()
    assert alex.chat.last.text == texts.TEXT_ONLY
    await alex.send_photo()
    assert alex.chat.last.text == texts.TEXT_ONLY
    await alex.send_photo(caption="this is my answer")
    assert alex.chat.last.text == texts.TEXT_ONLY
    await alex.send_voice()
    assert alex.chat.last.text == texts.TEXT_ONLY
    for blank in ("   ", " \n\t ", "\u200b"):
        await alex.send(blank)
        assert alex.chat.last.text == texts.TEXT_EMPTY, repr(blank)
    await alex.send("x" * 2001)
    assert alex.chat.last.text == texts.TEXT_TOO_LONG.format(n=2001)
    assert "shorten" in alex.chat.last.text

    # Nothing counted as an answer: the partner was told nothing, the round is still open.
    assert len(sam.chat.messages) == sam_before

    answer = "More walks together, and one evening each to ourselves."
    await type_answer(alex, answer)
    assert alex.chat.last.text.startswith("Saved. Your answer: " + answer)
    assert count(sam, "Alex has answered") == 1
    assert all(answer not in m.text for m in sam.chat.messages)

    await type_answer(sam, "y" * 2000)  # exactly at the limit
    reveal = next(m.text for m in sam.chat.messages if texts.REVEAL_HEADER in m.text)
    assert answer in reveal
    assert count(alex, texts.REVEAL_HEADER) == 1
    no_error_reply(alex, sam)
