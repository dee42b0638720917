"""End-to-end: what a partner learns when the other pauses, blocks the bot, comes back, ends
the pair or deletes their data (DESIGN.md, privacy rule 8): *that* check-ins are paused or the
pair ended, never who did it or by which command. Pause and block read the same; unpair and
delete read the same."""

from __future__ import annotations

import pytest

from bot import texts
from bot.emulator import FakeUser
from bot.sandbox import Sandbox
from tests.conftest import make_pair
from tests.e2e.helpers import new_texts, no_error_reply, pair_up

pytestmark = pytest.mark.usefixtures("no_crash")

#: Words that would tell a partner who acted or how.
TELLING = ("Sam", "/pause", "/unpair", "/delete", "block", "stopped", "deleted", "left Tandem")


def notices(user: FakeUser, before: int) -> list[str]:
    got = new_texts(user, before)
    for text in got:
        for word in TELLING:
            assert word not in text, (word, text)
    return got


async def pause_by_command(box: Sandbox, sam: FakeUser) -> None:
    await sam.send("/pause")


async def pause_by_block(box: Sandbox, sam: FakeUser) -> None:
    await sam.block()


async def test_a_pause_and_a_block_read_the_same_to_the_partner(box: Sandbox) -> None:
    seen = []
    for act in (pause_by_command, pause_by_block):
        n = len(seen) * 10
        alex, sam, _ = await pair_up(box, (n + 1, "Alex"), (n + 2, "Sam"))
        before = len(alex.chat.messages)
        await act(box, sam)
        seen.append(notices(alex, before))
        await alex.send("/settings")
        assert texts.STATUS_HELD in alex.chat.last.text
    assert seen[0] == seen[1] == [texts.CHECKINS_PAUSED_NOTICE]


async def test_resume_and_coming_back_read_the_same(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await sam.send("/pause")
    before = len(alex.chat.messages)
    await sam.send("/resume")
    resumed = notices(alex, before)
    await sam.block()
    await sam.unblock()
    before = len(alex.chat.messages)
    await sam.send("/start")
    back = notices(alex, before)
    assert [t.split(" Next one:")[0] for t in resumed] == [t.split(" Next one:")[0] for t in back]
    assert resumed[0].startswith("Your check-ins are running again.")


async def test_the_partner_cannot_tell_a_pause_from_a_block_by_trying(box: Sandbox) -> None:
    """What Alex sees when trying /checkin, /resume, /pause and /settings is the same whether
    Sam paused (only Sam can resume a pause of Sam's) or blocked the bot."""
    seen = []
    for act in (pause_by_command, pause_by_block):
        n = len(seen) * 10
        alex, sam, _ = await pair_up(box, (n + 1, "Alex"), (n + 2, "Sam"))
        await act(box, sam)
        before = len(alex.chat.messages)
        for command in ("/checkin", "/resume", "/pause"):
            await alex.send(command)
        replies = notices(alex, before)
        await alex.send("/settings")
        seen.append([*replies, texts.STATUS_HELD in alex.chat.last.text])
        assert not any("Check-in \u00b7" in t for t in sam.chat.texts())
        no_error_reply(alex)
    assert seen[0] == seen[1]
    assert seen[0] == [texts.CHECKIN_ON_HOLD, texts.RESUME_HELD, texts.ALREADY_HELD, True]


async def test_only_who_paused_can_resume(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await sam.send("/pause")
    await alex.send("/resume")
    assert alex.chat.last.text == texts.RESUME_HELD
    await sam.send("/settings")
    assert texts.STATUS_PAUSED in sam.chat.last.text  # Sam's own pause: /resume to continue
    await sam.send("/resume")
    assert sam.chat.last.text.startswith("Check-ins are back on.")
    assert alex.chat.last.text.startswith("Your check-ins are running again.")


async def test_a_block_during_a_pause_and_coming_back_tell_the_partner_nothing(
    box: Sandbox,
) -> None:
    alex, sam = await make_pair(box)
    await sam.send("/pause")  # Sam's own pause
    before = len(sam.chat.messages)
    await alex.block()
    await alex.unblock()
    await alex.send("/start")
    # Nothing runs again while Sam's pause holds, and nothing tells Sam that Alex blocked.
    assert sam.chat.messages[before:] == []


async def end_by_unpair(sam: FakeUser) -> None:
    await sam.send("/unpair")
    await sam.press(texts.UNPAIR_YES)


async def end_by_delete(sam: FakeUser) -> None:
    await sam.send("/delete")
    await sam.press(texts.DELETE_YES)


async def test_unpair_and_delete_read_the_same_to_the_partner(box: Sandbox) -> None:
    seen = []
    for act in (end_by_unpair, end_by_delete):
        n = len(seen) * 10
        alex, sam, _ = await pair_up(box, (n + 1, "Alex"), (n + 2, "Sam"))
        before = len(alex.chat.messages)
        await act(sam)
        seen.append(notices(alex, before))
    assert seen[0] == seen[1] == [texts.PAIR_ENDED_NOTICE]


async def test_pair_ended_while_away_names_nobody(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await alex.block()
    await end_by_delete(sam)
    await alex.unblock()
    before = len(alex.chat.messages)
    await alex.send("/start")
    assert texts.PAIR_ENDED_MEANWHILE in notices(alex, before)
