"""End-to-end: every "Not now" is respected (issue 12). An exercise is settled only among
partners who picked one; a "Not now" or "Not this time" is never overruled, in any order of
taps; the follow-up comes (and says "together") only when both chose."""

from __future__ import annotations

from datetime import timedelta

from bot import texts
from bot.sandbox import Sandbox
from tests.conftest import texts_since
from tests.e2e.helpers import (
    labels,
    mismatch_with_offer,
    newest,
    offer_of,
    press_in,
    unscheduled_pair,
)


def _no_follow_up_for(*chats: list[str]) -> None:
    for shown in chats:
        assert not any(texts.FOLLOWUP_QUESTION in t for t in shown), shown
        assert not any("together" in t and "settled" in t for t in shown), shown


async def test_not_now_then_a_pick_settles_nothing_and_nobody_is_pressed(box: Sandbox) -> None:
    alex, sam = await unscheduled_pair(box)
    titles = await mismatch_with_offer(box, alex, sam)
    await alex.press(texts.BTN_NOT_NOW)
    before_a, before_s = len(alex.chat.messages), len(sam.chat.messages)
    await sam.press(f"1. {titles[0]}")
    assert texts_since(sam, before_s) == [
        texts.OFFER_PARTNER_PASSED.format(name="Alex", title=titles[0])
    ]
    assert texts_since(alex, before_a) == [texts.OFFER_YOU_PASSED]  # not what Sam picked
    assert labels(sam.chat.last) == [] and labels(alex.chat.last) == []
    # The offer is closed: a late tap on Alex's own offer changes nothing.
    await press_in(alex, offer_of(alex), f"1. {titles[0]}")
    assert alex.chat.toasts[-1] == texts.OFFER_CLOSED
    before_a, before_s = len(alex.chat.messages), len(sam.chat.messages)
    await box.advance(timedelta(days=4), step=timedelta(hours=6))
    _no_follow_up_for(texts_since(alex, before_a), texts_since(sam, before_s))


async def test_a_pick_then_not_now_settles_nothing(box: Sandbox) -> None:
    alex, sam = await unscheduled_pair(box)
    titles = await mismatch_with_offer(box, alex, sam)
    await sam.press(f"2. {titles[1]}")
    assert alex.chat.last.text == texts.PICK_WAITING.format(name="Sam")
    before_a, before_s = len(alex.chat.messages), len(sam.chat.messages)
    await alex.press(texts.BTN_NOT_NOW)
    assert texts_since(sam, before_s) == [
        texts.OFFER_PARTNER_PASSED.format(name="Alex", title=titles[1])
    ]
    assert texts_since(alex, before_a) == [texts.OFFER_YOU_PASSED]
    assert not any(t.startswith("Sam settled it") for t in alex.chat.texts())


async def test_a_pick_changed_to_not_now_before_the_partner_picks_counts_as_not_now(
    box: Sandbox,
) -> None:
    alex, sam = await unscheduled_pair(box)
    titles = await mismatch_with_offer(box, alex, sam)
    await alex.press(f"1. {titles[0]}")
    await press_in(alex, offer_of(alex), texts.BTN_NOT_NOW)
    before_a = len(alex.chat.messages)
    await sam.press(f"1. {titles[0]}")
    assert texts_since(alex, before_a) == [texts.OFFER_YOU_PASSED]
    assert sam.chat.last.text == texts.OFFER_PARTNER_PASSED.format(name="Alex", title=titles[0])


async def test_not_this_time_after_the_other_settled_is_honoured(box: Sandbox) -> None:
    alex, sam = await unscheduled_pair(box)
    titles = await mismatch_with_offer(box, alex, sam)
    await alex.press(f"1. {titles[0]}")
    await sam.press(f"2. {titles[1]}")
    await alex.press(titles[0])  # Alex settles on his own pick first
    assert newest(sam, "Alex settled it").text.startswith(
        texts.OFFER_DECIDED.format(name="Alex", title=titles[0])
    )
    before_a, before_s = len(alex.chat.messages), len(sam.chat.messages)
    await press_in(sam, newest(sam, "Your picks are in"), texts.BTN_NOT_THIS_TIME)
    assert texts_since(sam, before_s) == [texts.OFFER_NOT_THIS_TIME_YOU]
    assert texts_since(alex, before_a) == [
        texts.OFFER_WITHDRAWN.format(name="Sam", title=titles[0])
    ]
    before_a, before_s = len(alex.chat.messages), len(sam.chat.messages)
    await box.advance(timedelta(days=4), step=timedelta(hours=6))
    _no_follow_up_for(texts_since(alex, before_a), texts_since(sam, before_s))


async def test_not_this_time_before_anyone_settles_closes_it_for_both(box: Sandbox) -> None:
    alex, sam = await unscheduled_pair(box)
    titles = await mismatch_with_offer(box, alex, sam)
    await alex.press(f"1. {titles[0]}")
    await sam.press(f"2. {titles[1]}")
    before_s = len(sam.chat.messages)
    await alex.press(texts.BTN_NOT_THIS_TIME)
    assert texts_since(sam, before_s) == [texts.OFFER_DECLINED_DECIDE.format(name="Alex")]
    await sam.press(titles[1])  # too late: it's declined, Sam cannot overrule it
    assert sam.chat.toasts[-1] == texts.OFFER_CLOSED
    assert not any("settled it" in t for t in alex.chat.texts())


async def test_both_chose_the_same_the_follow_up_says_together(box: Sandbox) -> None:
    alex, sam = await unscheduled_pair(box)
    titles = await mismatch_with_offer(box, alex, sam)
    await alex.press(f"1. {titles[0]}")
    await sam.press(f"1. {titles[0]}")
    before_a = len(alex.chat.messages)
    await box.advance(timedelta(days=3), step=timedelta(hours=6))
    intro = texts.FOLLOWUP_INTRO.format(title=titles[0])
    assert any(intro in t for t in texts_since(alex, before_a))


async def test_not_now_on_the_offer_after_both_agreed_takes_it_back(box: Sandbox) -> None:
    alex, sam = await unscheduled_pair(box)
    titles = await mismatch_with_offer(box, alex, sam)
    await alex.press(f"1. {titles[0]}")
    await sam.press(f"1. {titles[0]}")
    before_s = len(sam.chat.messages)
    await press_in(alex, offer_of(alex), texts.BTN_NOT_NOW)  # Alex's offer kept its buttons
    assert alex.chat.last.text == texts.OFFER_NOT_THIS_TIME_YOU
    assert texts_since(sam, before_s) == [
        texts.OFFER_WITHDRAWN.format(name="Alex", title=titles[0])
    ]
    before_a, before_s = len(alex.chat.messages), len(sam.chat.messages)
    await box.advance(timedelta(days=4), step=timedelta(hours=6))
    _no_follow_up_for(texts_since(alex, before_a), texts_since(sam, before_s))
