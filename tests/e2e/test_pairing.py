"""End-to-end: invites, accepting and declining them, and ending a pair, with every mistake
around them (own, expired, used or contested links; commands that need a partner)."""

from __future__ import annotations

import asyncio
import hashlib
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot import texts
from bot.sandbox import Sandbox
from bot.storage.tables import invites
from tests.conftest import invite_link, make_pair, open_round, start_user
from tests.e2e.helpers import count, new_texts, no_error_reply, pair_up

pytestmark = pytest.mark.usefixtures("no_crash")


async def test_invite_link_is_single_use_and_only_its_hash_is_stored(box: Sandbox) -> None:
    alex = box.fake.user(1001, "Alex")
    await start_user(alex, "Berlin")
    await alex.send("/pair")
    link = invite_link(alex)
    payload = link.split("?start=")[1]
    assert re.fullmatch(r"[A-Za-z0-9_-]{22,64}", payload)  # >= 128 bits
    async with box.runtime.engine.connect() as conn:
        stored = (await conn.execute(select(invites.c.token_hash))).scalars().all()
    assert stored == [hashlib.sha256(payload.encode()).hexdigest()]
    assert "48 hours" in alex.chat.last.text


async def test_partner_sees_inviter_and_both_are_told_when_paired(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    opened = next(m for m in sam.chat.messages if "invited you" in m.text)
    assert opened.text.startswith("Alex invited you")
    assert "You're now paired with Sam" in alex.chat.last.text
    assert "You're now paired with Alex" in sam.chat.last.text
    assert "daily at 20:00 (Europe/Berlin)" in sam.chat.last.text


async def test_decline_tells_the_inviter(box: Sandbox) -> None:
    alex = box.fake.user(1001, "Alex")
    sam = box.fake.user(1002, "Sam")
    await start_user(alex, "Berlin")
    await start_user(sam, "Berlin")
    await alex.send("/pair")
    await sam.open_link(invite_link(alex))
    await sam.press("Decline")
    assert "declined" in sam.chat.last.text.lower()
    assert "Sam declined your invite" in alex.chat.last.text
    await sam.send("/checkin")
    assert sam.chat.last.text == texts.NOT_PAIRED


async def test_partner_who_opens_the_link_first_is_asked_for_a_timezone(box: Sandbox) -> None:
    alex = box.fake.user(1001, "Alex")
    sam = box.fake.user(1002, "Sam")
    await start_user(alex, "Berlin")
    await alex.send("/pair")
    await sam.open_link(invite_link(alex))  # no /start before
    await sam.press("Accept")
    assert sam.chat.messages[-2].text.startswith("You're now paired with Alex")
    assert sam.chat.last.text == texts.ASK_TIMEZONE_AFTER_PAIR
    await sam.send("new york")
    assert "America/New_York" in sam.chat.messages[-2].text
    # Already paired: the offer to use this zone for the schedule follows.
    assert "Use America/New_York for our check-ins" in str(sam.chat.last.buttons)


async def test_unpair_with_confirmation_closes_open_round_unrevealed(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    question = sam.chat.last
    (one,) = [b.callback_data for row in question.buttons for b in row if b.text == "1"]
    assert one is not None
    await alex.press("5")
    await sam.send("/unpair")
    assert "End your pair with Alex?" in sam.chat.last.text
    await sam.press("No, keep it")
    assert sam.chat.last.text == texts.KEPT
    await sam.send("/unpair")
    await sam.press("Yes, end it")
    assert alex.chat.last.text == texts.PAIR_ENDED_NOTICE
    assert not any(texts.REVEAL_HEADER in t for t in alex.chat.texts() + sam.chat.texts())
    assert question.buttons == []  # the cancelled round's question lost its buttons
    await sam.press_data(question.message_id, one)  # a client still showing the old button
    assert sam.chat.toasts[-1] == texts.ROUND_PAIR_ENDED
    await alex.send("/checkin")
    assert alex.chat.last.text == texts.NOT_PAIRED


async def test_an_old_unpair_button_does_not_end_a_newer_pair(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await alex.send("/unpair")  # Alex does not tap yet
    await sam.send("/unpair")
    await sam.press("Yes, end it")
    chris = box.fake.user(1003, "Chris")
    await start_user(chris, "Berlin")
    await alex.send("/pair")
    await chris.open_link(invite_link(alex))
    await chris.press("Accept")
    await alex.press("unpair:y:1")  # the button shown for the first pair
    assert alex.chat.toasts[-1] == texts.BUTTON_STALE
    await alex.send("/settings")
    assert "Your check-ins with Chris" in alex.chat.last.text
    assert texts.PAIR_ENDED_NOTICE not in chris.chat.texts()


# ------------------------------------------------------------------------------------- bad input


async def test_opening_own_invite_link_says_so_and_keeps_it_usable(box: Sandbox) -> None:
    alex = box.fake.user(1001, "Alex")
    sam = box.fake.user(1002, "Sam")
    await start_user(alex, "Berlin")
    await start_user(sam, "Berlin")
    await alex.send("/pair")
    link = invite_link(alex)
    before = len(alex.chat.messages)

    await alex.open_link(link)

    assert new_texts(alex, before) == [texts.INVITE_OWN]
    assert alex.chat.last.buttons == []
    # Nothing lost: the invite still works for the partner.
    await sam.open_link(link)
    await sam.press(texts.INVITE_ACCEPT)
    assert count(alex, "You're now paired with Sam") == 1
    assert count(sam, "You're now paired with Alex") == 1
    no_error_reply(alex, sam)


async def test_expired_invite_is_refused_and_nobody_is_paired(box: Sandbox) -> None:
    alex = box.fake.user(1001, "Alex")
    sam = box.fake.user(1002, "Sam")
    await start_user(alex, "Berlin")
    await start_user(sam, "Berlin")
    await alex.send("/pair")
    link = invite_link(alex)
    alex_before = len(alex.chat.messages)

    box.clock.advance(timedelta(hours=48, minutes=1))
    await box.tick()
    await sam.open_link(link)

    assert sam.chat.last.text == texts.INVITE_EXPIRED
    assert sam.chat.last.buttons == []
    assert len(alex.chat.messages) == alex_before
    await sam.send("/checkin")
    assert sam.chat.last.text == texts.NOT_PAIRED
    no_error_reply(alex, sam)


async def test_invite_opened_in_time_but_accepted_after_expiry_is_refused(box: Sandbox) -> None:
    alex = box.fake.user(1001, "Alex")
    sam = box.fake.user(1002, "Sam")
    await start_user(alex, "Berlin")
    await start_user(sam, "Berlin")
    await alex.send("/pair")
    await sam.open_link(invite_link(alex))
    alex_before = len(alex.chat.messages)

    box.clock.advance(timedelta(hours=48, minutes=1))
    await box.tick()
    await sam.press(texts.INVITE_ACCEPT)

    assert sam.chat.last.text == texts.INVITE_EXPIRED
    assert all(not m.buttons for m in sam.chat.messages if "invited you" in m.text)
    assert len(alex.chat.messages) == alex_before
    no_error_reply(alex, sam)


async def test_used_invite_opened_again_by_the_invitee(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    link = invite_link(alex)
    alex_before = len(alex.chat.messages)

    await sam.open_link(link)

    assert sam.chat.last.text == texts.INVITE_USED
    assert sam.chat.last.buttons == []
    assert len(alex.chat.messages) == alex_before
    assert count(sam, "You're now paired with") == 1
    no_error_reply(alex, sam)


async def test_third_person_opening_a_used_invite_learns_nothing(box: Sandbox) -> None:
    alex, sam, accept_data = await pair_up(box, (1001, "Alex"), (1002, "Sam"))
    link = invite_link(alex)
    kim = box.fake.user(1003, "Kim")
    await start_user(kim, "Berlin")
    alex_before, sam_before = len(alex.chat.messages), len(sam.chat.messages)
    kim_before = len(kim.chat.messages)

    await kim.open_link(link)

    assert new_texts(kim, kim_before) == [texts.INVITE_USED]
    assert kim.chat.last.buttons == []

    # Pressing a forged Accept for that invite does not pair Kim with anyone either.
    await kim.press_data(kim.chat.last.message_id, accept_data)
    assert kim.chat.toasts[-1] == texts.INVITE_NOT_YOURS
    await kim.send("/checkin")
    assert kim.chat.last.text == texts.NOT_PAIRED
    # Not a name, not a schedule: nothing Kim saw says anything about the pair.
    seen = " ".join(kim.chat.texts() + kim.chat.toasts)
    for secret in ("Alex", "Sam", "20:00", "paired with"):
        assert secret not in seen, secret

    assert len(alex.chat.messages) == alex_before
    assert len(sam.chat.messages) == sam_before
    no_error_reply(alex, sam, kim)


async def test_two_people_accepting_one_invite_at_once_make_one_pair(box: Sandbox) -> None:
    alex = box.fake.user(1001, "Alex")
    sam = box.fake.user(1002, "Sam")
    kim = box.fake.user(1003, "Kim")
    for user in (alex, sam, kim):
        await start_user(user, "Berlin")
    await alex.send("/pair")
    link = invite_link(alex)
    await sam.open_link(link)
    await kim.open_link(link)

    await asyncio.gather(sam.press(texts.INVITE_ACCEPT), kim.press(texts.INVITE_ACCEPT))

    assert count(alex, "You're now paired with") == 1
    paired = [u for u in (sam, kim) if count(u, "You're now paired with Alex") == 1]
    assert len(paired) == 1
    loser = kim if paired == [sam] else sam
    assert loser.chat.last.text == texts.INVITE_USED
    assert count(loser, "You're now paired") == 0
    no_error_reply(alex, sam, kim)


async def test_pair_while_paired_gives_no_invite(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    alex_before, sam_before = len(alex.chat.messages), len(sam.chat.messages)

    await alex.send("/pair")

    replies = new_texts(alex, alex_before)
    assert replies == [texts.INVITE_ALREADY_PAIRED.format(partner="Sam")]
    assert "?start=" not in replies[0]
    assert len(sam.chat.messages) == sam_before
    no_error_reply(alex, sam)


@pytest.mark.parametrize(
    "command",
    ["/checkin", "/settings", "/pause", "/resume", "/time 20:00", "/frequency daily", "/unpair"],
)
@pytest.mark.parametrize("started", [True, False], ids=["started", "never-started"])
async def test_checkin_commands_while_unpaired(box: Sandbox, command: str, started: bool) -> None:
    kim = box.fake.user(1003, "Kim")
    if started:
        await start_user(kim, "Berlin")
    before = len(kim.chat.messages) if started else 0

    await kim.send(command)

    assert new_texts(kim, before) == [texts.NOT_PAIRED]
    assert kim.chat.last.buttons == []
    # Nothing was scheduled for an unpaired user.
    box.clock.advance(timedelta(days=2))
    await box.tick()
    assert new_texts(kim, before) == [texts.NOT_PAIRED]
    no_error_reply(kim)


async def test_a_second_pair_link_says_the_first_one_stopped_working(box: Sandbox) -> None:
    alex = box.fake.user(1001, "Alex")
    await start_user(alex, "Berlin")
    await alex.send("/pair")
    first = invite_link(alex)
    assert texts.INVITE_REPLACED not in alex.chat.last.text
    await alex.send("/pair")
    assert alex.chat.last.text.endswith("\n\n" + texts.INVITE_REPLACED)
    sam = box.fake.user(1002, "Sam")
    await sam.send(f"/start {first.split('?start=')[1]}")
    assert sam.chat.last.text == texts.INVITE_USED
    box.clock.advance(timedelta(hours=49))  # the second link expired on its own
    await alex.send("/pair")
    assert texts.INVITE_REPLACED not in alex.chat.last.text
