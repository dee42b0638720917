"""End-to-end: /focus, told to both partners and weighting the question rotation."""

from __future__ import annotations

from collections import Counter

import pytest

from bot import texts
from bot.sandbox import Sandbox
from content.schema import Dimension
from tests.conftest import make_pair, open_round, texts_since
from tests.e2e.helpers import DimensionPicker, labels, notice, notices_told


async def test_focus_unknown_topic_lists_the_topics_and_changes_nothing(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    before = len(sam.chat.messages)
    await alex.send("/focus stamina")
    topics = ", ".join(d.label for d in Dimension)  # as the buttons show them
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
    await notices_told(box)
    assert sam.chat.last.text == notice("Alex", texts.NOTICE_FOCUS.format(focus=shown))
    await sam.send("/focus")
    assert sam.chat.last.text == texts.FOCUS_STATUS.format(focus=shown, max=4)
    ticked = [label for label in labels(sam.chat.last) if label.startswith("\u2713 ")]
    assert ticked == [f"\u2713 {Dimension.BOUNDARIES.label}", f"\u2713 {Dimension.TRUST.label}"]

    await open_round(box, alex, sam)
    weights = picker.weights[-1]
    bank = box.runtime.content
    by_dimension: Counter[Dimension] = Counter()
    for question_id, weight in weights.items():
        question = bank.question(question_id)
        assert not question.sensitive  # a new pair that did not opt in is asked none
        by_dimension[question.dimension] += weight  # type: ignore[assignment]
    # Each topic weighs the same in all, however many questions it has; focus twice that.
    for dimension in Dimension:
        expected = 2 if dimension in (Dimension.TRUST, Dimension.BOUNDARIES) else 1
        assert by_dimension[dimension] == pytest.approx(expected), dimension

    await sam.press(f"\u2713 {Dimension.TRUST.label}")  # toggle trust off with a button
    assert sam.chat.toasts[-1] == texts.FOCUS_SET_YOU.format(focus=Dimension.BOUNDARIES.label)
    await notices_told(box)
    assert alex.chat.last.text == notice(
        "Sam", texts.NOTICE_FOCUS.format(focus=Dimension.BOUNDARIES.label)
    )
    await alex.send("/focus clear")
    assert alex.chat.last.text == texts.FOCUS_CLEARED_YOU
    await notices_told(box)
    assert sam.chat.last.text == notice("Alex", texts.NOTICE_FOCUS_CLEARED)
