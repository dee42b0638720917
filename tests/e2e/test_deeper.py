"""End-to-end: /deeper, each partner's private yes to sensitive questions, and the rule that
sensitive questions come only when both said yes and the pair is four weeks old, never
brought forward by focus."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import texts
from bot.emulator import FakeUser
from bot.sandbox import Sandbox
from content.schema import Depth, Dimension
from tests.conftest import START, make_pair, start_user, texts_since
from tests.e2e.helpers import DimensionPicker, checkin, labels, next_day, unscheduled_pair


def sensitive_ids(box: Sandbox) -> set[str]:
    return {q.id for q in box.runtime.content.questions.values() if q.sensitive}


def page(yes: bool) -> str:
    choice = texts.DEEPER_CHOICE_YES if yes else texts.DEEPER_CHOICE_NO
    return texts.DEEPER_ABOUT.format(choice=choice)


async def say(user: FakeUser, yes: bool) -> None:
    """Open /deeper and press yes or no."""
    await user.send("/deeper")
    await user.press(texts.BTN_DEEPER_YES if yes else texts.BTN_DEEPER_NO)
    assert user.chat.toasts[-1] == texts.DEEPER_SAVED


async def test_each_choice_is_private_and_the_partner_learns_nothing(box: Sandbox) -> None:
    loner = box.fake.user(1009, "Lee")
    await start_user(loner, "Berlin")
    await loner.send("/deeper")
    assert loner.chat.last.text == texts.NOT_PAIRED

    alex, sam = await make_pair(box)
    before_sam, sam_toasts = len(sam.chat.messages), list(sam.chat.toasts)
    await alex.send("/deeper")
    assert alex.chat.last.text == page(False)
    assert labels(alex.chat.last) == [texts.BTN_DEEPER_YES, "\u2713 " + texts.BTN_DEEPER_NO]
    await alex.press(texts.BTN_DEEPER_YES)
    assert alex.chat.toasts[-1] == texts.DEEPER_SAVED
    assert alex.chat.last.text == page(True)
    assert labels(alex.chat.last) == ["\u2713 " + texts.BTN_DEEPER_YES, texts.BTN_DEEPER_NO]
    # Sam's chat shows nothing of it, and Sam's own screen shows only Sam's choice.
    assert texts_since(sam, before_sam) == [] and sam.chat.toasts == sam_toasts
    await sam.send("/deeper")
    assert sam.chat.last.text == page(False)
    await sam.press(texts.BTN_DEEPER_NO)
    assert sam.chat.toasts[-1] == texts.DEEPER_SAVED
    # Neither chat names the other's choice anywhere.
    for user in (alex, sam):
        for text in user.chat.texts():
            assert "partner said" not in text.lower()
    await alex.send("/deeper")
    assert alex.chat.last.text == page(True)  # Alex still sees only Alex's own yes


async def test_with_only_one_yes_no_sensitive_question_ever_comes(
    box: Sandbox, picker: DimensionPicker
) -> None:
    alex, sam = await make_pair(box)  # daily at 20:00 Berlin
    await say(alex, True)
    await say(sam, False)
    await alex.send("/focus trust boundaries")
    await alex.send("/weekly sun")
    await box.run_until(START + timedelta(days=70))
    offered = {q for candidates in picker.seen for q in candidates}
    assert len(picker.seen) >= 70
    assert offered and not offered & sensitive_ids(box)
    assert not any(q.sensitive for q in picker.asked)
    assert any(q.depth is Depth.DEEP for q in picker.asked)  # weekly rounds were drawn too


async def test_both_yes_and_four_weeks_let_them_come_at_ordinary_weight(
    box: Sandbox, picker: DimensionPicker
) -> None:
    alex, sam = await unscheduled_pair(box)
    await say(alex, True)
    await say(sam, True)
    await alex.send("/focus trust")
    sensitive = sensitive_ids(box)

    for _day in range(4):  # a dozen check-ins: past "getting to know", level 1 first
        for _ in range(3):
            await checkin(box, alex, sam, "3", "3")
            assert not set(picker.seen[-1]) & sensitive
        await next_day(box)
    await box.advance(timedelta(days=23, hours=23))
    await checkin(box, alex, sam, "3", "3")  # not four weeks yet
    assert not set(picker.seen[-1]) & sensitive
    await next_day(box)
    await checkin(box, alex, sam, "3", "3")  # four weeks: they may come
    weights = picker.weights[-1]
    bank = box.runtime.content
    assert set(weights) & sensitive
    # Focus on trust weighs trust's plain questions twice, never a sensitive one (phone-look).
    trust = [q for q in weights if bank.question(q).dimension is Dimension.TRUST]
    assert any(q in sensitive for q in trust) and any(q not in sensitive for q in trust)
    plain_share = {weights[q] for q in trust if q not in sensitive}
    assert len(plain_share) == 1  # trust's weight is shared evenly by its candidates
    for question_id in trust:
        if question_id in sensitive:  # half a focused plain question's share: weight 1, not 2
            assert weights[question_id] * 2 == pytest.approx(next(iter(plain_share)))

    # Either partner may withdraw; the next round has none again.
    await say(sam, False)
    await next_day(box)
    await checkin(box, alex, sam, "3", "3")
    assert not set(picker.seen[-1]) & sensitive
