"""End-to-end: content and insight (issue 3) as the partners see it in their chats.

The weekly round of three, "both choose" exercise offers (same and different picks, not now,
reminders), the follow-up, the triggers (repeated, both low, closing gap), /history paging,
/insights (chart and streak), bad input around all of it, and users whose Telegram language has
no catalog. Time moves with ``box.clock`` and ``box.tick()``; nothing sleeps.
"""

from __future__ import annotations

import asyncio
import io
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po
from PIL import Image
from sqlalchemy import func, select

from bot import i18n, texts
from bot.domain.messages import utf16_len
from bot.domain.people import fmt_local
from bot.emulator import FakeBotAPI, FakeUser, SentMessage
from bot.sandbox import Sandbox, sandbox
from bot.storage.tables import exercise_offers, exercise_picks, users
from content.loader import ContentBank, load_content
from content.schema import (
    CONTENT_DIR,
    Depth,
    Dimension,
    Exercise,
    Question,
    Trigger,
    WeeklySlot,
)
from scheduler.cadence import TimeOfDayError, parse_time_of_day
from scheduler.clock import ManualClock
from tests.conftest import Picker, invite_link, make_pair, open_round, start_user, texts_since

# START (conftest) is Monday 2 March 2026, 09:00 UTC = 10:00 in Berlin; pairs default to a
# daily check-in at 20:00 Europe/Berlin = 19:00 UTC.
SUN_8_MAR_10_BERLIN = datetime(2026, 3, 8, 9, 0, tzinfo=UTC)
OFFER_ASK_START = "Pick the one you'd like"


class DimensionPicker(Picker):
    """The conftest picker, plus: with ``dimension`` set, the first scale question of that
    dimension that has a mismatch rule; for ``prefer == "scale"``, scale questions with a
    mismatch rule first (so 5 against 1 always pulls apart). Records every candidate list it
    was offered (``seen``), weights included."""

    def __init__(self) -> None:
        super().__init__()
        self.dimension: Dimension | None = None
        self.seen: list[list[str]] = []

    def __call__(self, candidates: Sequence[Question]) -> Question:
        self.seen.append([q.id for q in candidates])
        wanted = [
            q
            for q in candidates
            if q.kind == "scale"
            and q.mismatch is not None
            and (self.dimension is None or q.dimension is self.dimension)
        ]
        if wanted and (self.dimension is not None or self.prefer == "scale"):
            self.asked.append(wanted[0])
            return wanted[0]
        return super().__call__(candidates)


@pytest.fixture
def picker() -> DimensionPicker:
    """Overrides conftest's ``picker`` for this module (the ``box`` fixture uses it)."""
    return DimensionPicker()


# ---------------------------------------------------------------------------- helpers


def newest(user: FakeUser, starts: str) -> SentMessage:
    """The newest bot message in the user's chat whose text starts with ``starts``."""
    for message in reversed(user.chat.messages):
        if message.text.startswith(starts):
            return message
    raise AssertionError(f"no message starting {starts!r} in {user!r}'s chat")


def labels(message: SentMessage) -> list[str]:
    return [b.text for row in message.buttons for b in row]


async def press_in(user: FakeUser, message: SentMessage, label: str) -> None:
    """Press the button labelled exactly ``label`` on this very message."""
    for row in message.buttons:
        for button in row:
            if button.text == label:
                assert button.callback_data is not None
                await user.press_data(message.message_id, button.callback_data)
                return
    raise AssertionError(f"no button {label!r} on message: {labels(message)}")


def offer_of(user: FakeUser) -> SentMessage:
    """The user's newest exercise offer (it carries a "Not now" button)."""
    for message in reversed(user.chat.messages):
        if texts.BTN_NOT_NOW in labels(message):
            return message
    raise AssertionError(f"no exercise offer in {user!r}'s chat")


def option_titles(offer: SentMessage) -> list[str]:
    """Titles of an offer's exercises, from its buttons ("1. Title")."""
    found = []
    for label in labels(offer):
        if label == texts.BTN_NOT_NOW:
            continue
        match = re.fullmatch(r"\d\. (.+)", label)
        assert match is not None, label
        found.append(match[1])
    return found


def exercise_titled(box: Sandbox, title: str) -> Exercise:
    return next(e for e in box.runtime.content.exercises.values() if e.title == title)


def steps_text(exercise: Exercise) -> str:
    return "\n".join(f"{i}. {step}" for i, step in enumerate(exercise.steps, start=1))


def reveals(user: FakeUser) -> list[str]:
    return [
        t
        for t in user.chat.texts()
        if t.startswith(texts.REVEAL_HEADER) or t.startswith(texts.REVEAL_DEEP_HEADER)
    ]


def offers_in(lines: Sequence[str]) -> list[str]:
    return [t for t in lines if OFFER_ASK_START in t]


async def checkin(box: Sandbox, alex: FakeUser, sam: FakeUser, a: str, b: str) -> None:
    """A /checkin round that Alex answers ``a`` and Sam ``b`` (revealed)."""
    await open_round(box, alex, sam)
    await alex.press(a)
    await sam.press(b)
    assert reveals(sam), "the round was not revealed"


async def next_day(box: Sandbox) -> None:
    """A day later (the /checkin limit is three a day)."""
    await box.advance(timedelta(days=1))


async def unscheduled_pair(box: Sandbox) -> tuple[FakeUser, FakeUser]:
    """Alex and Sam, with only /checkin rounds (no scheduled round gets in the way)."""
    alex, sam = await make_pair(box)
    await alex.send("/frequency off")
    return alex, sam


async def mismatch_with_offer(box: Sandbox, alex: FakeUser, sam: FakeUser) -> list[str]:
    """A round answered 5 and 1; returns the offered exercise titles (same for both)."""
    await checkin(box, alex, sam, "5", "1")
    titles = option_titles(offer_of(alex))
    assert option_titles(offer_of(sam)) == titles
    return titles


def content_sandbox(
    database_url: str, clock: ManualClock, content: ContentBank, picker: Picker
) -> AbstractAsyncContextManager[Sandbox]:
    """Like :func:`bot.sandbox.sandbox`, with a content bank of the test's own."""
    return sandbox(database_url, clock=clock, content=content, picker=picker)


# ---------------------------------------------------------------------------- weekly round


