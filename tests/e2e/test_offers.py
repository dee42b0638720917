"""End-to-end: what an offer names and why. Exercises rotate (a second mismatch in the same
dimension offers different ones), a shared concern at the high end, an imbalance both partners
see on a giving <-> receiving question, and the follow-up's honest "haven't done it yet"."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import yaml

from bot import texts
from bot.sandbox import Sandbox
from content.loader import ContentBank, load_content
from content.schema import CONTENT_DIR, Dimension, Trigger, WeeklySlot
from scheduler.clock import ManualClock
from tests.conftest import Picker, texts_since
from tests.e2e.helpers import (
    DimensionPicker,
    agree_on_first,
    checkin,
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
from tests.e2e.test_exercises import content_sandbox


def ids_offered(box: Sandbox, offer_text: str) -> list[str]:
    """The exercise ids an offer names, from its numbered lines' titles."""
    bank = box.runtime.content
    return [
        next(e.id for e in bank.exercises.values() if e.title == title)
        for title in option_titles_in(box, offer_text)
    ]


def option_titles_in(box: Sandbox, offer_text: str) -> list[str]:
    titles = [e.title for e in box.runtime.content.exercises.values()]
    found = []
    for line in offer_text.splitlines():
        number, _, rest = line.partition(". ")
        if number.isdigit():
            found += [t for t in titles if rest.startswith(f"{t} (")]
    return found


def own_bank(folder: Path, question_ids: list[str]) -> ContentBank:
    """The shipped exercises with a few shipped questions (``question_ids``, in that order)
    and an open deep question per weekly part: a bank whose questions a test chooses."""
    shipped = load_content()
    questions = [
        shipped.questions[q].model_dump(mode="json", exclude_defaults=True) for q in question_ids
    ]
    questions += [
        {
            "id": f"deep-{slot.value}",
            "dimension": next(d for d in Dimension if d.weekly_slot is slot).value,
            "depth": "deep",
            "kind": "open",
            "text": "What would make it easier to say a hard thing to each other?",
        }
        for slot in WeeklySlot
    ]
    folder.mkdir()
    shutil.copy(CONTENT_DIR / "exercises.yaml", folder / "exercises.yaml")
    shutil.copytree(CONTENT_DIR / "exercises", folder / "exercises")
    (folder / "questions.yaml").write_text(yaml.safe_dump(questions), encoding="utf-8")
    return load_content(folder)


# ------------------------------------------------------------------------------- rotation


async def test_a_second_mismatch_in_the_same_dimension_offers_other_exercises(
    box: Sandbox, picker: DimensionPicker
) -> None:
    alex, sam = await unscheduled_pair(box)
    bank = box.runtime.content
    dim = Dimension.SUPPORT

    async def round_in(dimension: Dimension, a: str, b: str) -> list[str]:
        picker.dimension = dimension
        before = len(alex.chat.messages)
        await checkin(box, alex, sam, a, b)
        assert picker.asked[-1].dimension is dimension
        await next_day(box)
        return offers_in(texts_since(alex, before))

    (first,) = await round_in(dim, "5", "1")
    asked_first = picker.asked[-1]
    assert first.startswith(texts.OFFER_MISMATCH.format(topic=dim.topic))
    first_ids = ids_offered(box, first)
    # A pair's first offer after a question starts with the exercises written for it.
    assert asked_first.mismatch is not None
    assert first_ids[:2] == list(asked_first.mismatch.exercises[:2])
    assert option_titles(offer_of(sam)) == option_titles(offer_of(alex))
    for other in (Dimension.APPRECIATION, Dimension.GROWTH, Dimension.INDIVIDUALITY):
        assert await round_in(other, "3", "3") == []  # the mismatch leaves the window
    (second,) = await round_in(dim, "1", "5")
    assert picker.asked[-1].id != asked_first.id
    assert second.startswith(texts.OFFER_MISMATCH.format(topic=dim.topic))
    second_ids = ids_offered(box, second)
    assert 2 <= len(second_ids) <= 3
    assert set(second_ids).isdisjoint(first_ids)
    for exercise_id in second_ids:
        exercise = bank.exercises[exercise_id]
        assert dim in exercise.dimensions and Trigger.MISMATCH in exercise.triggers


# ------------------------------------------------------- a shared concern, an imbalance


