"""End-to-end: a pair's calendar. ``/packs`` (turning a pack on brings its questions and
exercises, turning it off stops them, at most two), ``/anniversary`` (the question on the
day, once a year; the one mention after ten check-ins), ``/trip`` (a question before and
after), and every bad input answered kindly with nothing changed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from bot import texts
from bot.emulator import FakeUser
from bot.sandbox import Sandbox, sandbox
from content.loader import ContentBank, load_content
from content.schema import CONTENT_DIR, Dimension, Occasion, Trigger, WeeklySlot
from scheduler.clock import ManualClock
from tests.conftest import open_round, texts_since
from tests.e2e.helpers import (
    SUN_8_MAR_10_BERLIN,
    DimensionPicker,
    checkin,
    labels,
    newest,
    next_day,
    notice,
    notices_told,
    offer_of,
    option_titles,
    pass_everything,
    unscheduled_pair,
)

pytestmark = pytest.mark.usefixtures("no_crash")


def _pack(pack_id: str, name: str, partner_exercise: str) -> dict[str, object]:
    """A pack of two light questions (a scale one whose rule names the pack's exercise), one
    deep question and one exercise."""
    return {
        "id": pack_id,
        "name": name,
        "description": f"For couples going through {name.lower()}: a test pack.",
        "questions": [
            {
                "id": f"{pack_id}-evenings",
                "dimension": "together_apart",
                "depth": "light",
                "kind": "scale",
                "text": f"{name}: how many evenings a week would you like to spend at home?",
                "scale": {"low": "Hardly any", "high": "Nearly all"},
                "mismatch": {"exercises": [f"{pack_id}-plan", partner_exercise]},
            },
            {
                "id": f"{pack_id}-memory",
                "dimension": "appreciation",
                "depth": "light",
                "kind": "open",
                "text": f"{name}: what is one small thing from this stretch you'd like to keep?",
            },
            {
                "id": f"{pack_id}-deep",
                "dimension": "support",
                "depth": "deep",
                "kind": "open",
                "text": f"{name}: what would help you most from each other this month?",
            },
        ],
        "exercises": [
            {
                "id": f"{pack_id}-plan",
                "kind": "negotiation",
                "dimensions": ["together_apart"],
                "triggers": ["mismatch"],
                "title": f"Plan the evenings ({pack_id})",
                "why": "A plan for the week's evenings takes the guessing out of them.",
                "minutes": 15,
                "steps": ["Each name two evenings.", "Compare the two lists.", "Agree on one."],
            }
        ],
    }


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> ContentBank:
    """The shipped content (packs aside) and three test packs."""
    folder = tmp_path_factory.mktemp("content")
    for name in ("questions.yaml", "exercises.yaml"):
        (folder / name).write_text((CONTENT_DIR / name).read_text())
    for sub in ("questions", "exercises"):
        (folder / sub).mkdir()
        for path in (CONTENT_DIR / sub).glob("*.yaml"):
            (folder / sub / path.name).write_text(path.read_text())
    shipped = load_content()
    partner = shipped.exercises_for(Dimension.TOGETHER_APART, Trigger.MISMATCH)[0].id
    packs: Path = folder / "packs"
    packs.mkdir()
    for pack_id, name in (("tp", "Test pack"), ("tq", "Second pack"), ("tr", "Third pack")):
        (packs / f"{pack_id}.yaml").write_text(yaml.safe_dump(_pack(pack_id, name, partner)))
    return load_content(folder)


@pytest.fixture
async def cal(
    db_url: str, clock: ManualClock, bank: ContentBank, picker: DimensionPicker
) -> AsyncIterator[Sandbox]:
    async with sandbox(db_url, clock=clock, content=bank, picker=picker) as running:
        yield running


async def passed_round(box: Sandbox, alex: FakeUser, sam: FakeUser) -> None:
    """A /checkin round both keep private (closed, nothing shown)."""
    before_a, before_s = len(alex.chat.messages), len(sam.chat.messages)
    await open_round(box, alex, sam)
    await pass_everything(alex, before_a)
    await pass_everything(sam, before_s)


# ------------------------------------------------------------------------------------ /packs


async def test_a_pack_turned_on_brings_its_questions_and_exercise_until_turned_off(
    cal: Sandbox, picker: DimensionPicker
) -> None:
    alex, sam = await unscheduled_pair(cal)
    await alex.send("/packs")
    screen = alex.chat.last
    assert "Test pack: For couples going through test pack" in screen.text
    assert texts.BTN_PACK_ON.format(name="Test pack") in labels(screen)
    before = len(sam.chat.messages)
    await alex.press(texts.BTN_PACK_ON.format(name="Test pack"))
    assert alex.chat.toasts[-1] == texts.PACK_ON_YOU.format(pack="Test pack")
    await notices_told(cal)
    assert texts_since(sam, before) == [
        notice("Alex", texts.NOTICE_PACKS.format(packs="Test pack"))
    ]
    assert texts.BTN_PACK_OFF.format(name="Test pack") in labels(alex.chat.messages[-1])
    await sam.send("/settings")
    assert texts.SETTINGS_PACKS.format(packs="Test pack") in sam.chat.last.text

    # The next check-in asks the pack's question; its mismatch offers the pack's exercise.
    before = len(sam.chat.messages)
    await checkin(cal, alex, sam, "5", "1")
    assert picker.asked[-1].id == "tp-evenings"
    assert any("how many evenings a week" in t for t in texts_since(sam, before))
    assert "Plan the evenings (tp)" in option_titles(offer_of(sam))
    await alex.press(texts.BTN_NOT_NOW)
    await sam.press(texts.BTN_NOT_NOW)
    await passed_round(cal, alex, sam)  # every other round: the bank's
    assert picker.asked[-1].pack is None

    await sam.send("/packs")
    before = len(alex.chat.messages)
    await sam.press(texts.BTN_PACK_OFF.format(name="Test pack"))
    assert sam.chat.toasts[-1] == texts.PACK_OFF_YOU.format(pack="Test pack")
    await notices_told(cal)
    assert texts_since(alex, before) == [
        notice("Sam", texts.NOTICE_PACKS.format(packs=texts.PACKS_NONE_ON))
    ]
    await next_day(cal)
    for _ in range(3):
        await passed_round(cal, alex, sam)
        assert picker.asked[-1].pack is None


async def test_a_pack_deep_question_takes_a_part_of_the_weekly_round(
    cal: Sandbox, picker: DimensionPicker
) -> None:
    alex, sam = await unscheduled_pair(cal)
    await alex.send("/weekly sun 10:00")
    await sam.send("/packs")
    await sam.press(texts.BTN_PACK_ON.format(name="Test pack"))
    before = len(alex.chat.messages)
    cal.clock.set(SUN_8_MAR_10_BERLIN)
    await cal.tick()
    asked = picker.asked[-3:]
    assert [q.dimension.weekly_slot for q in asked] == list(WeeklySlot)
    assert [q.id for q in asked if q.pack] == ["tp-deep"]  # support: the needs part
    assert asked[0].id == "tp-deep"
    assert any("help you most from each other" in t for t in texts_since(alex, before))


async def test_at_most_two_packs_and_a_forged_pack_changes_nothing(cal: Sandbox) -> None:
    alex, sam = await unscheduled_pair(cal)
    await alex.send("/packs")
    await alex.press(texts.BTN_PACK_ON.format(name="Test pack"))
    await alex.press(texts.BTN_PACK_ON.format(name="Second pack"))
    before = len(sam.chat.messages)
    await alex.press(texts.BTN_PACK_ON.format(name="Third pack"))
    assert alex.chat.toasts[-1] == texts.PACKS_TOO_MANY.format(max=2)
    message, _ = alex.chat.find_button(texts.BTN_PACK_OFF.format(name="Test pack"))
    await alex.press_data(message.message_id, "pk:nowhere:1")
    assert alex.chat.toasts[-1] == texts.BUTTON_STALE
    await alex.press_data(message.message_id, "pk:tq:1")  # already on
    assert alex.chat.toasts[-1] == texts.NOTHING_CHANGED
    assert texts_since(sam, before) == []
    await sam.send("/settings")
    assert texts.SETTINGS_PACKS.format(packs="Test pack, Second pack") in sam.chat.last.text


async def test_a_stranger_cannot_turn_a_pack_on(cal: Sandbox) -> None:
    alex, _sam = await unscheduled_pair(cal)
    await alex.send("/packs")
    screen = alex.chat.last
    eve = cal.fake.user(3003, "Eve")
    await eve.send("/start")
    await eve.send("Berlin")
    await eve.send("/packs")
    assert eve.chat.last.text == texts.NOT_PAIRED
    await eve.press_data(screen.message_id, "pk:tp:1")
    assert eve.chat.toasts[-1] == texts.NOT_PAIRED
    await alex.send("/settings")
    assert texts.SETTINGS_PACKS.format(packs=texts.PACKS_NONE_ON) in alex.chat.last.text


# ------------------------------------------------------------------------------ /anniversary


async def test_anniversary_bad_input_gets_a_kind_reply_and_changes_nothing(cal: Sandbox) -> None:
    alex, sam = await unscheduled_pair(cal)
    before = len(sam.chat.messages)
    for typed, reply in (
        ("/anniversary 31 February", texts.ANNIVERSARY_NO_SUCH_DAY),
        ("/anniversary 2030-01-01", texts.ANNIVERSARY_FUTURE),
        ("/anniversary 1800-01-01", texts.ANNIVERSARY_TOO_EARLY),
        ("/anniversary 1 January 2500", texts.ANNIVERSARY_FUTURE),
        ("/anniversary banana", texts.ANNIVERSARY_UNREADABLE),
        ("/anniversary 14 June 15 June", texts.ANNIVERSARY_UNREADABLE),
        ("/anniversary 14/06/2019", texts.ANNIVERSARY_UNREADABLE),
        ("/anniversary clear", texts.ANNIVERSARY_NOTHING),
    ):
        await alex.send(typed)
        assert alex.chat.last.text == reply, typed
    await alex.send("/anniversary")
    assert alex.chat.last.text == texts.ANNIVERSARY_NONE
    assert texts_since(sam, before) == []


async def test_the_anniversary_question_comes_on_the_day_once_a_year(
    cal: Sandbox, picker: DimensionPicker
) -> None:
    alex, sam = await unscheduled_pair(cal)  # Monday 2 March 2026
    await alex.send("/anniversary 4 March 2019")
    assert alex.chat.last.text == texts.ANNIVERSARY_SET_YOU.format(day="4 March 2019")
    assert sam.chat.last.text == texts.ANNIVERSARY_SET_PARTNER.format(
        name="Alex", day="4 March 2019"
    )
    await sam.send("/settings")
    assert texts.SETTINGS_ANNIVERSARY.format(day="4 March 2019") in sam.chat.last.text
    await sam.send("/anniversary")
    assert sam.chat.last.text == texts.ANNIVERSARY_STATUS.format(day="4 March 2019")

    asked = []
    for _day in range(5):  # 2 to 6 March, two check-ins a day
        for _ in range(2):
            await passed_round(cal, alex, sam)
            asked.append(picker.asked[-1])
        await next_day(cal)
    anniversary = [i for i, q in enumerate(asked) if q.occasion is Occasion.ANNIVERSARY]
    assert anniversary == [4]  # the first check-in of 4 March, and only that one
    assert any(asked[4].text in t for t in sam.chat.texts())

    await cal.advance(timedelta(days=363))  # 4 March 2027
    await passed_round(cal, alex, sam)
    assert picker.asked[-1].occasion is Occasion.ANNIVERSARY


async def test_the_anniversary_is_mentioned_once_after_ten_check_ins(cal: Sandbox) -> None:
    alex, sam = await unscheduled_pair(cal)
    for n in range(1, 12):
        before = len(sam.chat.messages)
        await checkin(cal, alex, sam, "3", "3")
        hint = [t for t in texts_since(sam, before) if t == texts.ANNIVERSARY_HINT]
        assert len(hint) == (1 if n == 10 else 0), n
        if n % 3 == 0:
            await next_day(cal)
    assert newest(alex, "Ten check-ins").text == texts.ANNIVERSARY_HINT
    await alex.send("/anniversary 14 June")
    assert alex.chat.last.text == texts.ANNIVERSARY_SET_YOU.format(day="14 June")
    await sam.send("/anniversary clear")
    assert sam.chat.last.text == texts.ANNIVERSARY_CLEARED_YOU
    assert alex.chat.last.text == texts.ANNIVERSARY_CLEARED_PARTNER.format(name="Sam")
    before = len(sam.chat.messages)
    await checkin(cal, alex, sam, "3", "3")
    assert texts.ANNIVERSARY_HINT not in texts_since(sam, before)  # never again


# ------------------------------------------------------------------------------------- /trip


async def test_trip_bad_input_gets_a_kind_reply_and_changes_nothing(cal: Sandbox) -> None:
    alex, sam = await unscheduled_pair(cal)  # Monday 2 March 2026
    before = len(sam.chat.messages)
    for typed, reply in (
        ("/trip banana", texts.TRIP_UNREADABLE),
        ("/trip 31 February", texts.TRIP_NO_SUCH_DAY),
        ("/trip 10 March 5 March", texts.TRIP_END_BEFORE),
        ("/trip 2026-03-10 2026-03-05", texts.TRIP_END_BEFORE),
        ("/trip 2026-02-01 2026-02-03", texts.TRIP_OVER),
        ("/trip 2027-06-01", texts.TRIP_TOO_FAR),
        ("/trip 1 May 1850", texts.TRIP_OVER),
        ("/trip 2300-05-01", texts.TRIP_TOO_FAR),
        ("/trip 5 March 20 July", texts.TRIP_TOO_LONG.format(days=90)),
        ("/trip 3 April 5 April 7 April", texts.TRIP_TOO_MANY),
        ("/trip clear", texts.TRIP_NOTHING),
    ):
        await alex.send(typed)
        assert alex.chat.last.text == reply, typed
    await alex.send("/trip")
    assert alex.chat.last.text == texts.TRIP_NONE
    assert texts_since(sam, before) == []


async def test_a_trip_brings_a_question_before_and_after_then_is_forgotten(
    cal: Sandbox, picker: DimensionPicker
) -> None:
    alex, sam = await unscheduled_pair(cal)  # Monday 2 March 2026
    await sam.send("/trip 5 March 7 March")
    dates = "Thu 5 Mar \u2013 Sat 7 Mar"
    assert sam.chat.last.text == texts.TRIP_SET_YOU.format(dates=dates)
    assert alex.chat.last.text == texts.TRIP_SET_PARTNER.format(name="Sam", dates=dates)
    await alex.send("/settings")
    assert texts.SETTINGS_TRIP.format(dates=dates) in alex.chat.last.text

    occasions = []
    for _day in range(10):  # 2 to 11 March, one check-in a day
        await passed_round(cal, alex, sam)
        occasions.append(picker.asked[-1].occasion)
        await next_day(cal)
    before_trip, after_trip = Occasion.BEFORE_TRIP, Occasion.AFTER_TRIP
    assert occasions[:8] == [None, before_trip, None, None, None, None, after_trip, None]
    assert set(occasions[8:]) == {None}
    await alex.send("/trip")  # 12 March: the trip is over and forgotten
    assert alex.chat.last.text == texts.TRIP_NONE
    await alex.send("/settings")
    assert "Trip:" not in alex.chat.last.text


async def test_one_trip_at_a_time(cal: Sandbox) -> None:
    alex, sam = await unscheduled_pair(cal)
    await alex.send("/trip 20 March")
    assert alex.chat.last.text == texts.TRIP_SET_YOU.format(dates="Fri 20 Mar")
    await alex.send("/trip 2026-04-01 2026-04-03")
    dates = "Wed 1 Apr \u2013 Fri 3 Apr"
    assert alex.chat.last.text == (
        texts.TRIP_SET_YOU.format(dates=dates) + "\n" + texts.TRIP_REPLACED
    )
    await sam.send("/trip")
    assert sam.chat.last.text == texts.TRIP_STATUS.format(dates=dates)
    await sam.send("/trip clear")
    assert sam.chat.last.text == texts.TRIP_CLEARED_YOU
    assert alex.chat.last.text == texts.TRIP_CLEARED_PARTNER.format(name="Sam")
