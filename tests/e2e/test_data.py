"""End-to-end: your data is yours. /privacy in plain words, /export as a protected JSON file
(the partner's answers only where revealed), and /retention (shorten alone, lengthen together,
a daily job that removes what is older)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from bot import texts
from bot.emulator import FakeUser, SentMessage
from bot.sandbox import Sandbox
from tests.conftest import open_round, start_user
from tests.e2e.helpers import (
    DimensionPicker,
    checkin,
    labels,
    mismatch_with_offer,
    next_day,
    pair_up,
    type_answer,
    unscheduled_pair,
)

pytestmark = pytest.mark.usefixtures("no_crash")

# --------------------------------------------------------------------------------------- privacy


async def test_privacy_says_in_plain_words_what_is_stored_and_who_sees_it(box: Sandbox) -> None:
    alex = box.fake.user(1001, "Alex")
    await start_user(alex, "Berlin")
    await alex.send("/privacy")
    text = alex.chat.last.text
    assert text == texts.PRIVACY.format(k=5)
    for phrase in (
        "your partner sees your answer only after you've both answered",
        "Typed answers are encrypted",
        "/retention (3, 6 or 12 months)",
        "/export sends you a file",
        "/delete removes everything",
        "only for 48 hours",
        "at least 5 couples",
        "never an answer",
        "a camera still works",
    ):
        assert phrase in text
    assert {"privacy", "export", "retention"} <= {c["command"] for c in box.fake.commands}


# ---------------------------------------------------------------------------------------- export


def exported(user: FakeUser) -> tuple[SentMessage, dict[str, Any], str]:
    """The user's newest message, a JSON document: the message, the data and its raw text."""
    message = user.chat.last
    assert message.document is not None, message.text
    raw = message.document.decode("utf-8")
    return message, json.loads(raw), raw


async def test_export_holds_own_answers_and_the_partners_only_where_revealed(
    box: Sandbox, picker: DimensionPicker
) -> None:
    alex, sam = await unscheduled_pair(box)
    await checkin(box, alex, sam, "4", "2")
    await next_day(box)
    picker.prefer = "open"
    await open_round(box, alex, sam)
    sams_secret = "Sam wrote this, still unrevealed 51b2"
    await type_answer(sam, sams_secret)
    chris, dana, _ = await pair_up(box, (1003, "Chris"), (1004, "Dana"))
    await chris.send("/frequency off")
    await open_round(box, chris, dana)
    await type_answer(chris, "Chris answered 77aa")
    await type_answer(dana, "Dana answered 88bb")

    await alex.send("/export")
    message, data, raw = exported(alex)
    assert message.protected and message.text == texts.DATA_EXPORT_CAPTION
    assert message.file_name is not None and message.file_name.endswith(".json")
    assert data["profile"]["first_name"] == "Alex"
    assert data["settings"]["timezone"] == "Europe/Berlin"
    (pair,) = data["pairs"]
    assert pair["partner"] == "Sam" and pair["current"] and pair["retention"] == "forever"
    revealed, still_open = pair["check_ins"]
    (answered,) = revealed["questions"]
    assert revealed["status"] == "revealed"
    assert answered["your_answer"]["value"] == "4"
    assert answered["partner_answer"]["value"] == "2"
    assert still_open["status"] == "open"
    assert [q["partner_answer"] for q in still_open["questions"]] == [None]
    assert "51b2" not in raw  # Sam's answer to a round never revealed
    for other in ("Chris", "Dana", "77aa", "88bb"):
        assert other not in raw  # another pair's data

    await sam.send("/export")
    _, data, raw = exported(sam)
    assert sams_secret in raw  # their own answer, revealed or not
    revealed, still_open = data["pairs"][0]["check_ins"]
    assert revealed["questions"][0]["partner_answer"]["value"] == "4"
    assert still_open["questions"][0]["your_answer"]["value"] == sams_secret


async def test_export_by_someone_tandem_knows_nothing_about_says_so(box: Sandbox) -> None:
    stranger = box.fake.user(1009, "Robin")
    await stranger.send("/export")
    assert stranger.chat.last.text == texts.DATA_EXPORT_NOTHING
    assert all(m.document is None for m in stranger.chat.messages)


# ------------------------------------------------------------------------------------- retention


def kept(choice: str) -> str:
    return str(texts.RETENTION_KEPT[choice])


