"""End-to-end: reactions to a reveal (issue 12). Under each partner's reveal a row of three
buttons; pressing one sends the partner one short line and nothing else, the presser a toast.
One reaction each (the same again: "Already sent"; another: refused, saying which was sent).
A stranger's or forged press stores nothing; after the pair ended or the round was removed the
reply says so. /history shows the reactions beside the round, /export includes them, /delete
removes them."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot import texts
from bot.emulator import FakeUser, SentMessage
from bot.sandbox import Sandbox
from bot.storage.tables import reveal_reactions
from bot.storage.uow import transactions
from tests.conftest import make_pair, open_round

pytestmark = pytest.mark.usefixtures("no_crash")

THANKS, TALK, SMILE = (texts.REACTION_LABELS[k] for k in ("thanks", "talk", "smile"))


def reveal_of(user: FakeUser) -> SentMessage:
    """The user's newest reveal message."""
    return next(m for m in reversed(user.chat.messages) if texts.REVEAL_HEADER in m.text)


def round_of(message: SentMessage) -> int:
    data = message.buttons[-1][0].callback_data
    assert data is not None
    found = re.fullmatch(r"rx:(\d+):\w", data)
    assert found is not None, data
    return int(found[1])


async def revealed(box: Sandbox) -> tuple[FakeUser, FakeUser, int]:
    """Alex and Sam, paired, with one check-in revealed (both answered 3: no exercise offer)."""
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    await alex.press("3")
    await sam.press("3")
    assert sam.chat.last.text.startswith(texts.REVEAL_HEADER)
    return alex, sam, round_of(reveal_of(alex))


async def stored(box: Sandbox) -> int:
    async with box.runtime.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(reveal_reactions)) or 0)


async def test_a_reaction_sends_one_line_and_a_toast(box: Sandbox) -> None:
    alex, sam, round_id = await revealed(box)
    for user in (alex, sam):
        assert [[b.text for b in row] for row in reveal_of(user).buttons] == [[THANKS, TALK, SMILE]]
    sam_before = len(sam.chat.messages)
    await alex.press(THANKS)
    assert alex.chat.toasts[-1] == texts.REACTION_SENT.format(name="Sam")
    assert [m.text for m in sam.chat.messages[sam_before:]] == ["Alex: \u2764\ufe0f Thank you"]
    # Alex's reveal keeps its text; its row becomes the one reaction sent.
    reveal = reveal_of(alex)
    assert reveal.text.startswith(texts.REVEAL_HEADER)
    assert [[b.text for b in row] for row in reveal.buttons] == [["\u2713 " + THANKS]]
    assert await stored(box) == 1

    # The same again, and another one afterwards: toasts, nothing sent, nothing stored.
    await alex.press_data(reveal.message_id, f"rx:{round_id}:t")
    assert alex.chat.toasts[-1] == texts.REACTION_ALREADY
    await alex.press_data(reveal.message_id, f"rx:{round_id}:k")
    assert alex.chat.toasts[-1] == texts.REACTION_ALREADY_OTHER.format(reaction=THANKS)
    assert len(sam.chat.messages) == sam_before + 1 and await stored(box) == 2 - 1

    # Sam reacts too; each one's /history shows both beside the round.
    await sam.press(TALK)
    assert alex.chat.last.text == "Sam: \U0001f914 Let's talk"
    await alex.send("/history")
    assert "\u00b7 You \u2764\ufe0f \u00b7 Sam \U0001f914" in alex.chat.last.text
    await sam.send("/history")
    assert "\u00b7 You \U0001f914 \u00b7 Alex \u2764\ufe0f" in sam.chat.last.text

    # Each one's /export holds both reactions to the round.
    await alex.send("/export")
    document = alex.chat.last.document
    assert document is not None
    check_in = json.loads(document)["pairs"][0]["check_ins"][0]
    assert check_in["your_reaction"] == "thanks" and check_in["partner_reaction"] == "talk"