async def test_weekly_round_of_three_reveals_side_by_side_only_when_all_are_answered(
    box: Sandbox, picker: DimensionPicker
) -> None:
    alex, sam = await make_pair(box)
    await alex.send("/weekly sun 10:00")
    told = "every Sunday at 10:00 (Europe/Berlin). Next: Sun 8 Mar, 10:00 your time."
    assert alex.chat.last.text == f"Done: your weekly check-in comes {told}"
    assert sam.chat.last.text == f"Alex set up a weekly check-in: {told}"

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
    assert sam.chat.last.text == texts.WEEKLY_OFF_PARTNER.format(name="Alex")
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
    assert sam.chat.last.text == f"Done: your weekly check-in comes {told}"
    assert alex.chat.last.text == f"Sam set up a weekly check-in: {told}"
    await sam.send("/weekly")
    assert "\u2713 Sat" in labels(sam.chat.last)

    before = len(alex.chat.messages)
    await box.advance(timedelta(days=13), step=timedelta(hours=1))
    arrived = texts_since(alex, before)
    daily = [t for t in arrived if t.startswith("Check-in \u00b7")]
    weekly = [t for t in arrived if t.startswith(texts.WEEKLY_INTRO.format(n=3))]
    assert daily == []
    assert len(weekly) == 2  # Sat 7 and Sat 14 March
    # Everything else is a weekly question again: the halfway nudge for an open round.
    assert all(re.search(r"^Question [123] of 3 ", t, re.M) for t in arrived), arrived


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


# ---------------------------------------------------------------------------- both choose


async def test_mismatch_offer_same_pick_agrees_and_reminds_at_the_chosen_time(
    box: Sandbox,
) -> None:
    alex, sam = await make_pair(box)
    titles = await mismatch_with_offer(box, alex, sam)
    for user, partner in ((alex, "Sam"), (sam, "Alex")):
        offer = offer_of(user)
        assert offer is user.chat.last
        assert 2 <= len(titles) <= 3
        assert labels(offer) == [f"{n}. {t}" for n, t in enumerate(titles, 1)] + ["Not now"]
        assert texts.OFFER_ASK.format(partner=partner) in offer.text
        for n, title in enumerate(titles, 1):
            assert re.search(rf"^{n}\. {re.escape(title)} \(", offer.text, re.M)

    chosen = titles[1]
    before_s = len(sam.chat.messages)
    await alex.press(f"2. {chosen}")
    assert alex.chat.toasts[-1] == texts.PICK_TOAST
    assert alex.chat.last.text == texts.PICK_SAVED.format(pick=chosen, partner="Sam")
    told = texts_since(sam, before_s)
    assert told == [texts.PICK_WAITING.format(name="Alex")]
    assert all(chosen not in t for t in told)  # never which

    before_a, before_s = len(alex.chat.messages), len(sam.chat.messages)
    await sam.press(f"2. {chosen}")
    exercise = exercise_titled(box, chosen)
    for user, before in ((alex, before_a), (sam, before_s)):
        agreed, ask = texts_since(user, before)
        assert agreed.startswith(texts.OFFER_AGREED.format(title=chosen))
        assert steps_text(exercise) in agreed
        assert exercise.why not in agreed  # the offer showed it already
        assert ask == texts.REMIND_ASK
        # An hour after the check-in time, so the reminder does not arrive with the question.
        assert labels(user.chat.last) == [
            "Today 21:00",
            "Tomorrow 21:00",
            texts.BTN_REMIND_TYPE,
            texts.BTN_REMIND_NONE,
        ]

    await sam.press("Tomorrow 21:00")
    assert sam.chat.last.text == texts.REMIND_SET_YOU.format(when="Tue 3 Mar, 21:00")
    assert alex.chat.last.text == texts.REMIND_SET_PARTNER.format(
        name="Sam", title=chosen, when="Tue 3 Mar, 21:00"
    )
    due = datetime(2026, 3, 3, 20, 0, tzinfo=UTC)
    before_a, before_s = len(alex.chat.messages), len(sam.chat.messages)
    box.clock.set(due - timedelta(minutes=1))
    await box.tick()
    reminder = texts.REMIND_DUE.format(title=chosen)
    assert not any(t.startswith(reminder) for t in texts_since(alex, before_a))
    box.clock.set(due)
    await box.tick()
    for user, before in ((alex, before_a), (sam, before_s)):
        got = [t for t in texts_since(user, before) if t.startswith(reminder)]
        assert len(got) == 1 and steps_text(exercise) in got[0]


async def test_typed_reminder_time_with_bad_and_past_input(box: Sandbox) -> None:
    alex, sam = await unscheduled_pair(box)
    titles = await mismatch_with_offer(box, alex, sam)
    await alex.press(f"1. {titles[0]}")
    await sam.press(f"1. {titles[0]}")
    await alex.press(texts.BTN_REMIND_TYPE)
    assert alex.chat.last.text == texts.REMIND_TYPE
    await alex.send("whenever suits")
    assert alex.chat.last.text == texts.REMIND_BAD
    await alex.send("today 09:00")  # 10:00 in Berlin now
    assert alex.chat.last.text == texts.REMIND_PAST
    await alex.send("sat 10:00")
    assert alex.chat.last.text == texts.REMIND_SET_YOU.format(when="Sat 7 Mar, 10:00")
    assert "Sat 7 Mar, 10:00" in sam.chat.last.text
    await alex.send("hello")  # no longer waiting for a time
    assert alex.chat.last.text == texts.NOTHING_WAITING


async def test_different_picks_are_shown_side_by_side_and_one_partner_settles(
    box: Sandbox,
) -> None:
    alex, sam = await make_pair(box)
    titles = await mismatch_with_offer(box, alex, sam)
    first, second = titles[0], titles[1]
    await alex.press(f"1. {first}")
    before_a, before_s = len(alex.chat.messages), len(sam.chat.messages)
    await sam.press(f"2. {second}")
    (shown_a,) = texts_since(alex, before_a)
    (shown_s,) = texts_since(sam, before_s)
    assert shown_a == texts.OFFER_DIFFERENT.format(mine=first, partner="Sam", theirs=second)
    assert shown_s == texts.OFFER_DIFFERENT.format(mine=second, partner="Alex", theirs=first)
    for user in (alex, sam):
        assert labels(user.chat.last) == [first, second, texts.BTN_NOT_THIS_TIME]

    before_a, before_s = len(alex.chat.messages), len(sam.chat.messages)
    await sam.press(first)  # Sam goes with Alex's pick
    exercise = exercise_titled(box, first)
    decided_s, ask_s = texts_since(sam, before_s)
    decided_a, ask_a = texts_since(alex, before_a)
    assert decided_s.startswith(texts.OFFER_DECIDED_YOU.format(title=first))
    assert decided_a.startswith(texts.OFFER_DECIDED.format(name="Sam", title=first))
    assert steps_text(exercise) in decided_a and steps_text(exercise) in decided_s
    assert ask_a == ask_s == texts.REMIND_ASK
    assert labels(newest(sam, "Your picks are in")) == []  # settle buttons removed

    # Alex's settle buttons are still there; a late tap changes nothing.
    before_a, before_s = len(alex.chat.messages), len(sam.chat.messages)
    await press_in(alex, newest(alex, "Your picks are in"), second)
    assert alex.chat.toasts[-1] == texts.OFFER_DECIDED_YOU.format(title=first)
    assert texts_since(alex, before_a) == [] and texts_since(sam, before_s) == []