async def test_either_partner_shortens_and_the_other_is_told_neutrally(box: Sandbox) -> None:
    alex, sam = await unscheduled_pair(box)
    await alex.send("/retention")
    screen = alex.chat.last
    assert screen.text == texts.RETENTION_STATUS.format(kept=kept("forever"))
    assert labels(screen) == ["3 months", "6 months", "12 months", "\u2713 Forever"]
    await alex.press("6 months")
    assert alex.chat.last.text == texts.RETENTION_SHORTENED.format(kept=kept("6"))
    notice = sam.chat.last.text
    assert notice == texts.RETENTION_CHANGED.format(kept=kept("6"))
    assert "Alex" not in notice
    await sam.send("/retention")
    assert sam.chat.last.text == texts.RETENTION_STATUS.format(kept=kept("6"))
    assert "\u2713 6 months" in labels(sam.chat.last)
    await sam.press("3 months")  # the other may shorten too
    assert alex.chat.last.text == texts.RETENTION_CHANGED.format(kept=kept("3"))


async def test_keeping_longer_needs_the_others_agreement(box: Sandbox) -> None:
    alex, sam = await unscheduled_pair(box)
    await alex.send("/retention")
    await alex.press("3 months")
    await sam.send("/retention")
    await sam.press("12 months")
    assert sam.chat.last.text == texts.RETENTION_ASKED.format(current=kept("3"))
    proposal = alex.chat.last
    assert proposal.text == texts.RETENTION_PROPOSAL.format(kept=kept("12"), current=kept("3"))
    assert labels(proposal) == [texts.RETENTION_AGREE, texts.RETENTION_NOT_NOW]
    await sam.send("/retention")
    assert sam.chat.last.text.startswith(texts.RETENTION_STATUS.format(kept=kept("3")))
    assert texts.RETENTION_WAITING.format(kept=kept("12")) in sam.chat.last.text

    _, agree = alex.chat.find_button(texts.RETENTION_AGREE)
    assert agree.callback_data is not None
    await sam.press_data(sam.chat.last.message_id, agree.callback_data)  # not theirs to accept
    assert sam.chat.toasts[-1] == texts.RETENTION_GONE
    await alex.press(texts.RETENTION_AGREE)
    assert alex.chat.last.text == texts.RETENTION_AGREED.format(kept=kept("12"))
    assert sam.chat.last.text == texts.RETENTION_AGREED.format(kept=kept("12"))
    await alex.send("/retention")
    assert alex.chat.last.text == texts.RETENTION_STATUS.format(kept=kept("12"))

    await alex.press("Forever")
    await sam.press(texts.RETENTION_NOT_NOW)
    assert sam.chat.last.text == texts.RETENTION_DECLINED.format(current=kept("12"))
    assert alex.chat.last.text == texts.RETENTION_NOT_TAKEN.format(
        kept=kept("forever"), current=kept("12")
    )
    await alex.press_data(alex.chat.last.message_id, agree.callback_data)  # an old button
    assert alex.chat.toasts[-1] == texts.RETENTION_GONE
    await sam.send("/retention")
    assert sam.chat.last.text == texts.RETENTION_STATUS.format(kept=kept("12"))


async def test_the_daily_job_removes_check_ins_older_than_the_window(
    box: Sandbox, picker: DimensionPicker
) -> None:
    alex, sam = await unscheduled_pair(box)
    began = box.clock.now()  # a few minutes after START: the notice of /frequency off went
    await checkin(box, alex, sam, "4", "4")
    first_question = picker.asked[-1].text
    await alex.send("/retention")
    await alex.press("3 months")
    await box.advance(timedelta(days=60))
    await checkin(box, alex, sam, "2", "2")
    await alex.send("/history")
    assert alex.chat.last.text.startswith(texts.HISTORY_HEADER.format(first=1, last=2, total=2))

    await box.run_until(began + timedelta(days=93))  # 2 March + 3 months = 2 June, and a day
    for user in (alex, sam):
        await user.send("/history")
        page = user.chat.last.text
        assert page.startswith(texts.HISTORY_HEADER_ONE.format(n=1, total=1))
        assert "You: 2 of 5" in page and "4 of 5" not in page
    await alex.send("/export")
    _, data, raw = exported(alex)
    assert [r["status"] for r in data["pairs"][0]["check_ins"]] == ["revealed"]
    assert first_question not in raw


# ------------------------------------------------------------------------------------ protected


async def test_reveals_and_shown_picks_are_sent_protected(box: Sandbox) -> None:
    alex, sam = await unscheduled_pair(box)
    titles = await mismatch_with_offer(box, alex, sam)
    for user in (alex, sam):
        (reveal,) = [m for m in user.chat.messages if m.text.startswith(texts.REVEAL_HEADER)]
        assert reveal.protected
    await alex.press(f"1. {titles[0]}")
    await sam.press(f"2. {titles[1]}")
    for user in (alex, sam):
        assert titles[0] in user.chat.last.text and titles[1] in user.chat.last.text
        assert user.chat.last.protected
    assert not any(m.protected for m in alex.chat.messages if "paired" in m.text)
