"""End-to-end: the weekly round of three deep questions, beside the daily and /checkin
rounds."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from bot import texts
from bot.domain.people import fmt_local
from bot.sandbox import Sandbox
from content.schema import Depth, WeeklySlot
from scheduler.cadence import TimeOfDayError, parse_time_of_day
from tests.conftest import make_pair, open_round, texts_since
from tests.e2e.helpers import (
    SUN_8_MAR_10_BERLIN,
    DimensionPicker,
    labels,
    newest,
    notice,
    notices_told,
    offers_in,
    press_in,
    reveals,
    unscheduled_pair,
)


async def test_weekly_round_of_three_reveals_side_by_side_only_when_all_are_answered(
    box: Sandbox, picker: DimensionPicker
) -> None:
    alex, sam = await make_pair(box)
    await alex.send("/weekly sun 10:00")
    told = "every Sunday at 10:00 (Europe/Berlin). Next: Sun 8 Mar, 10:00 your time."
    assert alex.chat.last.text == f"Done: your weekly check-in comes {told}"
    await notices_told(box)
    weekly = texts.NOTICE_WEEKLY.format(schedule="every Sunday at 10:00 (Europe/Berlin)")
    assert sam.chat.last.text == notice("Alex", weekly)

    before_a, before_s = len(alex.chat.messages), len(sam.chat.messages)
    box.clock.set(SUN_8_MAR_10_BERLIN - timedelta(minutes=1))
    await box.tick()
    assert texts_since(sam, before_s) == []
    box.clock.set(SUN_8_MAR_10_BERLIN)
    await box.tick()
    asked = picker.asked[-3:]
    assert [q.depth for q in asked] == [Depth.DEEP] * 3
    assert [q.dimension.weekly_slot for q in asked] == list(WeeklySlot)
    for user, before in ((alex, before_a), (sam, before_s)):
        sent = user.chat.messages[before:]
        assert len(sent) == 3
        assert sent[0].text.startswith(texts.WEEKLY_INTRO.format(n=3))
        for n, (message, question) in enumerate(zip(sent, asked, strict=True), start=1):
            header = texts.ROUND_HEADER_OF.format(n=n, total=3, dimension=question.dimension.label)
            assert header in message.text and question.text in message.text
            assert labels(message) == ["1", "2", "3", "4", "5", texts.BTN_SKIP]
    alex_qs, sam_qs = alex.chat.messages[before_a:], sam.chat.messages[before_s:]

    mine, theirs = ("4", "4", "3"), ("3", "5", "3")  # close answers: no exercise offer
    before_s = len(sam.chat.messages)
    for message, value in zip(alex_qs[:2], mine[:2], strict=True):
        await press_in(alex, message, value)
    assert texts_since(sam, before_s) == []  # 2 of 3: Sam learns nothing yet
    await press_in(alex, alex_qs[2], mine[2])
    assert texts_since(sam, before_s) == [texts.ANSWER_WAITING.format(name="Alex")]

    before_a = len(alex.chat.messages)
    for message, value in zip(sam_qs[:2], theirs[:2], strict=True):
        await press_in(sam, message, value)
    assert texts_since(alex, before_a) == []
    assert reveals(alex) == [] and reveals(sam) == []
    await press_in(sam, sam_qs[2], theirs[2])

    for user, own, other, name in ((alex, mine, theirs, "Sam"), (sam, theirs, mine, "Alex")):
        shown = reveals(user)
        assert len(shown) == 1, shown
        reveal = shown[0]
        assert reveal.startswith(texts.REVEAL_DEEP_HEADER)
        positions = []
        for n, question in enumerate(asked):
            block = f"{n + 1}. {question.text}"
            assert block in reveal
            positions.append(reveal.index(block))
            after = reveal[positions[-1] :]
            assert f"You: {own[n]} of 5\n{name}: {other[n]} of 5" in after
        assert positions == sorted(positions)
    assert offers_in(alex.chat.texts()) == []

    await alex.send("/weekly off")
    assert alex.chat.last.text == texts.WEEKLY_OFF_YOU
    await notices_told(box)
    assert sam.chat.last.text == notice("Alex", texts.NOTICE_WEEKLY_OFF)
    await alex.send("/weekly off")
    assert alex.chat.last.text == texts.WEEKLY_ALREADY_OFF
    before_s = len(sam.chat.messages)
    box.clock.set(SUN_8_MAR_10_BERLIN + timedelta(days=7))
    await box.tick()
    assert not any(t.startswith(texts.WEEKLY_INTRO[:20]) for t in texts_since(sam, before_s))


async def test_weekly_bad_input_gets_the_forms(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    before = len(sam.chat.messages)
    await alex.send("/weekly someday")
    assert alex.chat.last.text == texts.WEEKLY_UNKNOWN
    await alex.send("/weekly sun 25:99")
    with pytest.raises(TimeOfDayError) as bad_time:
        parse_time_of_day("25:99")
    assert alex.chat.last.text == texts.TIME_REASONS[bad_time.value.reason.value]
    await alex.send("/weekly")
    assert alex.chat.last.text == texts.WEEKLY_STATUS_OFF
    assert texts_since(sam, before) == []  # nothing changed, so Sam hears nothing


async def test_weekly_instead_of_daily_only_the_weekly_round_comes(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await alex.send("/frequency off")
    await sam.send("/weekly")
    assert sam.chat.last.text == texts.WEEKLY_STATUS_OFF
    await sam.press("Sat")  # the weekday buttons
    told = "every Saturday at 20:00 (Europe/Berlin). Next: Sat 7 Mar, 20:00 your time."
    # Alex's change, still held, is told to Sam at once (Sam's own change follows it).
    shown = sam.chat.texts()[-2:]
    assert f"Done: your weekly check-in comes {told}" in shown
    assert any(t.startswith("Alex changed your shared settings:") for t in shown), shown
    await notices_told(box)
    weekly = texts.NOTICE_WEEKLY.format(schedule="every Saturday at 20:00 (Europe/Berlin)")
    assert alex.chat.last.text == notice("Sam", weekly)
    await sam.send("/weekly")
    assert "\u2713 Sat" in labels(sam.chat.last)

    before = len(alex.chat.messages)
    await box.advance(timedelta(days=13), step=timedelta(hours=1))
    arrived = texts_since(alex, before)
    daily = [t for t in arrived if t.startswith("Check-in \u00b7")]
    weekly = [t for t in arrived if t.startswith(texts.WEEKLY_INTRO.format(n=3))]
    assert daily == []
    assert len(weekly) == 2  # Sat 7 and Sat 14 March
    # Everything else is a weekly question or the halfway nudge for an open round.
    nudge = texts.count("REMINDER_NUDGE_N", 3, opened="@").split("@")[0]
    assert all(
        re.search(r"^Question [123] of 3 ", t, re.M) or t.startswith(nudge) for t in arrived
    ), arrived


async def test_weekly_and_daily_due_at_the_same_instant_send_no_dead_question(
    box: Sandbox,
) -> None:
    alex, sam = await make_pair(box)
    await alex.send("/weekly mon")  # Monday, at the check-in time 20:00 like the daily round
    before = len(sam.chat.messages)
    box.clock.set(datetime(2026, 3, 2, 19, 0, tzinfo=UTC))
    await box.tick()
    arrived = sam.chat.messages[before:]
    assert any(m.text.startswith(texts.WEEKLY_INTRO.format(n=3)) for m in arrived)
    for message in arrived:
        if message.text.startswith("Check-in \u00b7"):
            await press_in(sam, message, "3")
            assert sam.chat.toasts[-1] != texts.ROUND_CLOSED, "a question sent dead"


async def test_weekly_round_does_not_cut_an_open_daily_round_short(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await alex.send("/weekly sun 10:00")
    for day in (6, 7):  # Fri and Sat 20:00 Berlin
        box.clock.set(datetime(2026, 3, day, 19, 0, tzinfo=UTC))
        await box.tick()
    daily = newest(sam, "Check-in \u00b7")
    assert "Open until Sun 8 Mar, 20:00" in daily.text
    await alex.press("4")
    box.clock.set(SUN_8_MAR_10_BERLIN)
    await box.tick()
    assert not any("will never be shown" in t for t in alex.chat.texts())
    await press_in(sam, daily, "2")
    assert sam.chat.toasts[-1] != texts.ROUND_CLOSED


async def test_weekly_acknowledgement_does_not_say_the_partner_still_has_to_answer(
    box: Sandbox,
) -> None:
    alex, sam = await make_pair(box)
    await alex.send("/weekly sun 10:00")
    box.clock.set(SUN_8_MAR_10_BERLIN)
    await box.tick()
    alex_qs, sam_qs = alex.chat.messages[-3:], sam.chat.messages[-3:]
    for message in alex_qs:
        await press_in(alex, message, "3")
    await press_in(sam, sam_qs[0], "3")
    assert sam.chat.last.text == texts.count("ANSWER_SAVED_MORE_N", 2, position=1, answer="3 of 5")
    assert "until Alex answers too" not in sam.chat.last.text
    await press_in(sam, sam_qs[1], "3")
    assert "1 more question to go" in sam.chat.last.text


async def test_the_nudge_for_a_weekly_round_is_one_message(box: Sandbox) -> None:
    alex, sam = await unscheduled_pair(box)
    await alex.send("/weekly sun 10:00")
    box.clock.set(SUN_8_MAR_10_BERLIN)
    await box.tick()
    before = len(sam.chat.messages)
    await box.advance(timedelta(hours=30), step=timedelta(hours=1))
    nudges = [m for m in sam.chat.messages[before:] if m.text.startswith("A gentle nudge")]
    assert len(nudges) == 1
    opened = fmt_local(SUN_8_MAR_10_BERLIN, "Europe/Berlin")
    assert nudges[0].text == texts.count("REMINDER_NUDGE_N", 3, opened=opened)
    first = next(m for m in sam.chat.messages if m.message_id == nudges[0].reply_to)
    assert first.text.startswith(texts.WEEKLY_INTRO.format(n=3))  # the first of the three


async def test_a_checkin_round_is_not_cut_short_by_the_weekly_round(box: Sandbox) -> None:
    alex, sam = await unscheduled_pair(box)
    await alex.send("/weekly sun 10:00")
    box.clock.set(SUN_8_MAR_10_BERLIN - timedelta(hours=1))
    await open_round(box, alex, sam)
    await alex.press("4")
    await box.advance(timedelta(hours=2))  # the weekly round opens meanwhile
    checkin_question = newest(sam, "Alex started a check-in.")
    await press_in(sam, checkin_question, "2")
    assert reveals(sam) and "You: 2 of 5" in reveals(sam)[-1]


async def test_checkin_opens_beside_an_open_weekly_round(box: Sandbox) -> None:
    alex, sam = await unscheduled_pair(box)
    await alex.send("/weekly sun 10:00")
    box.clock.set(SUN_8_MAR_10_BERLIN)
    await box.tick()
    await alex.send("/checkin")
    assert newest(sam, "Alex started a check-in.") is sam.chat.last


async def test_settings_show_a_weekly_only_schedule(box: Sandbox) -> None:
    alex, _sam = await make_pair(box)
    await alex.send("/weekly sun 10:00")
    await alex.send("/frequency off")
    assert texts.SCHEDULE_OFF_WEEKLY in alex.chat.last.text
    assert "Next one: Sun 8 Mar, 10:00 your time" in alex.chat.last.text
    await alex.send("/settings")
    assert f"Status: {texts.STATUS_WEEKLY_ONLY}" in alex.chat.last.text


async def test_a_weekly_check_in_that_closes_half_answered_reassures_both_who_answered(
    box: Sandbox,
) -> None:
    """Alex answers all three questions, Sam one: at expiry nothing is revealed, and each is
    told that what they gave stays private, Sam too (DESIGN.md, a round's life, 7; probe of
    2026-12-03)."""
    alex, sam = await make_pair(box)
    await alex.send("/weekly sun 10:00")
    await notices_told(box)
    before_a, before_s = len(alex.chat.messages), len(sam.chat.messages)
    box.clock.set(SUN_8_MAR_10_BERLIN)
    await box.tick()
    alex_qs, sam_qs = alex.chat.messages[before_a:], sam.chat.messages[before_s:]
    for message in alex_qs:
        await press_in(alex, message, "4")
    await press_in(sam, sam_qs[0], "2")
    before_a, before_s = len(alex.chat.messages), len(sam.chat.messages)
    await box.run_until(SUN_8_MAR_10_BERLIN + timedelta(days=6))
    opened = fmt_local(SUN_8_MAR_10_BERLIN, "Europe/Berlin")
    assert texts.EXPIRED_ANSWERED.format(opened=opened) in texts_since(alex, before_a)
    assert texts.EXPIRED_PARTLY.format(opened=opened) in texts_since(sam, before_s)
    assert reveals(alex) == [] and reveals(sam) == []
