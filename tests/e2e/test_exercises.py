"""End-to-end: exercises. The offer after a reveal and its triggers (mismatch, repeated,
both low, a closing gap), "both choose", reminders, and the follow-up."""

from __future__ import annotations

import asyncio
import re
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from sqlalchemy import func, select

from bot import texts
from bot.domain.people import fmt_local
from bot.sandbox import Sandbox, sandbox
from bot.storage.tables import exercise_offers, exercise_picks
from content.loader import ContentBank, load_content
from content.schema import CONTENT_DIR, Dimension, Exercise, Question, Trigger, WeeklySlot
from scheduler.clock import ManualClock
from tests.conftest import Picker, invite_link, make_pair, open_round, start_user, texts_since
from tests.e2e.helpers import (
    SUN_8_MAR_10_BERLIN,
    DimensionPicker,
    agree_on_first,
    checkin,
    labels,
    mismatch_with_offer,
    newest,
    next_day,
    offer_of,
    offers_in,
    option_titles,
    press_in,
    reveals,
    unscheduled_pair,
)


def exercise_titled(box: Sandbox, title: str) -> Exercise:
    return next(e for e in box.runtime.content.exercises.values() if e.title == title)


def steps_text(exercise: Exercise) -> str:
    return "\n".join(f"{i}. {step}" for i, step in enumerate(exercise.steps, start=1))


# ------------------------------------------------------------------------------------- the offer


