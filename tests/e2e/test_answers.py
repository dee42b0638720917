"""End-to-end: answering. Buttons and typed answers, the reveal to both, and a one-sided
answer that stays private; with old, forged, garbage and repeated button presses."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot import texts
from bot.emulator import FakeBotAPI, FakeUser
from bot.sandbox import Sandbox, sandbox
from scheduler.clock import ManualClock
from tests.conftest import Picker, make_pair, open_round, texts_since
from tests.e2e.helpers import (
    DimensionPicker,
    count,
    logged,
    no_error_reply,
    pair_up,
    reveals,
    type_answer,
    unscheduled_pair,
)

pytestmark = pytest.mark.usefixtures("no_crash")


async def test_answers_stay_hidden_until_both_answered_then_reveal_to_both(
    box: Sandbox,
) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    before = len(sam.chat.messages)
    await alex.press("4")
    assert "Your answer: 4 of 5" in alex.chat.last.text
    told = texts_since(sam, before)
    assert told == [texts.ANSWER_WAITING.format(name="Alex")]
    assert "4" not in told[0]
    # Alex changes their mind before the reveal.
    await alex.press("3")
    assert "Your answer: 3 of 5" in alex.chat.last.text
    assert texts_since(sam, before) == told  # told only once
    await sam.press("3")
    for me, other, mine, theirs in ((alex, "Sam", "3", "3"), (sam, "Alex", "3", "3")):
        reveal = next(m.text for m in reversed(me.chat.messages) if texts.REVEAL_HEADER in m.text)
        assert f"You: {mine} of 5" in reveal and f"{other}: {theirs} of 5" in reveal
    # Same answer: no mismatch, no exercise.
    assert not any("pulled apart" in t for t in alex.chat.texts() + sam.chat.texts())


async def test_a_pass_is_symmetric_neither_sees_the_other_answer(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    await alex.press("Keep this private")
    await sam.press("2")
    shown = [
        next(m.text for m in reversed(u.chat.messages) if texts.REVEAL_HEADER in m.text)
        for u in (alex, sam)
    ]
    # Sam answered 2, Alex passed: neither sees Sam's 2, both read the same words.
    assert shown[0] == shown[1]
    assert shown[0].endswith(texts.KEPT_PRIVATE)
    assert "2 of 5" not in shown[0] and texts.PASSED not in shown[0]
    assert not any("pulled apart" in t for u in (alex, sam) for t in u.chat.texts())


async def test_open_answer_by_text_is_sent_without_markup_parsing(
    box: Sandbox, picker: Picker
) -> None:
    picker.prefer = "open"
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    assert texts.OPEN_HINT in alex.chat.last.text
    markup = "<b>not bold</b> *nor this* [link](http://x) _x_"
    await type_answer(alex, markup)
    assert markup in alex.chat.last.text
    await type_answer(sam, "More walks together.")
    reveal = next(m for m in reversed(sam.chat.messages) if texts.REVEAL_HEADER in m.text)
    assert markup in reveal.text and "More walks together." in reveal.text
    sends = [p for m, p in box.fake.requests if m == "sendMessage"]
    assert all(p.get("parse_mode") is None for p in sends)


async def test_change_open_answer_with_write_button(box: Sandbox, picker: Picker) -> None:
    picker.prefer = "open"
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    await type_answer(alex, "first draft")
    await alex.send("stray message")
    assert alex.chat.last.text == texts.ALREADY_ANSWERED_OPEN.format(partner="Sam")
    await type_answer(alex, "second draft")
    await type_answer(sam, "hello")
    reveal = next(m.text for m in reversed(sam.chat.messages) if texts.REVEAL_HEADER in m.text)
    assert "second draft" in reveal and "first draft" not in reveal


async def test_long_reveal_is_split_under_telegrams_limit(box: Sandbox, picker: Picker) -> None:
    picker.prefer = "open"
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    long_a = ("a" * 99 + " ") * 20
    long_b = ("b" * 99 + " ") * 20
    await type_answer(alex, long_a)
    await sam.press(texts.BTN_WRITE)
    before = len(sam.chat.messages)
    await sam.send(long_b)
    parts = texts_since(sam, before)
    assert len(parts) >= 2
    assert all(len(p) <= 4096 for p in parts)
    joined = "".join(parts).replace(" ", "").replace("\n", "")
    assert joined.count("a" * 99) == 20 and joined.count("b" * 99) == 20


async def test_open_answers_at_the_limit_with_emoji_are_revealed_in_full(
    box: Sandbox, picker: Picker
) -> None:
    """2,000 characters is the bot's own limit; emoji count as one character to the user but
    as two UTF-16 units to Telegram's 4,096 limit. The reveal must still reach both, whole."""
    alex, sam = await make_pair(box)
    picker.prefer = "open"
    await open_round(box, alex, sam)
    alex_answer, sam_answer = "😀" * 2000, "🙂" * 2000

    await type_answer(alex, alex_answer)
    assert alex.chat.last.text.startswith("Saved. Your answer: ")
    await type_answer(sam, sam_answer)

    for user in (alex, sam):
        starts = [i for i, m in enumerate(user.chat.messages) if texts.REVEAL_HEADER in m.text]
        assert len(starts) == 1, f"{user}: no reveal header"
        reveal = "\n\n".join(m.text for m in user.chat.messages[starts[0] :])
        assert reveal.count("😀") == 2000, user
        assert reveal.count("🙂") == 2000, user
    no_error_reply(alex, sam)