async def test_both_at_the_high_end_of_a_high_is_concern_question_offers_a_joint_exercise(
    tmp_path: Path, db_url: str, clock: ManualClock
) -> None:
    bank = own_bank(tmp_path / "content", ["screen-drift"])
    question = bank.questions["screen-drift"]
    assert question.high_is_concern and not question.low_is_concern
    async with content_sandbox(db_url, clock, bank, Picker()) as box:
        alex, sam = await unscheduled_pair(box)
        before_a, before_s = len(alex.chat.messages), len(sam.chat.messages)
        await checkin(box, alex, sam, "4", "5")  # close together, both at the high end
        header = texts.OFFER_SHARED_CONCERN.format(topic=question.dimension.topic)
        joint = {e.id for e in bank.exercises_for(question.dimension, Trigger.SHARED_CONCERN)}
        for user, before in ((alex, before_a), (sam, before_s)):
            (offer,) = offers_in(texts_since(user, before))
            assert offer.startswith(header) and "pulled apart" not in offer
            ids = ids_offered(box, offer)
            assert 2 <= len(ids) <= 3 and set(ids) <= joint
        await next_day(box)
        before = len(alex.chat.messages)
        await checkin(box, alex, sam, "2", "1")  # the low end of this question is no concern
        assert offers_in(texts_since(alex, before)) == []


async def test_an_imbalance_both_see_offers_rebalancing_with_its_own_words(
    tmp_path: Path, db_url: str, clock: ManualClock
) -> None:
    bank = own_bank(tmp_path / "content", ["keep-track"])
    question = bank.questions["keep-track"]
    dim = question.dimension
    rebalance = {e.id for e in bank.exercises_for(dim, Trigger.IMBALANCE)}
    async with content_sandbox(db_url, clock, bank, Picker()) as box:
        alex, sam = await unscheduled_pair(box)
        before_a, before_s = len(alex.chat.messages), len(sam.chat.messages)
        # Alex: "mostly me keeping track"; Sam: "mostly counting on it being done".
        await checkin(box, alex, sam, "1", "5")
        for user, before, mine in ((alex, before_a, "1"), (sam, before_s, "5")):
            got = texts_since(user, before)
            assert f"You: {mine} of 5" in reveals(user)[-1]
            (offer,) = offers_in(got)
            assert offer.startswith(texts.OFFER_IMBALANCE.format(topic=dim.topic))
            assert "you both see one of you carrying more" in offer
            assert "pulled apart" not in offer and "Alex" not in offer.split("\n\n")[0]
            ids = ids_offered(box, offer)
            assert 2 <= len(ids) <= 3 and set(ids) <= rebalance
        await next_day(box)
        before = len(alex.chat.messages)
        await checkin(box, alex, sam, "2", "4")  # a slight lean both see: nothing to do
        await next_day(box)
        assert offers_in(texts_since(alex, before)) == []
        await checkin(box, alex, sam, "1", "1")  # both "mostly me": they disagree
        (offer,) = offers_in(texts_since(alex, before))
        assert offer.startswith(texts.OFFER_MISMATCH.format(topic=dim.topic))


# --------------------------------------------------------------------------- the follow-up


async def test_the_follow_up_takes_haven_t_done_it_yet_as_an_honest_answer(box: Sandbox) -> None:
    alex, sam = await unscheduled_pair(box)
    titles = await mismatch_with_offer(box, alex, sam)
    await agree_on_first(alex, sam, titles)
    box.clock.set(datetime(2026, 3, 4, 19, 0, tzinfo=UTC))  # Wed 20:00 Berlin
    await box.tick()
    question = newest(alex, texts.FOLLOWUP_HEADER)
    assert texts.FOLLOWUP_QUESTION in question.text
    await press_in(alex, question, texts.FOLLOWUP_NOT_YET)
    assert texts.FOLLOWUP_NOT_YET in alex.chat.last.text  # the acknowledgement echoes it
    assert not any(texts.FOLLOWUP_NOT_YET in t for t in sam.chat.texts())  # private till both
    await press_in(sam, newest(sam, texts.FOLLOWUP_HEADER), "4")
    for user, line in (
        (alex, f"You: {texts.FOLLOWUP_NOT_YET}\nSam: 4 of 5"),
        (sam, f"You: 4 of 5\nAlex: {texts.FOLLOWUP_NOT_YET}"),
    ):
        reveal = reveals(user)[-1]
        assert texts.FOLLOWUP_ABOUT.format(title=titles[0]) in reveal and line in reveal
        assert offers_in([user.chat.last.text]) == []
    before = len(alex.chat.messages)
    await alex.send("/history")
    shown = "\n".join(texts_since(alex, before))
    assert texts.FOLLOWUP_NOT_YET in shown and "4 of 5" in shown
    before = len(alex.chat.messages)
    await alex.send("/insights")  # "not yet" is no point on a scale: nothing breaks
    assert texts_since(alex, before)
