"""End-to-end: check-in rounds. /checkin and its limits, the question rotation, the
halfway reminder, and how rounds close and stand beside each other."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot import texts
from bot.domain.people import fmt_local
from bot.sandbox import Sandbox
from bot.storage.tables import rounds
from content.schema import Depth, Role
from tests.conftest import Picker, make_pair, open_round, texts_since
from tests.e2e.helpers import newest


async def test_checkin_at_most_three_a_day(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    for _ in range(3):
        await open_round(box, alex, sam)
        await alex.press("3")
        await sam.press("3")
    await sam.send("/checkin")
    assert "3 check-ins today already" in sam.chat.last.text
    await alex.send("/checkin")
    assert "already" in alex.chat.last.text


async def test_checkin_limit_without_a_schedule_says_tomorrow(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await alex.send("/frequency off")
    for _ in range(3):
        await open_round(box, alex, sam)
        await alex.press("3")
        await sam.press("3")
    await alex.send("/checkin")
    assert alex.chat.last.text == texts.CHECKIN_LIMIT_UNSCHEDULED.format(n=3)


async def test_checkin_refused_while_one_is_open(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    await sam.send("/checkin")
    assert sam.chat.messages[-2].text == texts.CHECKIN_OPEN_ALREADY
    assert sam.chat.last.text.startswith("Check-in ·") and sam.chat.last.buttons
    await sam.press("2")
    await sam.send("/checkin")
    assert sam.chat.last.text == texts.CHECKIN_OPEN_ANSWERED


async def test_questions_rotate_without_repeats_until_the_bank_is_exhausted(
    box: Sandbox, picker: Picker
) -> None:
    picker.prefer = None  # first least-asked candidate, whatever its kind
    alex, _sam = await make_pair(box)
    await alex.send("/frequency daily")
    # Sensitive questions never come to a pair that did not opt in (see test_deeper.py), nor
    # level 3 ones before 20 revealed check-ins (nobody answers here).
    light = box.runtime.content.questions_of(Depth.LIGHT)
    bank = len([q for q in light if not q.sensitive and q.level < 3])
    asked: list[str] = []
    while len(asked) <= bank:
        due = await box.runtime.tandem.next_round_at_for(alex.user_id)
        assert due is not None
        box.clock.set(due)
        await box.tick()
        # Pulse, revisit and occasion questions come back on purpose: not the rotation's.
        asked = [q.id for q in picker.asked if q.role is Role.BANK]
    assert len(set(asked[:bank])) == bank
    assert asked[bank] in asked[:bank]
    assert not any(q.sensitive or q.level == 3 for q in picker.asked)


async def test_reminder_halfway_never_at_night_and_without_hints(box: Sandbox) -> None:
    alex, sam = await make_pair(box)  # daily at 20:00 Berlin
    due = await box.runtime.tandem.next_round_at_for(alex.user_id)
    assert due is not None
    box.clock.set(due)
    await box.tick()
    await alex.press("5")
    before_alex, before_sam = len(alex.chat.messages), len(sam.chat.messages)
    # Halfway is 08:00 Berlin next morning (07:00 UTC); nothing during the night.
    await box.advance(timedelta(hours=11, minutes=59), step=timedelta(minutes=30))
    assert texts_since(sam, before_sam) == []
    await box.advance(timedelta(minutes=1))
    (reminder,) = sam.chat.messages[before_sam:]
    opened = fmt_local(due, "Europe/Berlin")
    assert reminder.text == texts.REMINDER_NUDGE.format(opened=opened)  # says nothing of Alex
    question = newest(sam, "Check-in")
    assert reminder.reply_to == question.message_id
    assert texts_since(alex, before_alex) == []  # Alex already answered


async def test_a_late_reminder_waits_for_the_morning(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await alex.send("/frequency weekly mon")
    due = await box.runtime.tandem.next_round_at_for(alex.user_id)
    assert due == datetime(2026, 3, 2, 19, 0, tzinfo=UTC)
    box.clock.set(due)
    await box.tick()
    before = len(sam.chat.messages)
    # Halfway is Fri 08:00 Berlin; the bot is down until Fri 23:00.
    box.clock.set(datetime(2026, 3, 6, 22, 0, tzinfo=UTC))
    await box.tick()
    assert texts_since(sam, before) == []
    box.clock.set(datetime(2026, 3, 7, 7, 0, tzinfo=UTC))  # Sat 08:00 Berlin
    await box.tick()
    (nudge,) = texts_since(sam, before)
    assert nudge.startswith("A gentle nudge") and nudge.endswith("\u2191")


async def test_new_scheduled_round_closes_the_previous_one(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    due = await box.runtime.tandem.next_round_at_for(alex.user_id)
    assert due is not None
    box.clock.set(due)
    await box.tick()
    await sam.press("2")
    box.clock.set(due + timedelta(days=1))
    await box.tick()
    assert any("stays private" in t for t in sam.chat.texts())
    assert alex.chat.last.text.startswith("Check-in ·")
    async with box.runtime.engine.connect() as conn:
        statuses = (
            (await conn.execute(select(rounds.c.status).order_by(rounds.c.id))).scalars().all()
        )
    assert statuses == ["expired", "open"]


async def test_a_fresh_checkin_round_is_not_cut_short_by_the_scheduled_slot(
    box: Sandbox,
) -> None:
    alex, sam = await make_pair(box)  # daily 20:00 Berlin = 19:00 UTC
    box.clock.set(datetime(2026, 3, 2, 18, 50, tzinfo=UTC))
    await open_round(box, alex, sam)
    await alex.press("5")
    await box.advance(timedelta(minutes=30), step=timedelta(minutes=5))
    assert not any("will never be shown" in t for t in alex.chat.texts())
    await sam.press("1")
    assert any(t.startswith(texts.REVEAL_HEADER) for t in alex.chat.texts())
    # The next day's slot opens as usual.
    box.clock.set(datetime(2026, 3, 3, 19, 0, tzinfo=UTC))
    await box.tick()
    assert sam.chat.last.text.startswith("Check-in ·")