# ---------------------------------------------------------------- one-sided answers stay private


async def test_expired_one_sided_round_keeps_the_answer_private(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await alex.send("/frequency off")
    await open_round(box, alex, sam)
    question = sam.chat.last
    (one,) = [b.callback_data for row in question.buttons for b in row if b.text == "1"]
    assert one is not None
    await alex.press("5")
    before = len(sam.chat.messages)
    await box.advance(timedelta(hours=24, minutes=1))
    assert "stays private and will never be shown" in alex.chat.last.text
    assert all("5" not in t for t in texts_since(sam, before) if "Check-in" not in t)
    assert question.buttons == []  # closed: its buttons are gone
    await sam.press_data(question.message_id, one)  # a client still showing them
    assert sam.chat.toasts[-1] == texts.ROUND_CLOSED
    assert not any(texts.REVEAL_HEADER in t for t in sam.chat.texts())


async def test_an_answer_after_the_closing_time_closes_the_round_and_reveals_nothing(
    db_url: str, clock: ManualClock, picker: DimensionPicker
) -> None:
    fake = FakeBotAPI(clock=clock.now)
    async with sandbox(db_url, clock=clock, fake=fake, picker=picker) as box:
        alex, sam = await unscheduled_pair(box)
        await open_round(box, alex, sam)  # open until tomorrow, same time
        await alex.press("5")
    clock.advance(timedelta(hours=30))  # the bot was down past the closing time
    async with sandbox(db_url, clock=clock, fake=fake, picker=picker) as box:
        before_a = len(alex.chat.messages)
        await sam.press("1")  # before any tick ran the expiry
        assert sam.chat.toasts[-1] == texts.ROUND_CLOSED
        assert not reveals(sam) and not reveals(alex)
        assert all("5 of 5" not in t for t in sam.chat.texts())
        assert any("will never be shown" in t for t in texts_since(alex, before_a))


# ---------------------------------------- bad input: buttons old, forged, garbage, pressed twice


def round_id_in(user: FakeUser) -> int:
    """The round id carried by the newest answer button in the user's chat."""
    _, button = user.chat.find_button(texts.BTN_SKIP)
    assert button.callback_data is not None
    return int(button.callback_data.split(":")[1])


def question_message_id(user: FakeUser) -> int:
    message, _ = user.chat.find_button(texts.BTN_SKIP)
    return message.message_id


async def test_button_of_a_revealed_round(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    sam_question = question_message_id(sam)
    alex_question = question_message_id(alex)
    _, sam_three = sam.chat.find_button("3")
    await alex.press("2")
    await sam.press("4")
    assert count(alex, texts.REVEAL_HEADER) == 1
    assert count(sam, texts.REVEAL_HEADER) == 1
    alex_before, sam_before = len(alex.chat.messages), len(sam.chat.messages)

    stale = next(m for m in alex.chat.messages if m.message_id == alex_question)
    assert stale.buttons == []  # the revealed round's keyboard is taken away (issue 12)
    assert sam_three.callback_data is not None
    await sam.press_data(sam_question, sam_three.callback_data)
    assert sam.chat.toasts[-1] == texts.ROUND_REVEALED

    assert len(alex.chat.messages) == alex_before
    assert len(sam.chat.messages) == sam_before
    reveal = next(m.text for m in alex.chat.messages if texts.REVEAL_HEADER in m.text)
    assert "You: 2 of 5\nSam: 4 of 5" in reveal
    assert count(alex, texts.REVEAL_HEADER) == 1
    assert count(sam, texts.REVEAL_HEADER) == 1
    no_error_reply(alex, sam)


async def test_button_of_an_expired_round(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await alex.send("/frequency off")  # only the /checkin round below exists
    await open_round(box, alex, sam)
    sam_question = question_message_id(sam)
    _, sam_four = sam.chat.find_button("4")
    assert sam_four.callback_data is not None
    await alex.press("3")
    assert count(sam, "Alex has answered") == 1

    box.clock.advance(timedelta(hours=24, minutes=1))
    await box.tick()
    assert count(alex, "closed before you both answered") == 1
    assert count(sam, "closed before you both") == 0  # Sam gave nothing: nothing to reassure
    alex_before, sam_before = len(alex.chat.messages), len(sam.chat.messages)

    await sam.press_data(sam_question, sam_four.callback_data)

    assert sam.chat.toasts[-1] == texts.ROUND_CLOSED
    assert len(alex.chat.messages) == alex_before
    assert len(sam.chat.messages) == sam_before
    assert count(alex, texts.REVEAL_HEADER) == 0
    assert count(sam, texts.REVEAL_HEADER) == 0
    assert count(sam, "3 of 5") == 0  # Alex's answer stays private
    # A new check-in can start; the old answer never shows up.
    await open_round(box, alex, sam)
    await alex.press("1")
    await sam.press("5")
    reveal = next(m.text for m in sam.chat.messages if texts.REVEAL_HEADER in m.text)
    assert "You: 5 of 5\nAlex: 1 of 5" in reveal
    assert "3 of 5" not in reveal
    no_error_reply(alex, sam)


async def test_forged_callback_for_another_pairs_round(box: Sandbox) -> None:
    alex, sam, _ = await pair_up(box, (1001, "Alex"), (1002, "Sam"))
    kim, lee, _ = await pair_up(box, (2001, "Kim"), (2002, "Lee"))
    await open_round(box, alex, sam)
    round_id = round_id_in(alex)
    alex_before, sam_before = len(alex.chat.messages), len(sam.chat.messages)
    kim_before, lee_before = len(kim.chat.messages), len(lee.chat.messages)

    forged = [f"a:{round_id}:0:3", f"a:{round_id}:0:skip", f"w:{round_id}:0"]
    for data in forged:
        await kim.press_data(kim.chat.last.message_id, data)
        assert kim.chat.toasts[-1] == texts.BUTTON_NOT_YOURS
    await kim.press_data(999_999, f"a:{round_id}:0:1")  # a message that does not exist
    assert kim.chat.toasts[-1] == texts.BUTTON_NOT_YOURS
    # The forged "Write my answer" did not make Kim's next text an answer to Alex's round.
    await kim.send("my secret guess")
    assert kim.chat.last.text == texts.NOTHING_WAITING
    kim_before += 1
    # An unknown round gets the same reply: the toast does not tell which rounds exist.
    await kim.press_data(kim.chat.last.message_id, "a:987654:0:3")
    assert kim.chat.toasts[-1] == texts.BUTTON_NOT_YOURS

    assert len(kim.chat.messages) == kim_before
    assert len(lee.chat.messages) == lee_before
    assert len(alex.chat.messages) == alex_before
    assert len(sam.chat.messages) == sam_before

    # Pair 1's round is unaffected: they complete it and see only their own answers.
    await alex.press("2")
    assert count(sam, "Alex has answered") == 1
    await sam.press("4")
    for me, other, mine, theirs in ((alex, "Sam", 2, 4), (sam, "Alex", 4, 2)):
        reveals = [m.text for m in me.chat.messages if texts.REVEAL_HEADER in m.text]
        assert len(reveals) == 1
        assert f"You: {mine} of 5\n{other}: {theirs} of 5" in reveals[0]
        assert "Kim" not in reveals[0] and "Lee" not in reveals[0]
    assert len(kim.chat.messages) == kim_before
    assert len(lee.chat.messages) == lee_before
    no_error_reply(alex, sam, kim, lee)


@pytest.mark.parametrize(
    "data",
    ["zzz", "a:1:0:../../", "a:1:0:" + "9" * 64, "x" * 70, "", "a:-1:0:3", "i:1:maybe"],
    ids=["zzz", "path", "a-70-bytes", "70-bytes", "empty", "negative", "bad-invite"],
)
async def test_garbage_callback_data(
    box: Sandbox, no_crash: pytest.LogCaptureFixture, data: str
) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    alex_before, sam_before = len(alex.chat.messages), len(sam.chat.messages)

    await alex.press_data(question_message_id(alex), data)

    assert alex.chat.toasts[-1] == texts.BUTTON_STALE
    assert logged(no_crash, "unparseable callback data")
    assert len(alex.chat.messages) == alex_before
    assert len(sam.chat.messages) == sam_before
    # The open round still works.
    await alex.press("3")
    await sam.press("3")
    assert count(alex, texts.REVEAL_HEADER) == 1
    assert count(sam, texts.REVEAL_HEADER) == 1
    no_error_reply(alex, sam)


@pytest.mark.parametrize(
    ("position", "value"),
    [(0, "9"), (0, "0"), (5, "3"), (0, "yes")],
    ids=["scale-9", "scale-0", "no-such-position", "word"],
)
async def test_well_formed_but_invalid_answer_for_own_round(
    box: Sandbox, position: int, value: str
) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    round_id = round_id_in(alex)
    sam_before = len(sam.chat.messages)

    await alex.press_data(question_message_id(alex), f"a:{round_id}:{position}:{value}")

    assert alex.chat.toasts[-1] == texts.BUTTON_STALE
    assert len(sam.chat.messages) == sam_before  # no "has answered"
    await sam.press("4")
    assert count(sam, texts.REVEAL_HEADER) == 0  # Alex has not answered
    await alex.press("2")
    assert count(alex, texts.REVEAL_HEADER) == 1
    no_error_reply(alex, sam)


async def test_same_button_pressed_twice(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)

    await alex.press("3")
    await alex.press("3")

    assert count(sam, "Alex has answered") == 1
    assert alex.chat.toasts[-2:] == [texts.ANSWER_TOAST, texts.ANSWER_TOAST]
    await sam.press("1")
    assert count(alex, texts.REVEAL_HEADER) == 1
    assert count(sam, texts.REVEAL_HEADER) == 1
    no_error_reply(alex, sam)


async def test_same_button_pressed_twice_concurrently(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)

    await asyncio.gather(alex.press("3"), alex.press("3"))

    assert count(sam, "Alex has answered") == 1
    assert len(alex.chat.toasts) == 2
    await sam.press("1")
    assert count(alex, texts.REVEAL_HEADER) == 1
    assert count(sam, texts.REVEAL_HEADER) == 1
    no_error_reply(alex, sam)


async def test_both_partners_answer_concurrently_reveal_once(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)

    await asyncio.gather(alex.press("2"), sam.press("5"))

    assert count(alex, texts.REVEAL_HEADER) == 1
    assert count(sam, texts.REVEAL_HEADER) == 1
    no_error_reply(alex, sam)