async def test_one_not_now_and_one_exercise_then_not_this_time(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    titles = await mismatch_with_offer(box, alex, sam)
    await alex.press(texts.BTN_NOT_NOW)
    assert alex.chat.last.text == texts.PICK_SAVED.format(pick=texts.PICK_NONE, partner="Sam")
    assert sam.chat.last.text == texts.PICK_WAITING.format(name="Alex")  # not "not now"
    await sam.press(f"1. {titles[0]}")
    assert alex.chat.last.text == texts.OFFER_ONE_NOT_NOW.format(
        mine=texts.PICK_NONE, partner="Sam", theirs=titles[0]
    )
    assert sam.chat.last.text == texts.OFFER_ONE_NOT_NOW.format(
        mine=titles[0], partner="Alex", theirs=texts.PICK_NONE
    )
    assert labels(sam.chat.last) == [titles[0], texts.BTN_NOT_THIS_TIME]
    before_s = len(sam.chat.messages)
    await alex.press(texts.BTN_NOT_THIS_TIME)
    assert texts_since(sam, before_s) == [texts.OFFER_DECLINED_DECIDE.format(name="Alex")]
    await sam.press(titles[0])  # too late: it's settled
    assert sam.chat.toasts[-1] == texts.OFFER_CLOSED
    assert not any(t.startswith("You both picked") for t in sam.chat.texts())


async def test_not_this_time_is_acknowledged_with_its_own_words(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    titles = await mismatch_with_offer(box, alex, sam)
    await alex.press(f"1. {titles[0]}")
    await sam.press(f"2. {titles[1]}")
    await sam.press(texts.BTN_NOT_THIS_TIME)
    assert sam.chat.last.text != texts.REMIND_NONE


async def test_both_not_now_closes_the_offer_without_a_follow_up(box: Sandbox) -> None:
    alex, sam = await unscheduled_pair(box)
    await mismatch_with_offer(box, alex, sam)
    await alex.press(texts.BTN_NOT_NOW)
    before_a, before_s = len(alex.chat.messages), len(sam.chat.messages)
    await sam.press(texts.BTN_NOT_NOW)
    assert texts_since(alex, before_a) == [texts.OFFER_DECLINED_BOTH]
    assert texts_since(sam, before_s) == [texts.OFFER_DECLINED_BOTH]
    await alex.press(texts.BTN_NOT_NOW)  # the offer's button, pressed again: closed
    assert alex.chat.toasts[-1] == texts.OFFER_CLOSED
    before_a = len(alex.chat.messages)
    await box.advance(timedelta(days=4), step=timedelta(hours=6))
    assert texts_since(alex, before_a) == []


# ---------------------------------------------------------------------------- follow-up


async def agree_on_first(alex: FakeUser, sam: FakeUser, titles: Sequence[str]) -> None:
    await alex.press(f"1. {titles[0]}")
    await sam.press(f"1. {titles[0]}")
    assert sam.chat.messages[-2].text.startswith(texts.OFFER_AGREED.format(title=titles[0]))


async def test_follow_up_two_days_later_alone_is_revealed_like_a_round(box: Sandbox) -> None:
    alex, sam = await unscheduled_pair(box)
    titles = await mismatch_with_offer(box, alex, sam)
    await agree_on_first(alex, sam, titles)  # Mon 2 Mar, 10:00 Berlin
    due = datetime(2026, 3, 4, 19, 0, tzinfo=UTC)  # Wed 20:00 Berlin, the pair's time
    before_a, before_s = len(alex.chat.messages), len(sam.chat.messages)
    await box.advance(due - timedelta(minutes=1) - box.clock.now(), step=timedelta(hours=6))
    assert texts_since(alex, before_a) == [] and texts_since(sam, before_s) == []
    box.clock.set(due)
    await box.tick()
    for user, before in ((alex, before_a), (sam, before_s)):
        (question,) = user.chat.messages[before:]
        assert question.text.startswith(texts.FOLLOWUP_HEADER + "\n\n")
        assert texts.FOLLOWUP_INTRO.format(title=titles[0]) in question.text
        assert texts.FOLLOWUP_QUESTION in question.text
        low, high = texts.FOLLOWUP_LOW, texts.FOLLOWUP_HIGH
        assert texts.SCALE_HINT.format(low=low, high=high) in question.text
        assert labels(question) == ["1", "2", "3", "4", "5", texts.BTN_SKIP]
    await alex.press("4")
    assert len(reveals(alex)) == len(reveals(sam)) == 1  # only the first round's so far
    await sam.press("2")
    for user, line in ((alex, "You: 4 of 5\nSam: 2 of 5"), (sam, "You: 2 of 5\nAlex: 4 of 5")):
        reveal = reveals(user)[-1]
        assert reveal.startswith(texts.REVEAL_HEADER)
        assert texts.FOLLOWUP_QUESTION in reveal and line in reveal
        assert texts.FOLLOWUP_ABOUT.format(title=titles[0]) in reveal  # which exercise
        assert offers_in([user.chat.last.text]) == []  # how it went is not a mismatch
    before_a = len(alex.chat.messages)
    await box.advance(timedelta(days=3), step=timedelta(hours=6))
    assert not any(texts.FOLLOWUP_QUESTION in t for t in texts_since(alex, before_a))


async def test_follow_up_rides_along_as_the_last_question_of_the_next_daily_round(
    box: Sandbox,
) -> None:
    alex, sam = await make_pair(box)  # daily at 20:00 Berlin
    titles = await mismatch_with_offer(box, alex, sam)
    await agree_on_first(alex, sam, titles)
    for day in (2, 3):  # Mon and Tue rounds; Tuesday's is still open on Wednesday evening
        box.clock.set(datetime(2026, 3, day, 19, 0, tzinfo=UTC))
        await box.tick()
    before_a, before_s = len(alex.chat.messages), len(sam.chat.messages)
    box.clock.set(datetime(2026, 3, 4, 18, 59, tzinfo=UTC))
    await box.tick()  # Tuesday's round is open: the follow-up waits for the next one
    assert not any(texts.FOLLOWUP_QUESTION in t for t in texts_since(alex, before_a))
    before_a, before_s = len(alex.chat.messages), len(sam.chat.messages)
    box.clock.set(datetime(2026, 3, 4, 19, 0, tzinfo=UTC))
    await box.tick()
    for user, before in ((alex, before_a), (sam, before_s)):
        daily, followup = user.chat.messages[before:]
        assert daily.text.startswith("Question 1 of 2 \u00b7")
        assert followup.text.startswith(texts.FOLLOWUP_HEADER)
        assert texts.FOLLOWUP_INTRO.format(title=titles[0]) in followup.text
        assert texts.FOLLOWUP_QUESTION in followup.text
    daily_q = picker_question(alex.chat.messages[before_a].text, box)
    asked = {alex: alex.chat.messages[before_a:], sam: sam.chat.messages[before_s:]}
    for user, first, second in ((alex, "3", "5"), (sam, "3", "1")):
        await press_in(user, asked[user][0], first)
        await press_in(user, asked[user][1], second)
    for user, line in ((alex, "You: 5 of 5\nSam: 1 of 5"), (sam, "You: 1 of 5\nAlex: 5 of 5")):
        reveal = reveals(user)[-1]
        assert reveal.startswith(texts.REVEAL_DEEP_HEADER)
        assert f"1. {daily_q.text}" in reveal
        about = texts.FOLLOWUP_ABOUT.format(title=titles[0])
        assert reveal.index("1. ") < reveal.index(f"2. {about}\n{texts.FOLLOWUP_QUESTION}")
        assert line in reveal
    before_a = len(alex.chat.messages)
    box.clock.set(datetime(2026, 3, 4, 19, 2, tzinfo=UTC))
    await box.tick()
    assert texts_since(alex, before_a) == []  # the follow-up is asked once


def picker_question(message_text: str, box: Sandbox) -> Question:
    """The bank question whose text a question message shows."""
    return next(q for q in box.runtime.content.questions.values() if q.text in message_text)


async def test_follow_up_is_not_closed_a_minute_later_by_the_daily_round(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    titles = await mismatch_with_offer(box, alex, sam)
    await agree_on_first(alex, sam, titles)
    for day in (2, 3):  # both answer Monday's and Tuesday's rounds
        box.clock.set(datetime(2026, 3, day, 19, 0, tzinfo=UTC))
        await box.tick()
        await alex.press("3")
        await sam.press("3")
    for minute in (59, 60):  # Wed 19:59 and 20:00 Berlin
        box.clock.set(datetime(2026, 3, 4, 18, 0, tzinfo=UTC) + timedelta(minutes=minute))
        await box.tick()
    followup = newest(alex, texts.FOLLOWUP_HEADER)
    assert texts.FOLLOWUP_INTRO.format(title=titles[0]) in followup.text
    await press_in(alex, followup, "4")
    assert alex.chat.toasts[-1] == texts.ANSWER_TOAST


# ---------------------------------------------------------------------------- triggers


async def test_repeated_trigger_within_the_last_four_rounds_offers_deeper_exercises(
    box: Sandbox, picker: DimensionPicker
) -> None:
    alex, sam = await unscheduled_pair(box)
    bank = box.runtime.content
    dim = Dimension.BOUNDARIES
    repeated = {e.id for e in bank.exercises_for(dim, Trigger.REPEATED)}
    assert len(repeated) >= 2

    async def round_in(dimension: Dimension, a: str, b: str) -> list[str]:
        picker.dimension = dimension
        before = len(alex.chat.messages)
        await checkin(box, alex, sam, a, b)
        assert picker.asked[-1].dimension is dimension
        await next_day(box)
        return offers_in(texts_since(alex, before))

    others = iter(
        [Dimension.APPRECIATION, Dimension.SUPPORT, Dimension.GROWTH, Dimension.INDIVIDUALITY] * 2
    )
    (first,) = await round_in(dim, "5", "1")  # r1
    assert first.startswith(texts.OFFER_MISMATCH.format(dimension=dim.label))
    assert await round_in(next(others), "3", "3") == []  # r2
    assert await round_in(next(others), "4", "4") == []  # r3
    (again,) = await round_in(dim, "1", "5")  # r4: 2 of the last 4 rounds
    assert again.startswith(texts.OFFER_REPEATED.format(dimension=dim.label))
    assert "more than once" in again
    ids = [exercise_titled(box, t).id for t in option_titles(offer_of(alex))]
    assert 2 <= len(ids) <= 3 and set(ids) <= repeated
    assert option_titles(offer_of(sam)) == option_titles(offer_of(alex))
    for _ in range(3):  # r5, r6, r7
        assert await round_in(next(others), "4", "4") == []
    (later,) = await round_in(dim, "5", "1")  # r8: r4 is now five rounds back
    assert later.startswith(texts.OFFER_MISMATCH.format(dimension=dim.label))


def both_low_bank(folder: Path) -> ContentBank:
    """The shipped exercises with three questions of our own: a trust question whose low end
    is a concern, and a preference question whose low end is not."""
    shipped = load_content()
    mismatch_for = {
        d: [e.id for e in shipped.exercises_for(d, Trigger.MISMATCH)][:2] for d in Dimension
    }
    questions = [
        {
            "id": "trust-low",
            "dimension": "trust",
            "depth": "light",
            "kind": "scale",
            "text": "How safe did you feel telling your partner the truth this week?",
            "scale": {"low": "Not safe", "high": "Completely safe"},
            "low_is_concern": True,
            "mismatch": {"exercises": mismatch_for[Dimension.TRUST]},
        },
        {
            "id": "quiet-pref",
            "dimension": "together_apart",
            "depth": "light",
            "kind": "scale",
            "text": "How much quiet time at home would you like this week?",
            "scale": {"low": "Very little", "high": "Lots"},
            "mismatch": {"exercises": mismatch_for[Dimension.TOGETHER_APART]},
        },
        *(
            {
                "id": f"deep-{slot.value}",
                "dimension": next(d for d in Dimension if d.weekly_slot is slot).value,
                "depth": "deep",
                "kind": "open",
                "text": "What would make it easier to say a hard thing to each other?",
            }
            for slot in WeeklySlot
        ),
    ]
    folder.mkdir()
    (folder / "exercises.yaml").write_text(
        (CONTENT_DIR / "exercises.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (folder / "questions.yaml").write_text(yaml.safe_dump(questions), encoding="utf-8")
    return load_content(folder)


async def test_both_low_on_a_concern_question_offers_a_joint_exercise(
    tmp_path: Path, db_url: str, clock: ManualClock
) -> None:
    bank = both_low_bank(tmp_path / "content")
    picker = Picker()  # first least-asked scale question, in file order
    async with content_sandbox(db_url, clock, bank, picker) as box:
        alex, sam = await unscheduled_pair(box)
        before = len(alex.chat.messages)
        await checkin(box, alex, sam, "1", "2")  # trust-low: agree (gap 1), both low
        assert picker.asked[-1].id == "trust-low"
        (offer,) = offers_in(texts_since(alex, before))
        assert offer.startswith(texts.OFFER_BOTH_LOW.format(dimension=Dimension.TRUST.label))
        both_low = {e.id for e in bank.exercises_for(Dimension.TRUST, Trigger.BOTH_LOW)}
        for user in (alex, sam):
            ids = [exercise_titled(box, t).id for t in option_titles(offer_of(user))]
            assert 2 <= len(ids) <= 3 and set(ids) <= both_low

        before = len(alex.chat.messages)
        await checkin(box, alex, sam, "1", "1")  # quiet-pref: low is a preference
        assert picker.asked[-1].id == "quiet-pref"
        await checkin(box, alex, sam, "2", "3")  # trust-low again: only one is low
        assert picker.asked[-1].id == "trust-low"
        assert offers_in(texts_since(alex, before)) == []
        assert offers_in(texts_since(sam, before)) == []


async def test_a_closing_gap_gets_a_word_of_encouragement(
    box: Sandbox, picker: DimensionPicker
) -> None:
    alex, sam = await unscheduled_pair(box)
    dim = Dimension.SUPPORT
    encourage = texts.ENCOURAGE.format(dimension=dim.label)
    picker.dimension = dim
    await checkin(box, alex, sam, "5", "1")  # gap 4: a mismatch
    picker.dimension = Dimension.APPRECIATION
    await checkin(box, alex, sam, "3", "3")  # another dimension in between
    picker.dimension = dim
    before_a, before_s = len(alex.chat.messages), len(sam.chat.messages)
    await checkin(box, alex, sam, "4", "3")  # gap 1: closer
    assert picker.asked[-1].dimension is dim
    for user, before in ((alex, before_a), (sam, before_s)):
        got = texts_since(user, before)
        assert got.count(encourage) == 1
        assert offers_in(got) == []
    await next_day(box)
    before_a = len(alex.chat.messages)
    await checkin(box, alex, sam, "3", "3")  # closer still, but it was no mismatch last time
    assert picker.asked[-1].dimension is dim
    assert encourage not in texts_since(alex, before_a)


# ---------------------------------------------------------------------------- history


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
    assert page.text.startswith(texts.HISTORY_HEADER.format(first=7, last=7, total=7))
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


# ---------------------------------------------------------------------------- insights


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

    axis_starts = (texts.INSIGHTS_AXIS_TOGETHER[:10], texts.INSIGHTS_AXIS_GIVING[:10])
    for text in summaries:
        for paragraph in text.split("\n\n"):
            if paragraph.startswith(axis_starts):
                continue  # "you 3.0, Sam 2.5": a position, not a verdict
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


# ---------------------------------------------------------------------------- bad input


async def test_pick_from_an_offer_a_newer_one_replaced_changes_nothing(box: Sandbox) -> None:
    alex, sam = await unscheduled_pair(box)
    await mismatch_with_offer(box, alex, sam)
    old = offer_of(alex)
    old_button = old.buttons[0][0]
    await mismatch_with_offer(box, alex, sam)
    new = offer_of(alex)
    assert new.message_id != old.message_id
    before_a, before_s = len(alex.chat.messages), len(sam.chat.messages)
    assert old_button.callback_data is not None
    await alex.press_data(old.message_id, old_button.callback_data)
    assert alex.chat.toasts[-1] == texts.OFFER_REPLACED
    assert labels(old) == []  # the stale keyboard is removed
    assert texts_since(alex, before_a) == [] and texts_since(sam, before_s) == []
    async with box.runtime.engine.connect() as conn:
        count = (await conn.execute(select(func.count()).select_from(exercise_picks))).scalar()
    assert count == 0
    # The newer offer still works.
    titles = option_titles(new)
    await press_in(alex, new, f"1. {titles[0]}")
    assert sam.chat.last.text == texts.PICK_WAITING.format(name="Alex")


async def test_forged_pick_for_another_pairs_offer_is_not_yours(box: Sandbox) -> None:
    alex, sam = await unscheduled_pair(box)
    chris = box.fake.user(1003, "Chris")
    dana = box.fake.user(1004, "Dana")
    await start_user(chris, "Berlin")
    await start_user(dana, "Berlin")
    await chris.send("/pair")
    await dana.open_link(invite_link(chris))
    await dana.press("Accept")
    titles = await mismatch_with_offer(box, chris, dana)
    their_offer = offer_of(chris)
    data = their_offer.buttons[0][0].callback_data
    assert data is not None
    offer_id = data.split(":")[1]
    await chris.press(f"1. {titles[0]}")  # Chris's pick is waiting

    counts = [len(u.chat.messages) for u in (alex, sam, chris, dana)]
    for forged in (
        f"x:{offer_id}:0",
        f"x:{offer_id}:n",
        f"xd:{offer_id}:0",
        f"xr:{offer_id}:none",
        "x:9999:0",
    ):
        await alex.press_data(alex.chat.last.message_id, forged)
        assert alex.chat.toasts[-1] == texts.BUTTON_NOT_YOURS
    assert [len(u.chat.messages) for u in (alex, sam, chris, dana)] == counts
    async with box.runtime.engine.connect() as conn:
        alex_picks = (
            await conn.execute(
                select(func.count())
                .select_from(exercise_picks)
                .where(exercise_picks.c.user_id == 1001)
            )
        ).scalar()
    assert alex_picks == 0
    assert not any(titles[0] in t for t in alex.chat.texts() + sam.chat.texts())
    # Dana's pick still completes their own offer.
    await dana.press(f"1. {titles[0]}")
    assert any(t.startswith(texts.OFFER_AGREED.format(title=titles[0])) for t in chris.chat.texts())


async def test_focus_unknown_topic_lists_the_topics_and_changes_nothing(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    before = len(sam.chat.messages)
    await alex.send("/focus stamina")
    topics = ", ".join(d.value for d in Dimension)
    assert alex.chat.last.text == texts.FOCUS_UNKNOWN.format(word="stamina", topics=topics)
    await alex.send("/focus trust stamina")
    assert alex.chat.last.text == texts.FOCUS_UNKNOWN.format(word="stamina", topics=topics)
    await alex.send("/focus trust boundaries growth support appreciation")
    assert alex.chat.last.text == texts.FOCUS_TOO_MANY.format(max=4)
    await alex.send("/focus")
    assert alex.chat.last.text == texts.FOCUS_STATUS.format(focus=texts.FOCUS_NONE, max=4)
    assert texts_since(sam, before) == []


async def test_focus_is_told_to_both_and_weights_the_rotation(
    box: Sandbox, picker: DimensionPicker
) -> None:
    alex, sam = await make_pair(box)
    await alex.send("/focus trust boundaries")
    shown = f"{Dimension.BOUNDARIES.label}, {Dimension.TRUST.label}"
    assert alex.chat.last.text == texts.FOCUS_SET_YOU.format(focus=shown)
    assert sam.chat.last.text == texts.FOCUS_SET_PARTNER.format(name="Alex", focus=shown)
    await sam.send("/focus")
    assert sam.chat.last.text == texts.FOCUS_STATUS.format(focus=shown, max=4)
    ticked = [label for label in labels(sam.chat.last) if label.startswith("\u2713 ")]
    assert ticked == [f"\u2713 {Dimension.BOUNDARIES.label}", f"\u2713 {Dimension.TRUST.label}"]

    await open_round(box, alex, sam)
    weights = Counter(picker.seen[-1])
    bank = box.runtime.content
    for question in bank.questions_of(Depth.LIGHT):
        expected = 3 if question.dimension in (Dimension.TRUST, Dimension.BOUNDARIES) else 1
        assert weights[question.id] == expected, question.id

    await sam.press(f"\u2713 {Dimension.TRUST.label}")  # toggle trust off with a button
    assert sam.chat.toasts[-1] == texts.FOCUS_SET_YOU.format(focus=Dimension.BOUNDARIES.label)
    assert alex.chat.last.text == texts.FOCUS_SET_PARTNER.format(
        name="Sam", focus=Dimension.BOUNDARIES.label
    )
    await alex.send("/focus clear")
    assert alex.chat.last.text == texts.FOCUS_CLEARED_YOU
    assert sam.chat.last.text == texts.FOCUS_CLEARED_PARTNER.format(name="Alex")


async def test_both_partners_picking_at_the_same_instant_agree_once(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    for turn in range(3):
        titles = await mismatch_with_offer(box, alex, sam)
        label = f"1. {titles[0]}"
        await asyncio.gather(alex.press(label), sam.press(label))
        await box.tick()
        for user in (alex, sam):
            agreed = [t for t in user.chat.texts() if t.startswith("You both picked")]
            assert len(agreed) == turn + 1, user.chat.texts()[-6:]
            assert user.chat.texts().count(texts.REMIND_ASK) == turn + 1


async def test_two_processes_on_one_database_agree_once_when_both_pick_at_once(
    db_url: str, clock: ManualClock, picker: DimensionPicker
) -> None:
    fake = FakeBotAPI(clock=clock.now)
    async with (
        sandbox(db_url, clock=clock, fake=fake, picker=picker) as one,
        sandbox(db_url, clock=clock, fake=fake, picker=picker, attach=False) as two,
    ):
        alex, sam = await make_pair(one)
        for turn in range(3):
            await open_round(one, alex, sam)
            await alex.press("5")
            await sam.press("1", via=two.deliver)
            label = f"1. {option_titles(offer_of(alex))[0]}"
            await asyncio.gather(alex.press(label), sam.press(label, via=two.deliver))
            await one.tick()
            await two.tick()
            for user in (alex, sam):
                agreed = [t for t in user.chat.texts() if t.startswith("You both picked")]
                assert len(agreed) == turn + 1
                waiting = [t for t in user.chat.texts() if "has picked an exercise" in t]
                assert len(waiting) <= turn + 1


# ---------------------------------------------------------------------------- language


async def pair_speaking(box: Sandbox, alex_lang: str | None, sam_lang: str | None) -> None:
    alex = box.fake.user(1001, "Alex", language_code=alex_lang)
    sam = box.fake.user(1002, "Sam", language_code=sam_lang)
    await start_user(alex, "Berlin")
    await start_user(sam, "Berlin")
    await alex.send("/pair")
    await sam.open_link(invite_link(alex))
    await sam.press(texts.INVITE_ACCEPT)


@pytest.fixture
def no_catalogs(tmp_path: Path) -> Iterator[Path]:
    """No translation catalog exists (whatever bot/locale holds while others work on it)."""
    folder = tmp_path / "locale"
    folder.mkdir()
    i18n.configure(folder)
    try:
        yield folder
    finally:
        i18n.configure(None)


async def test_users_whose_language_has_no_catalog_get_english(
    box: Sandbox, no_catalogs: Path
) -> None:
    await pair_speaking(box, "de", "pt-br")
    alex, sam = box.fake.users[1001], box.fake.users[1002]
    assert alex.chat.messages[0].text == texts.WELCOME.format(name="Alex")
    assert sam.chat.last.text.startswith("You're now paired with Alex.")
    await alex.send("/frequency off")
    titles = await mismatch_with_offer(box, alex, sam)
    assert offer_of(sam).text.startswith("Your answers on")
    await alex.press(f"1. {titles[0]}")
    assert sam.chat.last.text == texts.PICK_WAITING.format(name="Alex")
    await sam.press(f"1. {titles[0]}")
    assert alex.chat.last.text == texts.REMIND_ASK
    await alex.send("/history")
    assert alex.chat.last.text.startswith("Your check-ins, newest first")
    await sam.send("/insights")
    assert sam.chat.last.text.startswith("Last 12 weeks:")
    await sam.send("/weekly")
    assert sam.chat.last.text == texts.WEEKLY_STATUS_OFF
    await sam.send("/focus")
    assert sam.chat.last.text.startswith("Focus: none")
    assert not any(t == texts.SOMETHING_WRONG for t in alex.chat.texts() + sam.chat.texts())
    async with box.runtime.engine.connect() as conn:
        recorded = dict((await conn.execute(select(users.c.id, users.c.language_code))).all())
    assert recorded == {1001: "de", 1002: "pt-br"}


async def test_each_partner_reads_their_own_language_when_one_catalog_exists(
    box: Sandbox, no_catalogs: Path
) -> None:
    german_reveal = "Ihr habt beide geantwortet. Hier ist euer Check-in:"
    german_waiting = "{name} hat geantwortet. Wenn du auch antwortest, seht ihr beide Antworten."
    catalog = Catalog(locale="de", domain=i18n.DOMAIN)
    catalog.add(texts.source("REVEAL_HEADER"), german_reveal)
    catalog.add(texts.source("ANSWER_WAITING"), german_waiting)
    path = no_catalogs / "de" / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    path.parent.mkdir(parents=True)
    with path.open("wb") as handle:
        write_po(handle, catalog)
    i18n.configure(no_catalogs)

    await pair_speaking(box, "en", "de-AT")
    alex, sam = box.fake.users[1001], box.fake.users[1002]
    await open_round(box, alex, sam)
    await alex.press("3")
    assert sam.chat.last.text == german_waiting.format(name="Alex")
    await sam.press("3")
    assert alex.chat.messages[-1].text.startswith(texts.REVEAL_HEADER)
    assert sam.chat.messages[-1].text.startswith(german_reveal)
    assert "You: 3 of 5" in sam.chat.messages[-1].text  # untranslated texts stay English


# ---------------------------------------------------------------------------- review fixes


async def test_a_partner_back_after_blocking_gets_the_offer_still_waiting(box: Sandbox) -> None:
    alex, sam = await unscheduled_pair(box)
    await open_round(box, alex, sam)
    await sam.press("1")
    await sam.block()
    await alex.press("5")  # the reveal and the offer cannot reach Sam
    titles = option_titles(offer_of(alex))
    await alex.press(f"1. {titles[0]}")
    await sam.unblock()
    await sam.send("/start")
    offer = offer_of(sam)
    assert option_titles(offer) == titles
    await press_in(sam, offer, f"1. {titles[0]}")
    assert newest(sam, "You both picked").text.startswith(
        texts.OFFER_AGREED.format(title=titles[0])
    )


async def test_no_reminder_turns_off_the_one_the_partner_set(box: Sandbox) -> None:
    alex, sam = await unscheduled_pair(box)
    titles = await mismatch_with_offer(box, alex, sam)
    await agree_on_first(alex, sam, titles)
    await alex.press("Tomorrow")
    await sam.press(texts.BTN_REMIND_NONE)
    assert sam.chat.last.text == texts.REMIND_OFF_YOU
    assert alex.chat.last.text == texts.REMIND_OFF_PARTNER.format(name="Sam")
    before = len(alex.chat.messages)
    await box.advance(timedelta(days=2), step=timedelta(hours=1))
    reminder = texts.REMIND_DUE.format(title=titles[0])
    assert not any(t.startswith(reminder) for t in texts_since(alex, before))


async def test_reminders_set_at_once_end_with_the_one_that_holds_in_both_chats(
    box: Sandbox,
) -> None:
    alex, sam = await unscheduled_pair(box)
    titles = await mismatch_with_offer(box, alex, sam)
    await agree_on_first(alex, sam, titles)
    await asyncio.gather(alex.press("Today"), sam.press("Tomorrow"))
    async with box.runtime.engine.connect() as conn:
        held = (await conn.execute(select(exercise_offers.c.remind_at))).scalar_one()
    when = fmt_local(held, "Europe/Berlin")
    for user in (alex, sam):
        last = user.chat.last.text
        assert when in last, (last, when)


async def test_a_reminder_button_is_labelled_by_the_readers_own_day(box: Sandbox) -> None:
    alex, sam = await make_pair(box, "Berlin", "New York")  # Berlin's 20:00 is 14:00 there
    await alex.send("/frequency off")
    box.clock.set(datetime(2026, 3, 3, 4, 30, tzinfo=UTC))  # Mon 23:30 in New York
    titles = await mismatch_with_offer(box, alex, sam)
    await agree_on_first(alex, sam, titles)
    # Berlin: Tue 05:30, so "today 21:00" is Tue 21:00 = Tue 15:00 in New York: "Tomorrow".
    assert labels(alex.chat.last)[:2] == ["Today 21:00", "Tomorrow 21:00"]
    assert labels(sam.chat.last)[0] == "Tomorrow 15:00"
    await sam.press("Tomorrow 15:00")
    assert sam.chat.last.text == texts.REMIND_SET_YOU.format(when="Tue 3 Mar, 15:00")


async def test_a_new_question_outranks_a_reminder_time_prompt(box: Sandbox, picker: Picker) -> None:
    alex, sam = await unscheduled_pair(box)
    titles = await mismatch_with_offer(box, alex, sam)
    await agree_on_first(alex, sam, titles)
    await alex.press(texts.BTN_REMIND_TYPE)  # then Alex never types a time
    await next_day(box)
    picker.prefer = "open"
    await sam.send("/checkin")
    await alex.send("We talked it through on Sunday and it helped.")
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
    assert alex.chat.last.text.startswith("Saved (question 1).")  # the weekly round's first


async def test_a_history_page_of_long_answers_fits_one_message(
    box: Sandbox, picker: Picker
) -> None:
    alex, sam = await unscheduled_pair(box)
    picker.prefer = "open"
    long_a, long_s = "\U0001f60a" * 1900, "x" * 2000  # emoji count twice in UTF-16
    for _ in range(4):
        await open_round(box, alex, sam)
        await alex.send(long_a)
        await sam.send(long_s)
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


async def test_a_reminder_that_comes_due_after_downtime_is_dropped(box: Sandbox) -> None:
    alex, sam = await unscheduled_pair(box)
    titles = await mismatch_with_offer(box, alex, sam)
    await agree_on_first(alex, sam, titles)
    await alex.press("Tomorrow")
    before = len(alex.chat.messages)
    box.clock.advance(timedelta(days=4))  # the bot was down
    await box.tick()
    reminder = texts.REMIND_DUE.format(title=titles[0])
    assert not any(t.startswith(reminder) for t in texts_since(alex, before))


async def test_settling_on_an_exercise_neither_picked_is_refused(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    titles = await mismatch_with_offer(box, alex, sam)
    await alex.press(f"1. {titles[0]}")
    await sam.press(f"2. {titles[1]}")
    offer_id = (offer_of(alex).buttons[0][0].callback_data or "").split(":")[1]
    await alex.press_data(alex.chat.last.message_id, f"xd:{offer_id}:2")
    assert alex.chat.toasts[-1] == texts.BUTTON_STALE
    assert not any(t.startswith("Settled") for t in alex.chat.texts())


async def test_the_nudge_for_a_weekly_round_is_one_message(box: Sandbox) -> None:
    alex, sam = await unscheduled_pair(box)
    await alex.send("/weekly sun 10:00")
    box.clock.set(SUN_8_MAR_10_BERLIN)
    await box.tick()
    before = len(sam.chat.messages)
    await box.advance(timedelta(hours=30), step=timedelta(hours=1))
    nudges = [t for t in texts_since(sam, before) if t.startswith(texts.REMINDER_HEADER)]
    assert len(nudges) == 1
    assert texts.count("REMINDER_MORE_N", 3) in nudges[0]


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


# ---------------------------------------------------------------------------- second review


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


async def test_after_downtime_a_slot_under_two_hours_late_still_opens(
    db_url: str, clock: ManualClock, picker: DimensionPicker
) -> None:
    fake = FakeBotAPI(clock=clock.now)
    async with sandbox(db_url, clock=clock, fake=fake, picker=picker) as box:
        _alex, sam = await make_pair(box)  # daily at 20:00 Berlin
    clock.set(datetime(2026, 3, 4, 19, 5, tzinfo=UTC))  # back on Wed at 20:05 Berlin
    async with sandbox(db_url, clock=clock, fake=fake, picker=picker) as box:
        before = len(sam.chat.messages)
        await box.tick()
        opened = [t for t in texts_since(sam, before) if t.startswith("Check-in \u00b7")]
        assert len(opened) == 1 and "Open until Thu 5 Mar, 20:00" in opened[0]


async def test_checkin_opens_beside_an_open_weekly_round(box: Sandbox) -> None:
    alex, sam = await unscheduled_pair(box)
    await alex.send("/weekly sun 10:00")
    box.clock.set(SUN_8_MAR_10_BERLIN)
    await box.tick()
    await alex.send("/checkin")
    assert newest(sam, "Alex started a check-in.") is sam.chat.last


async def test_a_follow_up_never_rides_in_the_weekly_round(box: Sandbox) -> None:
    alex, sam = await make_pair(box)  # daily at 20:00 Berlin
    await alex.send("/weekly sun 10:00")
    box.clock.set(datetime(2026, 3, 6, 8, 0, tzinfo=UTC))  # Fri 09:00 Berlin
    titles = await mismatch_with_offer(box, alex, sam)
    await agree_on_first(alex, sam, titles)
    before = len(sam.chat.messages)
    box.clock.set(SUN_8_MAR_10_BERLIN)
    await box.tick()
    weekly = [t for t in texts_since(sam, before) if " of 3 \u00b7 " in t]
    assert len(weekly) == 3
    assert not any(texts.FOLLOWUP_QUESTION in t for t in texts_since(sam, before))
    box.clock.set(datetime(2026, 3, 8, 19, 0, tzinfo=UTC))  # Sunday's daily round carries it
    await box.tick()
    followup = newest(sam, texts.FOLLOWUP_HEADER)
    assert texts.FOLLOWUP_INTRO.format(title=titles[0]) in followup.text


async def test_a_follow_up_waits_for_a_partner_who_blocked_the_bot(box: Sandbox) -> None:
    alex, sam = await unscheduled_pair(box)
    titles = await mismatch_with_offer(box, alex, sam)
    await agree_on_first(alex, sam, titles)
    await sam.block()
    await box.advance(timedelta(days=3), step=timedelta(hours=1))
    assert not any(texts.FOLLOWUP_QUESTION in t for t in alex.chat.texts())
    await sam.unblock()
    box.clock.set(datetime(2026, 3, 5, 10, 0, tzinfo=UTC))  # daytime in Berlin
    await sam.send("/start")
    await box.tick()
    for user in (alex, sam):
        followup = newest(user, texts.FOLLOWUP_HEADER)
        assert texts.FOLLOWUP_INTRO.format(title=titles[0]) in followup.text


async def test_a_follow_up_waits_while_paused_and_comes_after_resume(box: Sandbox) -> None:
    alex, sam = await unscheduled_pair(box)
    titles = await mismatch_with_offer(box, alex, sam)
    await agree_on_first(alex, sam, titles)
    await alex.send("/pause")
    await box.advance(timedelta(days=3), step=timedelta(hours=1))
    assert not any(texts.FOLLOWUP_QUESTION in t for t in sam.chat.texts())
    await sam.send("/resume")
    await box.tick()
    assert texts.FOLLOWUP_QUESTION in newest(alex, texts.FOLLOWUP_HEADER).text


async def test_the_nudge_for_a_follow_up_names_the_exercise(box: Sandbox) -> None:
    alex, sam = await unscheduled_pair(box)
    titles = await mismatch_with_offer(box, alex, sam)
    await agree_on_first(alex, sam, titles)
    box.clock.set(datetime(2026, 3, 4, 19, 0, tzinfo=UTC))
    await box.tick()
    before = len(sam.chat.messages)
    await box.advance(timedelta(hours=14), step=timedelta(hours=1))
    nudge = next(t for t in texts_since(sam, before) if t.startswith(texts.REMINDER_HEADER))
    assert texts.FOLLOWUP_INTRO.format(title=titles[0]) in nudge


async def test_settings_show_a_weekly_only_schedule(box: Sandbox) -> None:
    alex, _sam = await make_pair(box)
    await alex.send("/weekly sun 10:00")
    await alex.send("/frequency off")
    assert texts.SCHEDULE_OFF_WEEKLY in alex.chat.last.text
    assert "Next one: Sun 8 Mar, 10:00 your time" in alex.chat.last.text
    await alex.send("/settings")
    assert f"Status: {texts.STATUS_WEEKLY_ONLY}" in alex.chat.last.text


async def test_back_after_blocking_hears_that_the_partner_ended_the_pair(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await sam.block()
    await alex.send("/unpair")
    await alex.press(texts.UNPAIR_YES)
    await sam.unblock()
    await sam.send("/start")
    assert any(t == texts.PAIR_ENDED_MEANWHILE.format(name="Alex") for t in sam.chat.texts())


async def test_reminder_suggestions_avoid_both_partners_nights(box: Sandbox) -> None:
    alex, sam = await make_pair(box, "Berlin", "Tokyo")  # Tokyo is 8 hours ahead of Berlin
    await alex.send("/frequency off")
    await alex.send("/time 14:00")  # 22:00 in Tokyo; 15:00 would be 23:00, 13:00 is 21:00
    titles = await mismatch_with_offer(box, alex, sam)
    await agree_on_first(alex, sam, titles)
    assert labels(alex.chat.last)[0].endswith("13:00")
    assert labels(sam.chat.last)[0].endswith("21:00")