async def test_mismatch_suggests_an_exercise_after_the_reveal(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    await alex.press("5")
    await sam.press("1")
    for user in (alex, sam):
        reveal, offer = user.chat.messages[-2:]
        assert texts.REVEAL_HEADER in reveal.text
        assert "pulled apart" in offer.text and "Pick the one you'd like" in offer.text
        assert re.search(r"^1\. ", offer.text, re.M) and re.search(r"^2\. ", offer.text, re.M)
        labels = [b.text for row in offer.buttons for b in row]
        assert 3 <= len(labels) <= 4 and labels[-1] == "Not now"


async def test_choice_question_conflict_is_a_mismatch(box: Sandbox, picker: Picker) -> None:
    picker.prefer = "choice"
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    question = picker.asked[-1]
    assert question.mismatch is not None
    first, second = question.mismatch.conflicts[0]
    await alex.press(f"a:1:0:{first}")
    await sam.press(f"a:1:0:{second}")
    reveal = next(m.text for m in reversed(alex.chat.messages) if texts.REVEAL_HEADER in m.text)
    assert f"You: {question.option_label(first)}" in reveal
    assert "pulled apart" in alex.chat.last.text


# ----------------------------------------------------------------------------------- both choose


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


# ------------------------------------------------------------------------------------- reminders


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
    for night_owl in (alex, sam):  # both up at night: nothing waits for the morning (issue 12)
        await night_owl.send("/quiet off")
    box.clock.set(datetime(2026, 3, 3, 4, 30, tzinfo=UTC))  # Mon 23:30 in New York
    titles = await mismatch_with_offer(box, alex, sam)
    await agree_on_first(alex, sam, titles)
    # Berlin: Tue 05:30, so "today 21:00" is Tue 21:00 = Tue 15:00 in New York: "Tomorrow".
    assert labels(alex.chat.last)[:2] == ["Today 21:00", "Tomorrow 21:00"]
    assert labels(sam.chat.last)[0] == "Tomorrow 15:00"
    await sam.press("Tomorrow 15:00")
    assert sam.chat.last.text == texts.REMIND_SET_YOU.format(when="Tue 3 Mar, 15:00")


async def test_reminder_suggestions_avoid_both_partners_nights(box: Sandbox) -> None:
    alex, sam = await make_pair(box, "Berlin", "Tokyo")  # Tokyo is 8 hours ahead of Berlin
    await alex.send("/frequency off")
    await alex.send("/time 14:00")  # 22:00 in Tokyo; 15:00 would be 23:00, 13:00 is 21:00
    titles = await mismatch_with_offer(box, alex, sam)
    await agree_on_first(alex, sam, titles)
    assert labels(alex.chat.last)[0].endswith("13:00")
    assert labels(sam.chat.last)[0].endswith("21:00")


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


# ------------------------------------------------------------------------------------- follow-up


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
        assert labels(question) == [
            "1",
            "2",
            "3",
            "4",
            "5",
            texts.FOLLOWUP_NOT_YET,
            texts.BTN_SKIP,
        ]
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
    await alex.send("/resume")
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
    nudge = next(m for m in sam.chat.messages[before:] if m.text.startswith("A gentle nudge"))
    (question,) = [m for m in sam.chat.messages if m.message_id == nudge.reply_to]
    assert texts.FOLLOWUP_INTRO.format(title=titles[0]) in question.text


# -------------------------------------------------------------------------------------- triggers


async def test_repeated_trigger_within_the_last_four_rounds_offers_deeper_exercises(
    box: Sandbox, picker: DimensionPicker
) -> None:
    alex, sam = await unscheduled_pair(box)
    bank = box.runtime.content
    # Three scale questions that are not sensitive (a new pair is asked no sensitive one).
    dim = Dimension.RESPONSIBILITIES
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
    assert first.startswith(texts.OFFER_MISMATCH.format(topic=dim.topic))
    assert await round_in(next(others), "3", "3") == []  # r2
    assert await round_in(next(others), "4", "4") == []  # r3
    (again,) = await round_in(dim, "1", "5")  # r4: 2 of the last 4 rounds
    assert again.startswith(texts.OFFER_REPEATED.format(topic=dim.topic))
    assert "more than once" in again
    ids = [exercise_titled(box, t).id for t in option_titles(offer_of(alex))]
    assert 2 <= len(ids) <= 3 and set(ids) <= repeated
    assert option_titles(offer_of(sam)) == option_titles(offer_of(alex))
    for _ in range(3):  # r5, r6, r7
        assert await round_in(next(others), "4", "4") == []
    (later,) = await round_in(dim, "5", "1")  # r8: r4 is now five rounds back
    assert later.startswith(texts.OFFER_MISMATCH.format(topic=dim.topic))


def content_sandbox(
    database_url: str, clock: ManualClock, content: ContentBank, picker: Picker
) -> AbstractAsyncContextManager[Sandbox]:
    """Like :func:`bot.sandbox.sandbox`, with a content bank of the test's own."""
    return sandbox(database_url, clock=clock, content=content, picker=picker)


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
        assert offer.startswith(texts.OFFER_SHARED_CONCERN.format(topic=Dimension.TRUST.topic))
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
    encourage = texts.ENCOURAGE.format(topic=dim.topic)
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


# ------------------------------------------------------------------------------------- bad input


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


async def test_settling_on_an_exercise_neither_picked_is_refused(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    titles = await mismatch_with_offer(box, alex, sam)
    await alex.press(f"1. {titles[0]}")
    await sam.press(f"2. {titles[1]}")
    offer_id = (offer_of(alex).buttons[0][0].callback_data or "").split(":")[1]
    await alex.press_data(alex.chat.last.message_id, f"xd:{offer_id}:2")
    assert alex.chat.toasts[-1] == texts.BUTTON_STALE
    assert not any(t.startswith("Settled") for t in alex.chat.texts())


async def test_a_forged_reminder_instant_far_in_the_future_is_refused_and_loses_nothing(
    box: Sandbox,
) -> None:
    alex, sam = await unscheduled_pair(box)
    titles = await mismatch_with_offer(box, alex, sam)
    await agree_on_first(alex, sam, titles)
    ask = newest(alex, texts.REMIND_ASK)
    offer_id = next(
        (b.callback_data or "").split(":")[1]
        for row in ask.buttons
        for b in row
        if (b.callback_data or "").startswith("xr:")
    )
    before_a, before_s = len(alex.chat.messages), len(sam.chat.messages)
    in_31_days = int((box.clock.now() + timedelta(days=31)).timestamp()) // 60
    for forged in ("9999999999", "4223371680", str(in_31_days)):
        await alex.press_data(ask.message_id, f"xr:{offer_id}:{forged}")
        assert alex.chat.toasts[-1] == texts.REMIND_TOO_FAR
    assert texts_since(alex, before_a) == [] and texts_since(sam, before_s) == []
    assert texts.SOMETHING_WRONG not in alex.chat.texts()
    async with box.runtime.engine.connect() as conn:
        held = (await conn.execute(select(exercise_offers.c.remind_at))).scalar_one()
    assert held is None
    # The real buttons still work.
    await alex.press("Tomorrow")
    assert alex.chat.last.text.startswith(texts.REMIND_SET_YOU.split("{")[0])
