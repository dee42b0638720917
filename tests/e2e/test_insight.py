"""End-to-end: looking back. /history paging, /insights (chart, summary, streak), and a
photo reply as it reaches the chat."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import timedelta

from PIL import Image

from bot import texts
from bot.domain.messages import Button, Message, utf16_len
from bot.emulator import FakeUser, SentMessage
from bot.sandbox import Sandbox
from bot.telegram.charts import CHART_SIZE_PX
from tests.conftest import Picker, open_round, start_user
from tests.e2e.helpers import DimensionPicker, checkin, labels, next_day, press_in, unscheduled_pair
from tests.unit.test_charts import decode, mixed_stats, render

# --------------------------------------------------------------------------------------- history


def history_blocks(text: str) -> list[str]:
    return [block for block in text.split("\n\n") if block.startswith("\u2014 ")]


async def test_history_pages_newest_first_and_never_shows_a_one_sided_answer(
    box: Sandbox, picker: DimensionPicker
) -> None:
    alex, sam = await unscheduled_pair(box)
    await alex.send("/history")
    assert alex.chat.last.text == texts.HISTORY_EMPTY and labels(alex.chat.last) == []

    secret = "Only-Alex-wrote-this 7f3a"
    picker.prefer = "open"
    await open_round(box, alex, sam)
    expired_question = picker.asked[-1]
    await alex.press(texts.BTN_WRITE)
    await alex.send(secret)
    await box.advance(timedelta(hours=24, minutes=1))
    assert "will never be shown" in alex.chat.last.text
    await sam.send("/history")
    assert sam.chat.last.text == texts.HISTORY_EMPTY

    picker.prefer = "scale"
    answers = [("1", "2"), ("2", "3"), ("3", "4"), ("4", "5"), ("5", "4"), ("4", "3"), ("3", "3")]
    for a, b in answers:
        await checkin(box, alex, sam, a, b)
        await next_day(box)
    revealed = picker.asked[-7:]
    seen_pages: list[str] = []

    await alex.send("/history")
    page = alex.chat.last
    assert page.text.startswith(texts.HISTORY_HEADER.format(first=1, last=3, total=7))
    assert labels(page) == [texts.BTN_OLDER]
    seen_pages.append(page.text)

    def expect(text: str, numbers: Sequence[int]) -> None:
        blocks = history_blocks(text)
        assert len(blocks) == len(numbers)
        for block, n in zip(blocks, numbers, strict=True):
            assert revealed[n].text in block
            a, b = answers[n]
            assert f"You: {a} of 5\nSam: {b} of 5" in block

    expect(page.text, [6, 5, 4])
    await alex.press("Older")
    page = alex.chat.last
    assert page.text.startswith(texts.HISTORY_HEADER.format(first=4, last=6, total=7))
    assert labels(page) == [texts.BTN_NEWER, texts.BTN_OLDER]
    expect(page.text, [3, 2, 1])
    seen_pages.append(page.text)
    await alex.press("Older")
    page = alex.chat.last
    assert page.text.startswith(texts.HISTORY_HEADER_ONE.format(n=7, total=7))
    assert labels(page) == [texts.BTN_NEWER]
    expect(page.text, [0])
    seen_pages.append(page.text)
    await alex.press("Newer")
    assert alex.chat.last.text == seen_pages[1]

    toasts = len(alex.chat.toasts)
    await alex.press_data(alex.chat.last.message_id, "h:99")  # past the end
    assert alex.chat.toasts[toasts:] == [texts.HISTORY_END]
    assert alex.chat.last.text == seen_pages[2] and labels(alex.chat.last) == [texts.BTN_NEWER]

    await sam.send("/history")
    assert "You: 3 of 5\nAlex: 3 of 5" in history_blocks(sam.chat.last.text)[0]
    seen_pages.append(sam.chat.last.text)
    for text in seen_pages:
        assert secret not in text and expired_question.text not in text


async def test_history_keeps_a_pass_symmetric(box: Sandbox, picker: DimensionPicker) -> None:
    """Found by the privacy state machine: /history showed the partner's answer to a
    question the reader had kept private (and the reader's to the partner who passed),
    though the reveal had said "This one stays private" to both."""
    alex, sam = await unscheduled_pair(box)
    picker.prefer = "open"
    await open_round(box, alex, sam)
    await alex.press(texts.BTN_WRITE)
    await alex.send("Alex-typed-this 51c2")
    await sam.press(texts.BTN_SKIP)
    await next_day(box)
    picker.prefer = "scale"
    await open_round(box, alex, sam)
    await alex.press(texts.BTN_SKIP)
    await sam.press("4")
    await next_day(box)
    await checkin(box, alex, sam, "2", "5")

    for reader, other in ((alex, "Sam"), (sam, "Alex")):
        await reader.send("/history")
        blocks = history_blocks(reader.chat.last.text)
        assert len(blocks) == 3
        assert f"You: 2 of 5\n{other}: 5 of 5" in blocks[0] or (
            f"You: 5 of 5\n{other}: 2 of 5" in blocks[0]
        )
        for block in blocks[1:]:
            assert block.endswith(texts.KEPT_PRIVATE), block
            assert "You:" not in block and f"{other}:" not in block
        assert "51c2" not in reader.chat.last.text
        assert "4 of 5" not in reader.chat.last.text


async def test_a_history_page_of_long_answers_fits_one_message(
    box: Sandbox, picker: Picker
) -> None:
    alex, sam = await unscheduled_pair(box)
    picker.prefer = "open"
    long_a, long_s = "\U0001f60a" * 1900, "x" * 2000  # emoji count twice in UTF-16
    for _ in range(4):
        await open_round(box, alex, sam)
        for user, text in ((alex, long_a), (sam, long_s)):
            await user.press(texts.BTN_WRITE)
            await user.send(text)
        await next_day(box)
    before = len(alex.chat.messages)
    await alex.send("/history")
    (page,) = alex.chat.messages[before:]
    assert utf16_len(page.text) <= 4096
    assert labels(page) == [texts.BTN_OLDER]
    await press_in(alex, page, texts.BTN_OLDER)
    assert alex.chat.messages[before].edited
    older = alex.chat.messages[before]
    assert labels(older) == [texts.BTN_NEWER]
    await press_in(alex, older, texts.BTN_NEWER)
    assert labels(alex.chat.messages[before]) == [texts.BTN_OLDER]


# -------------------------------------------------------------------------------------- insights


def summary_after_photo(user: FakeUser, before: int) -> tuple[SentMessage, str]:
    photo, summary = user.chat.messages[before:]
    assert photo.photo is not None
    return photo, summary.text


async def test_insights_chart_summary_and_a_streak_counted_for_the_pair(
    box: Sandbox, picker: DimensionPicker
) -> None:
    alex, sam = await unscheduled_pair(box)
    await alex.send("/insights")
    assert alex.chat.last.text == texts.INSIGHTS_EMPTY
    assert all(m.photo is None for m in alex.chat.messages)

    for a, b in (("4", "2"), ("3", "3"), ("5", "4")):
        await checkin(box, alex, sam, a, b)
    before = len(alex.chat.messages)
    await alex.send("/insights")
    photo, summary = summary_after_photo(alex, before)
    assert photo.text == texts.INSIGHTS_CAPTION
    assert photo.photo is not None and photo.photo.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(photo.photo)) as image:
        image.load()
        assert image.size == (1000, 700)
    assert summary.startswith(texts.count("INSIGHTS_SUMMARY_N", 3))
    assert texts.count("INSIGHTS_STREAK_N", 3) in summary
    assert "3 check-ins in a row" in summary

    # A round Sam answered and Alex did not: it expires and the streak starts over, for both.
    await next_day(box)
    await open_round(box, alex, sam)
    await sam.press("2")
    await box.advance(timedelta(hours=24, minutes=1))
    summaries = []
    for user in (alex, sam):
        before = len(user.chat.messages)
        await user.send("/insights")
        _photo, text = summary_after_photo(user, before)
        assert texts.INSIGHTS_STREAK_ZERO in text
        assert text.startswith(texts.count("INSIGHTS_SUMMARY_N", 3))
        summaries.append(text)
    await checkin(box, alex, sam, "2", "2")
    before = len(sam.chat.messages)
    await sam.send("/insights")
    _photo, text = summary_after_photo(sam, before)
    assert texts.count("INSIGHTS_STREAK_N", 1) in text
    summaries.append(text)

    for text in summaries:
        assert texts.INSIGHTS_NOTE in text
        for paragraph in text.split("\n\n"):
            # Only the pulse trend names a partner, beside their own answers (none here).
            assert "Alex" not in paragraph and "Sam" not in paragraph, paragraph
        lowered = text.lower()
        for word in ("miss", "fail", "didn't answer", "forgot", "your fault"):
            assert word not in lowered


async def test_a_streak_of_one_reads_in_the_singular(box: Sandbox) -> None:
    alex, sam = await unscheduled_pair(box)
    await checkin(box, alex, sam, "3", "3")
    before = len(alex.chat.messages)
    await alex.send("/insights")
    _photo, summary = summary_after_photo(alex, before)
    assert "1 check-ins" not in summary


# ----------------------------------------------------------------- a photo reply through the bot


async def started(box: Sandbox) -> int:
    alex = box.fake.user(1001, "Alex")
    await start_user(alex, "Berlin")
    return alex.user_id


async def test_photo_reply_reaches_the_chat_with_caption_and_buttons(box: Sandbox) -> None:
    uid = await started(box)
    png = render(mixed_stats())
    keyboard = ((Button("More", data="more"),),)
    ok = await box.runtime.sender.send(box.app.bot, Message(uid, "Your insights", keyboard, png))
    assert ok
    last = box.fake.chats[uid].last
    assert last.photo is not None and last.text == "Your insights"
    assert [[b.text for b in row] for row in last.buttons] == [["More"]]
    assert decode(last.photo).size == CHART_SIZE_PX
    assert box.fake.transcript(uid).endswith("[photo] Your insights\n[More]")


async def test_photo_without_caption(box: Sandbox) -> None:
    uid = await started(box)
    assert await box.runtime.sender.send(box.app.bot, Message(uid, "", photo=render([])))
    assert box.fake.calls("sendPhoto")[-1].get("caption") is None
    last = box.fake.chats[uid].last
    assert last.photo is not None and last.text == ""


async def test_long_caption_becomes_photo_then_text(box: Sandbox) -> None:
    uid = await started(box)
    before = len(box.fake.chats[uid].messages)
    text = ("A caption that goes on. " * 100)[:2000].strip()
    keyboard = ((Button("More", data="more"),),)
    ok = await box.runtime.sender.send(box.app.bot, Message(uid, text, keyboard, render([])))
    assert ok
    photo, follow = box.fake.chats[uid].messages[before:]
    assert photo.photo is not None and photo.text == "" and photo.buttons == []
    assert follow.photo is None and follow.text == text
    assert [[b.text for b in row] for row in follow.buttons] == [["More"]]


async def test_caption_of_exactly_1024_utf16_units_stays_a_caption(box: Sandbox) -> None:
    uid = await started(box)
    text = "🙂" * 512  # 1,024 UTF-16 units
    assert await box.runtime.sender.send(box.app.bot, Message(uid, text, photo=render([])))
    assert box.fake.chats[uid].last.text == text
    longer = "🙂" * 513
    before = len(box.fake.chats[uid].messages)
    assert await box.runtime.sender.send(box.app.bot, Message(uid, longer, photo=render([])))
    photo, follow = box.fake.chats[uid].messages[before:]
    assert photo.text == "" and follow.text == longer


async def test_photo_refused_by_flood_control_drops_photo_and_queues_text(box: Sandbox) -> None:
    uid = await started(box)
    before = len(box.fake.chats[uid].messages)
    box.fake.fail_next(
        "sendPhoto", error_code=429, description="Too Many Requests: retry after 7", retry_after=7
    )
    ok = await box.runtime.sender.send(box.app.bot, Message(uid, "Your insights", photo=b"png"))
    assert not ok
    assert len(box.fake.chats[uid].messages) == before
    await box.advance(timedelta(seconds=8))
    (arrived,) = box.fake.chats[uid].messages[before:]
    assert arrived.photo is None and arrived.text == "Your insights"
    assert await box.runtime.outbox.pending() == 0


async def test_photo_to_a_user_who_blocked_the_bot_is_not_sent(box: Sandbox) -> None:
    uid = await started(box)
    alex = box.fake.user(uid, "Alex")
    await alex.block()
    ok = await box.runtime.sender.send(box.app.bot, Message(uid, "Your insights", photo=b"png"))
    assert not ok
    assert all(m.photo is None for m in box.fake.chats[uid].messages)
