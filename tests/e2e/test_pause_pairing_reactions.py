"""End-to-end, issue 12 (probe findings 2.5, 2.6, 2.7): an exercise reminder does not come
while the pair is paused (checked when it fires); the paired message says when the pair's time
lands in someone's quiet hours; after /unpair the reaction buttons of the old reveal read the
same in both chats (pressing them says the pair ended, and they go)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import texts
from bot.emulator import FakeUser, SentMessage
from bot.sandbox import Sandbox
from tests.conftest import invite_link, make_pair, open_round, start_user, texts_since
from tests.e2e.helpers import agree_on_first, mismatch_with_offer, press_in, unscheduled_pair

pytestmark = pytest.mark.usefixtures("no_crash")


async def test_no_exercise_reminder_while_the_pair_is_paused(box: Sandbox) -> None:
    alex, sam = await unscheduled_pair(box)
    titles = await mismatch_with_offer(box, alex, sam)
    await agree_on_first(alex, sam, titles)
    await alex.press("Tomorrow")
    await sam.send("/pause")  # set before the pause, due during it
    before = (len(alex.chat.messages), len(sam.chat.messages))
    await box.advance(timedelta(days=2), step=timedelta(hours=1))
    reminder = texts.REMIND_DUE.format(title=titles[0])
    for user, count in zip((alex, sam), before, strict=True):
        assert not any(t.startswith(reminder) for t in texts_since(user, count))


async def test_a_reminder_still_comes_when_the_pair_is_not_paused(box: Sandbox) -> None:
    alex, sam = await unscheduled_pair(box)
    titles = await mismatch_with_offer(box, alex, sam)
    await agree_on_first(alex, sam, titles)
    await alex.press("Tomorrow")
    before = len(sam.chat.messages)
    await box.advance(timedelta(days=2), step=timedelta(hours=1))
    reminder = texts.REMIND_DUE.format(title=titles[0])
    assert any(t.startswith(reminder) for t in texts_since(sam, before))


async def test_the_paired_message_warns_when_the_time_lands_in_a_partners_night(
    box: Sandbox,
) -> None:
    alex = box.fake.user(1001, "Alex")
    kim = box.fake.user(1003, "Kim")
    await start_user(alex, "Berlin")
    await start_user(kim, "Sydney")
    await alex.send("/pair")
    await kim.open_link(invite_link(alex))
    await kim.press(texts.INVITE_ACCEPT)
    # 20:00 in Berlin is 06:00 in Sydney, inside Kim's quiet hours (22:00-08:00).
    paired_kim = next(t for t in reversed(kim.chat.texts()) if "You're now paired" in t)
    assert "that's 06:00 for you, inside your quiet hours (22:00\u201308:00)" in paired_kim
    paired_alex = next(t for t in reversed(alex.chat.texts()) if "You're now paired" in t)
    assert "that's 06:00 for Kim, inside their quiet hours (22:00\u201308:00)" in paired_alex
    assert "for you" not in paired_alex


async def test_the_paired_message_says_nothing_of_nights_when_none_is_touched(
    box: Sandbox,
) -> None:
    alex, sam = await make_pair(box, "Berlin", "New York")  # 20:00 Berlin is 14:00 there
    for user in (alex, sam):
        paired = next(t for t in reversed(user.chat.texts()) if "You're now paired" in t)
        assert "Heads-up" not in paired


def _reveal(user: FakeUser) -> SentMessage:
    return next(m for m in reversed(user.chat.messages) if texts.REVEAL_HEADER in m.text)


async def test_after_unpair_both_reveals_react_the_same(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    await alex.press("3")
    await sam.press("3")
    thanks = texts.REACTION_LABELS["thanks"]
    reveal_alex, reveal_sam = _reveal(alex), _reveal(sam)
    await alex.send("/unpair")
    await alex.press(texts.UNPAIR_YES)
    # The one who unpaired and the one left read the same: the pair ended, the buttons go.
    for user, reveal in ((alex, reveal_alex), (sam, reveal_sam)):
        await press_in(user, reveal, thanks)
        assert user.chat.toasts[-1] == texts.REACTION_PAIR_ENDED
        assert reveal.buttons == []
