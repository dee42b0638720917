"""End-to-end: updates as Telegram may deliver them. The same update twice is handled
once, and a command in a group chat only gets a link to the private chat."""

from __future__ import annotations

import pytest

from bot import texts
from bot.sandbox import Sandbox
from tests.conftest import Picker, invite_link, make_pair, open_round, start_user
from tests.e2e.helpers import count, logged, no_error_reply

pytestmark = pytest.mark.usefixtures("no_crash")


# --------------------------------------------------------------- the same update delivered twice


async def test_resent_pair_command_gives_one_invite(
    box: Sandbox, no_crash: pytest.LogCaptureFixture
) -> None:
    alex = box.fake.user(1001, "Alex")
    await start_user(alex, "Berlin")
    await alex.send("/pair")
    await alex.resend_last()

    assert count(alex, "?start=") == 1
    assert logged(no_crash, "duplicate update")
    no_error_reply(alex)


async def test_resent_accept_pairs_once(box: Sandbox) -> None:
    alex = box.fake.user(1001, "Alex")
    sam = box.fake.user(1002, "Sam")
    await start_user(alex, "Berlin")
    await start_user(sam, "Berlin")
    await alex.send("/pair")
    await sam.open_link(invite_link(alex))
    await sam.resend_last()
    assert count(sam, "invited you") == 1
    await sam.press(texts.INVITE_ACCEPT)
    await sam.resend_last()

    assert count(alex, "You're now paired with Sam") == 1
    assert count(sam, "You're now paired with Alex") == 1
    assert texts.INVITE_USED not in sam.chat.texts()
    no_error_reply(alex, sam)


async def test_resent_checkin_and_answers_are_handled_once(
    box: Sandbox, no_crash: pytest.LogCaptureFixture
) -> None:
    alex, sam = await make_pair(box)
    await alex.send("/checkin")
    await alex.resend_last()
    assert count(sam, "Check-in ·") == 1
    assert count(alex, "Check-in ·") == 1
    assert texts.CHECKIN_OPEN_ALREADY not in alex.chat.texts()

    await alex.press("3")
    acks = count(alex, "Saved. Your answer")
    await alex.resend_last()
    assert count(sam, "Alex has answered") == 1
    assert count(alex, "Saved. Your answer") == acks

    await sam.press("5")
    await sam.resend_last()
    assert count(alex, texts.REVEAL_HEADER) == 1
    assert count(sam, texts.REVEAL_HEADER) == 1
    assert logged(no_crash, "duplicate update")
    no_error_reply(alex, sam)


async def test_resent_open_text_answer_notifies_once(box: Sandbox, picker: Picker) -> None:
    alex, sam = await make_pair(box)
    picker.prefer = "open"
    await open_round(box, alex, sam)
    await alex.press(texts.BTN_WRITE)
    await alex.send("Less phone time at dinner.")
    await alex.resend_last()

    assert count(sam, "Alex has answered") == 1
    assert count(alex, "Saved. Your answer") == 1
    assert texts.NOTHING_WAITING not in alex.chat.texts()
    no_error_reply(alex, sam)


# ----------------------------------------------------------------------------------- group chats


GROUP_ID = -100123
PRIVATE_LINK = "https://t.me/TandemBot"


@pytest.mark.parametrize("command", ["/start", "/checkin", "/pair", "/checkin@TandemBot"])
async def test_command_in_group_gets_one_link_to_private_chat(box: Sandbox, command: str) -> None:
    alex, sam = await make_pair(box)
    alex_before, sam_before = len(alex.chat.messages), len(sam.chat.messages)

    await alex.send_in_group(command, GROUP_ID)
    await alex.resend_last()  # delivered twice: still one reply
    await alex.send_in_group("hello everyone", GROUP_ID)  # plain group chatter: ignored

    group = box.fake.groups[GROUP_ID]
    assert len(group.messages) == 1
    assert PRIVATE_LINK in group.messages[0].text
    assert group.messages[0].text == texts.GROUP_ONLY_PRIVATE.format(link=PRIVATE_LINK)
    assert group.messages[0].buttons == []
    # Private chats unaffected: no round opened, no invite made.
    assert len(alex.chat.messages) == alex_before
    assert len(sam.chat.messages) == sam_before
    await alex.send("/checkin")
    assert count(sam, "Check-in ·") == 1


async def test_group_command_from_a_stranger_only_links(box: Sandbox) -> None:
    kim = box.fake.user(1003, "Kim")
    await kim.send_in_group("/start", GROUP_ID)
    await kim.send_in_group("/checkin", GROUP_ID)

    group = box.fake.groups[GROUP_ID]
    assert [m.text for m in group.messages] == [
        texts.GROUP_ONLY_PRIVATE.format(link=PRIVATE_LINK)
    ] * 2
    assert 1003 not in box.fake.chats
    assert not [c for c in box.fake.calls("sendMessage") if str(c.get("chat_id")) == "1003"]


async def test_a_message_that_names_no_sender_is_ignored_without_an_error(box: Sandbox) -> None:
    """Telegram fills ``from`` in private chats; an update without it (forged, or an unusual
    client) gets no "Something went wrong" and logs no error."""
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    before = len(alex.chat.messages)
    chat = {"id": alex.user_id, "type": "private", "first_name": "Alex"}
    await box.deliver(
        {"update_id": 9001, "message": {"message_id": 900, "date": 1, "chat": chat, "text": "hi"}}
    )
    await box.deliver(
        {
            "update_id": 9002,
            "edited_message": {
                "message_id": 900,
                "date": 1,
                "edit_date": 2,
                "chat": chat,
                "text": "/history",
            },
        }
    )
    assert len(alex.chat.messages) == before
    await alex.send("/settings")  # the bot goes on as before
    assert len(alex.chat.messages) == before + 1