async def test_a_stranger_or_forged_data_stores_nothing(box: Sandbox) -> None:
    alex, sam, round_id = await revealed(box)
    kim = box.fake.user(1003, "Kim")
    await kim.send("/start")
    before = [len(alex.chat.messages), len(sam.chat.messages)]
    await kim.press_data(kim.chat.last.message_id, f"rx:{round_id}:t")
    assert kim.chat.toasts[-1] == texts.REACTION_NOT_YOURS
    # A round that does not exist reads the same (nothing tells a stranger which ids exist).
    await kim.press_data(kim.chat.last.message_id, f"rx:{round_id + 1000}:t")
    assert kim.chat.toasts[-1] == texts.REACTION_NOT_YOURS
    # Alex's own forged press on a round still open in another pair's name: the same refusal.
    await alex.press_data(alex.chat.last.message_id, f"rx:{round_id + 1000}:s")
    assert alex.chat.toasts[-1] == texts.REACTION_NOT_YOURS
    await alex.press_data(alex.chat.last.message_id, "rx:abc:t")  # unparseable
    assert alex.chat.toasts[-1] == texts.BUTTON_STALE
    assert [len(alex.chat.messages), len(sam.chat.messages)] == before
    assert await stored(box) == 0


async def test_after_the_pair_ended_or_the_round_was_removed(box: Sandbox) -> None:
    alex, sam, round_id = await revealed(box)
    await box.advance(timedelta(minutes=10))
    await open_round(box, alex, sam)  # a second check-in, revealed too
    await alex.press("3")
    await sam.press("3")
    second = round_of(reveal_of(sam))
    assert second != round_id
    # The retention sweep removes the first round (as it would after the pair's months).
    async with transactions(box.runtime.engine).write() as tx:
        round_ = await tx.rounds.get(round_id)
        assert round_ is not None and round_.closed_at is not None
        await tx.rounds.prune(round_.pair_id, round_.closed_at.replace(microsecond=999_999))
        assert await tx.rounds.get(second) is not None
    reveals = [m for m in sam.chat.messages if texts.REVEAL_HEADER in m.text]
    first = next(m for m in reveals if round_of(m) == round_id)
    await sam.press_data(first.message_id, f"rx:{round_id}:t")
    assert sam.chat.toasts[-1] == texts.REACTION_GONE
    assert first.buttons == []  # the buttons of a round that is gone are removed
    # The pair ends: the reactions of its check-ins are closed.
    await alex.send("/unpair")
    await alex.press(texts.UNPAIR_YES)
    before = len(alex.chat.messages)
    await sam.press(THANKS)
    assert sam.chat.toasts[-1] == texts.REACTION_PAIR_ENDED
    assert len(alex.chat.messages) == before and await stored(box) == 0


async def test_delete_removes_the_users_reactions(box: Sandbox) -> None:
    alex, sam, _ = await revealed(box)
    await alex.press(THANKS)
    await sam.press(SMILE)
    assert await stored(box) == 2
    await alex.send("/delete")
    await alex.press(texts.DELETE_YES)
    async with box.runtime.engine.connect() as conn:
        left = (await conn.execute(select(reveal_reactions.c.user_id))).scalars().all()
    assert left == [1002]


async def test_a_held_reaction_line_goes_with_its_authors_delete(box: Sandbox) -> None:
    # 09:00 UTC: 10:00 for Alex in Berlin, 04:00 for Sam in New York (quiet hours).
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="New York")
    await open_round(box, alex, sam)
    await alex.press("3")
    await sam.press("3")
    await alex.press(THANKS)  # Sam's line waits for 08:00 in New York
    await alex.send("/delete")
    await alex.press(texts.DELETE_YES)
    await box.run_until(datetime(2026, 3, 2, 13, 30, tzinfo=UTC))  # 08:30 in New York
    assert not any("Thank you" in t for t in sam.chat.texts())
