"""The insights chart renders a fixed-size PNG, and a photo reply reaches the chat."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta

import pytest
from PIL import Image

from bot.domain.messages import Button, Message
from bot.sandbox import Sandbox
from bot.telegram.charts import CHART_SIZE_PX, DimensionStat, render_insights_chart
from tests.conftest import start_user

GAP = "gap {gap:.1f}"


def mixed_stats() -> list[DimensionStat]:
    """Twelve dimensions: full rows, empty rows and rows with one side only."""
    stats: list[DimensionStat] = []
    for index in range(12):
        label = f"Dimension {index}"
        if index % 4 == 3:
            stats.append(DimensionStat(label, None, None, None))
        elif index == 5:
            stats.append(DimensionStat(label, 4.0, None, None))
        else:
            mine, theirs = 1 + index % 5, 5 - index % 5
            stats.append(DimensionStat(label, mine, theirs, abs(mine - theirs) / 2))
    return stats


def render(stats: list[DimensionStat], me: str = "Alex", partner: str = "Sam") -> bytes:
    return render_insights_chart(
        stats,
        me=me,
        partner=partner,
        title="How you two see things",
        gap_label=GAP,
        no_data_label="no answers yet",
    )


def decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def test_chart_is_exactly_the_promised_size_and_not_blank() -> None:
    png = render(mixed_stats())
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = decode(png)
    assert image.format == "PNG"
    assert image.size == CHART_SIZE_PX == (1000, 700)
    colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 10  # bars, texts and antialiasing
    # Both bar colours are drawn (Okabe-Ito blue and orange).
    present = {rgb for _, rgb in colours}
    assert (0x00, 0x72, 0xB2) in present and (0xE6, 0x9F, 0x00) in present


def test_chart_with_no_data_or_no_rows_still_renders() -> None:
    empty_rows = [DimensionStat("Money", None, None, None)] * 3
    for stats in (empty_rows, []):
        assert decode(render(stats)).size == CHART_SIZE_PX


@pytest.mark.parametrize(
    ("me", "partner", "label"),
    [
        ("Алекс", "Саша", "Общение и доверие"),
        ("Sam 🦊", "🙂🙂🙂", "Family 👪"),
        ("$x$", "a $ b_c ^ {", r"\frac{1}{2} $5"),  # never parsed as mathtext
        ("A" * 300, "\n\t", "word " * 80),
    ],
)
def test_any_unicode_in_names_and_labels_renders(me: str, partner: str, label: str) -> None:
    stats = [DimensionStat(label, 3.2, 4.5, 1.3), DimensionStat(label, None, None, None)]
    assert decode(render(stats, me, partner)).size == CHART_SIZE_PX


async def test_renders_concurrently_in_worker_threads() -> None:
    stats = [DimensionStat("Семья 👨‍👩‍👧", 2.0, 5.0, 3.0), *mixed_stats()]
    pngs = await asyncio.gather(
        *(asyncio.to_thread(render, stats, f"Alex {n} 🦊", "Саша 🙂") for n in range(6))
    )
    assert {decode(png).size for png in pngs} == {CHART_SIZE_PX}


def test_values_outside_the_scale_are_refused() -> None:
    for bad in (
        DimensionStat("x", 0.5, 3.0, 1.0),
        DimensionStat("x", 3.0, 5.5, 1.0),
        DimensionStat("x", 3.0, 3.0, 4.5),
        DimensionStat("x", float("nan"), 3.0, 0.0),
    ):
        with pytest.raises(ValueError):
            render([bad])


def test_message_repr_does_not_dump_the_photo() -> None:
    assert "photo" not in repr(Message(1, "hi", photo=b"\x89PNG" * 1000))


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
