"""Bad input, end to end: every mistake, forgery or odd event a user can cause gets a clear
reply (or a handled, logged event) — no crash, no answer leaked, nothing lost, nothing doubled.

Each test drives the real Application through the emulated Bot API and looks at what each
simulated user's chat shows; time moves with the ManualClock, never with sleep.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot import texts
from bot.emulator import FakeUser
from bot.sandbox import Sandbox
from tests.conftest import Picker, invite_link, make_pair, open_round, start_user

GROUP_ID = -100123
PRIVATE_LINK = "https://t.me/TandemBot"


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def no_crash(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Capture INFO logs; fail when any handler crashed or anything was logged as an error."""
    caplog.set_level(logging.INFO)
    yield caplog
    errors = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], errors


def logged(caplog: pytest.LogCaptureFixture, fragment: str) -> bool:
    return any(fragment in record.getMessage() for record in caplog.records)


def count(user: FakeUser, fragment: str) -> int:
    """How many bot messages in the user's chat contain ``fragment``."""
    return sum(fragment in m.text for m in user.chat.messages)


def new_texts(user: FakeUser, before: int) -> list[str]:
    return [m.text for m in user.chat.messages[before:]]


def no_error_reply(*users: FakeUser) -> None:
    for user in users:
        assert count(user, texts.SOMETHING_WRONG) == 0, box_transcript(user)


def box_transcript(user: FakeUser) -> str:
    return user.api.transcript(user.user_id)


def round_id_in(user: FakeUser) -> int:
    """The round id carried by the newest answer button in the user's chat."""
    _, button = user.chat.find_button(texts.BTN_SKIP)
    assert button.callback_data is not None
    return int(button.callback_data.split(":")[1])


def question_message_id(user: FakeUser) -> int:
    message, _ = user.chat.find_button(texts.BTN_SKIP)
    return message.message_id


async def pair_up(
    box: Sandbox, inviter: tuple[int, str], invitee: tuple[int, str], zone: str = "Berlin"
) -> tuple[FakeUser, FakeUser, str]:
    """Pair two new users; returns them and the invitee's Accept callback data."""
    a = box.fake.user(*inviter)
    b = box.fake.user(*invitee)
    await start_user(a, zone)
    await start_user(b, zone)
    await a.send("/pair")
    await b.open_link(invite_link(a))
    _, accept = b.chat.find_button(texts.INVITE_ACCEPT)
    assert accept.callback_data is not None
    await b.press(texts.INVITE_ACCEPT)
    assert count(a, "You're now paired with") == 1
    assert count(b, "You're now paired with") == 1
    return a, b, accept.callback_data


# --------------------------------------------------------------------------------------------
# 1-3: invites
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# 4-6: commands and text out of place
# --------------------------------------------------------------------------------------------


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


async def test_text_when_no_question_waits(box: Sandbox) -> None:
    kim = box.fake.user(1003, "Kim")
    await start_user(kim, "Berlin")
    await kim.send("hello?")
    assert kim.chat.last.text == texts.NOTHING_WAITING

    alex, sam = await make_pair(box)
    await alex.send("I think we should talk")
    assert alex.chat.last.text == texts.NOTHING_WAITING

    # A scale question is open: typed text is not an answer and the partner hears nothing.
    await open_round(box, alex, sam)
    sam_before = len(sam.chat.messages)
    await alex.send("3")
    # Alex is pointed at the buttons and shown the question again.
    assert alex.chat.messages[-2].text == texts.TAP_TO_ANSWER
    assert alex.chat.last.text.startswith("Check-in ·") and alex.chat.last.buttons
    assert len(sam.chat.messages) == sam_before
    assert count(sam, "Alex has answered") == 0, box_transcript(sam)
    no_error_reply(alex, sam, kim)


# --------------------------------------------------------------------------------------------
# 7-9: buttons: old, forged, garbage, pressed twice
# --------------------------------------------------------------------------------------------


async def test_button_of_a_revealed_round(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    sam_question = question_message_id(sam)
    _, sam_three = sam.chat.find_button("3")
    await alex.press("2")
    await sam.press("4")
    assert count(alex, texts.REVEAL_HEADER) == 1
    assert count(sam, texts.REVEAL_HEADER) == 1
    alex_before, sam_before = len(alex.chat.messages), len(sam.chat.messages)

    alex_question = question_message_id(alex)
    await alex.press("5")  # Alex's keyboard still shows; the round is already revealed.
    assert alex.chat.toasts[-1] == texts.ROUND_REVEALED
    stale = next(m for m in alex.chat.messages if m.message_id == alex_question)
    assert stale.buttons == []  # the dead keyboard is taken away
    assert sam_three.callback_data is not None
    await sam.press_data(sam_question, sam_three.callback_data)
    assert sam.chat.toasts[-1] == texts.ROUND_REVEALED

    assert len(alex.chat.messages) == alex_before
    assert len(sam.chat.messages) == sam_before
    reveal = next(m.text for m in alex.chat.messages if texts.REVEAL_HEADER in m.text)
    assert "You: 2 of 5\nSam: 4 of 5" in reveal
    assert count(alex, texts.REVEAL_HEADER) == 1
    assert count(sam, texts.REVEAL_HEADER) == 1
    no_error_reply(alex, sam)


async def test_button_of_an_expired_round(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await alex.send("/frequency off")  # only the /checkin round below exists
    await open_round(box, alex, sam)
    sam_question = question_message_id(sam)
    _, sam_four = sam.chat.find_button("4")
    assert sam_four.callback_data is not None
    await alex.press("3")
    assert count(sam, "Alex has answered") == 1

    box.clock.advance(timedelta(hours=24, minutes=1))
    await box.tick()
    assert count(alex, "closed before you both answered") == 1
    alex_before, sam_before = len(alex.chat.messages), len(sam.chat.messages)

    await sam.press_data(sam_question, sam_four.callback_data)

    assert sam.chat.toasts[-1] == texts.ROUND_CLOSED
    assert len(alex.chat.messages) == alex_before
    assert len(sam.chat.messages) == sam_before
    assert count(alex, texts.REVEAL_HEADER) == 0
    assert count(sam, texts.REVEAL_HEADER) == 0
    assert count(sam, "3 of 5") == 0  # Alex's answer stays private
    # A new check-in can start; the old answer never shows up.
    await open_round(box, alex, sam)
    await alex.press("1")
    await sam.press("5")
    reveal = next(m.text for m in sam.chat.messages if texts.REVEAL_HEADER in m.text)
    assert "You: 5 of 5\nAlex: 1 of 5" in reveal
    assert "3 of 5" not in reveal
    no_error_reply(alex, sam)


async def test_forged_callback_for_another_pairs_round(box: Sandbox) -> None:
    alex, sam, _ = await pair_up(box, (1001, "Alex"), (1002, "Sam"))
    kim, lee, _ = await pair_up(box, (2001, "Kim"), (2002, "Lee"))
    await open_round(box, alex, sam)
    round_id = round_id_in(alex)
    alex_before, sam_before = len(alex.chat.messages), len(sam.chat.messages)
    kim_before, lee_before = len(kim.chat.messages), len(lee.chat.messages)

    forged = [f"a:{round_id}:0:3", f"a:{round_id}:0:skip", f"w:{round_id}:0"]
    for data in forged:
        await kim.press_data(kim.chat.last.message_id, data)
        assert kim.chat.toasts[-1] == texts.BUTTON_NOT_YOURS
    await kim.press_data(999_999, f"a:{round_id}:0:1")  # a message that does not exist
    assert kim.chat.toasts[-1] == texts.BUTTON_NOT_YOURS
    # The forged "Write my answer" did not make Kim's next text an answer to Alex's round.
    await kim.send("my secret guess")
    assert kim.chat.last.text == texts.NOTHING_WAITING
    kim_before += 1
    # An unknown round gets the same reply: the toast does not tell which rounds exist.
    await kim.press_data(kim.chat.last.message_id, "a:987654:0:3")
    assert kim.chat.toasts[-1] == texts.BUTTON_NOT_YOURS

    assert len(kim.chat.messages) == kim_before
    assert len(lee.chat.messages) == lee_before
    assert len(alex.chat.messages) == alex_before
    assert len(sam.chat.messages) == sam_before

    # Pair 1's round is unaffected: they complete it and see only their own answers.
    await alex.press("2")
    assert count(sam, "Alex has answered") == 1
    await sam.press("4")
    for me, other, mine, theirs in ((alex, "Sam", 2, 4), (sam, "Alex", 4, 2)):
        reveals = [m.text for m in me.chat.messages if texts.REVEAL_HEADER in m.text]
        assert len(reveals) == 1
        assert f"You: {mine} of 5\n{other}: {theirs} of 5" in reveals[0]
        assert "Kim" not in reveals[0] and "Lee" not in reveals[0]
    assert len(kim.chat.messages) == kim_before
    assert len(lee.chat.messages) == lee_before
    no_error_reply(alex, sam, kim, lee)


@pytest.mark.parametrize(
    "data",
    ["zzz", "a:1:0:../../", "a:1:0:" + "9" * 64, "x" * 70, "", "a:-1:0:3", "i:1:maybe"],
    ids=["zzz", "path", "a-70-bytes", "70-bytes", "empty", "negative", "bad-invite"],
)
async def test_garbage_callback_data(
    box: Sandbox, no_crash: pytest.LogCaptureFixture, data: str
) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    alex_before, sam_before = len(alex.chat.messages), len(sam.chat.messages)

    await alex.press_data(question_message_id(alex), data)

    assert alex.chat.toasts[-1] == texts.BUTTON_STALE
    assert logged(no_crash, "unparseable callback data")
    assert len(alex.chat.messages) == alex_before
    assert len(sam.chat.messages) == sam_before
    # The open round still works.
    await alex.press("3")
    await sam.press("3")
    assert count(alex, texts.REVEAL_HEADER) == 1
    assert count(sam, texts.REVEAL_HEADER) == 1
    no_error_reply(alex, sam)


@pytest.mark.parametrize(
    ("position", "value"),
    [(0, "9"), (0, "0"), (5, "3"), (0, "yes")],
    ids=["scale-9", "scale-0", "no-such-position", "word"],
)
async def test_well_formed_but_invalid_answer_for_own_round(
    box: Sandbox, position: int, value: str
) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    round_id = round_id_in(alex)
    sam_before = len(sam.chat.messages)

    await alex.press_data(question_message_id(alex), f"a:{round_id}:{position}:{value}")

    assert alex.chat.toasts[-1] == texts.BUTTON_STALE
    assert len(sam.chat.messages) == sam_before  # no "has answered"
    await sam.press("4")
    assert count(sam, texts.REVEAL_HEADER) == 0  # Alex has not answered
    await alex.press("2")
    assert count(alex, texts.REVEAL_HEADER) == 1
    no_error_reply(alex, sam)


async def test_same_button_pressed_twice(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)

    await alex.press("3")
    await alex.press("3")

    assert count(sam, "Alex has answered") == 1
    assert alex.chat.toasts[-2:] == [texts.ANSWER_TOAST, texts.ANSWER_TOAST]
    await sam.press("1")
    assert count(alex, texts.REVEAL_HEADER) == 1
    assert count(sam, texts.REVEAL_HEADER) == 1
    no_error_reply(alex, sam)


async def test_same_button_pressed_twice_concurrently(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)

    await asyncio.gather(alex.press("3"), alex.press("3"))

    assert count(sam, "Alex has answered") == 1
    assert len(alex.chat.toasts) == 2
    await sam.press("1")
    assert count(alex, texts.REVEAL_HEADER) == 1
    assert count(sam, texts.REVEAL_HEADER) == 1
    no_error_reply(alex, sam)


async def test_both_partners_answer_concurrently_reveal_once(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)

    await asyncio.gather(alex.press("2"), sam.press("5"))

    assert count(alex, texts.REVEAL_HEADER) == 1
    assert count(sam, texts.REVEAL_HEADER) == 1
    no_error_reply(alex, sam)


# --------------------------------------------------------------------------------------------
# 10: settings out of range
# --------------------------------------------------------------------------------------------


BAD_SETTINGS = [
    ("alex", "/time 25:00", None),
    ("alex", "/time 12:60", None),
    ("alex", "/time soon", None),
    ("sam", "/timezone Mars/Olympus", "Mars/Olympus"),
    ("sam", "/timezone ../../etc/passwd", "../../etc/passwd"),
    ("sam", "/timezone " + "x" * 300, "x" * 40),
]


@pytest.mark.parametrize(
    ("who", "command", "shown_zone"),
    BAD_SETTINGS,
    ids=["25h", "60min", "word", "mars", "path", "300-chars"],
)
async def test_impossible_time_and_unknown_timezone(
    box: Sandbox, who: str, command: str, shown_zone: str | None
) -> None:
    alex, sam = await make_pair(box, "Berlin", "New York")
    await alex.send("/settings")
    alex_settings = alex.chat.last.text
    await sam.send("/settings")
    sam_settings = sam.chat.last.text
    assert "Your time: 14:00" in sam_settings  # Sam is in New York
    sender, partner = (alex, sam) if who == "alex" else (sam, alex)
    sender_before, partner_before = len(sender.chat.messages), len(partner.chat.messages)

    await sender.send(command)

    replies = new_texts(sender, sender_before)
    assert len(replies) == 1
    if shown_zone is None:
        assert "for example" in replies[0] or "Try 20:00" in replies[0], replies
        assert "Done" not in replies[0]
    else:
        assert replies[0] == texts.TIMEZONE_UNKNOWN.format(text=shown_zone)
    assert len(partner.chat.messages) == partner_before  # no "... changed your check-ins"

    # Settings unchanged, as both partners see them.
    await alex.send("/settings")
    assert alex.chat.last.text == alex_settings
    await sam.send("/settings")
    assert sam.chat.last.text == sam_settings
    no_error_reply(alex, sam)


# --------------------------------------------------------------------------------------------
# 11: non-text, empty and overlong open answers
# --------------------------------------------------------------------------------------------


async def test_open_answer_rejects_non_text_empty_and_overlong(
    box: Sandbox, picker: Picker
) -> None:
    alex, sam = await make_pair(box)
    picker.prefer = "open"
    await open_round(box, alex, sam)
    assert texts.OPEN_HINT in alex.chat.last.text
    sam_before = len(sam.chat.messages)

    await alex.send_sticker()
    assert alex.chat.last.text == texts.TEXT_ONLY
    await alex.send_photo()
    assert alex.chat.last.text == texts.TEXT_ONLY
    await alex.send_photo(caption="this is my answer")
    assert alex.chat.last.text == texts.TEXT_ONLY
    await alex.send_voice()
    assert alex.chat.last.text == texts.TEXT_ONLY
    for blank in ("   ", " \n\t ", "\u200b"):
        await alex.send(blank)
        assert alex.chat.last.text == texts.TEXT_EMPTY, repr(blank)
    await alex.send("x" * 2001)
    assert alex.chat.last.text == texts.TEXT_TOO_LONG.format(n=2001)
    assert "shorten" in alex.chat.last.text

    # Nothing counted as an answer: the partner was told nothing, the round is still open.
    assert len(sam.chat.messages) == sam_before

    answer = "More walks together, and one evening each to ourselves."
    await alex.send(answer)
    assert alex.chat.last.text.startswith("Saved. Your answer: " + answer)
    assert count(sam, "Alex has answered") == 1
    assert all(answer not in m.text for m in sam.chat.messages)

    await sam.send("y" * 2000)  # exactly at the limit
    reveal = next(m.text for m in sam.chat.messages if texts.REVEAL_HEADER in m.text)
    assert answer in reveal
    assert count(alex, texts.REVEAL_HEADER) == 1
    no_error_reply(alex, sam)


async def test_open_answers_at_the_limit_with_emoji_are_revealed_in_full(
    box: Sandbox, picker: Picker
) -> None:
    """2,000 characters is the bot's own limit; emoji count as one character to the user but
    as two UTF-16 units to Telegram's 4,096 limit. The reveal must still reach both, whole."""
    alex, sam = await make_pair(box)
    picker.prefer = "open"
    await open_round(box, alex, sam)
    alex_answer, sam_answer = "😀" * 2000, "🙂" * 2000

    await alex.send(alex_answer)
    assert alex.chat.last.text.startswith("Saved. Your answer: ")
    await sam.send(sam_answer)

    for user in (alex, sam):
        starts = [i for i, m in enumerate(user.chat.messages) if texts.REVEAL_HEADER in m.text]
        assert len(starts) == 1, f"{user}: no reveal header"
        reveal = "\n\n".join(m.text for m in user.chat.messages[starts[0] :])
        assert reveal.count("😀") == 2000, user
        assert reveal.count("🙂") == 2000, user
    no_error_reply(alex, sam)


# --------------------------------------------------------------------------------------------
# 12: the same update delivered twice
# --------------------------------------------------------------------------------------------


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
    await alex.send("Less phone time at dinner.")
    await alex.resend_last()

    assert count(sam, "Alex has answered") == 1
    assert count(alex, "Saved. Your answer") == 1
    assert texts.NOTHING_WAITING not in alex.chat.texts()
    no_error_reply(alex, sam)


# --------------------------------------------------------------------------------------------
# 13: group chats
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# 14: the bot blocked by a partner
# --------------------------------------------------------------------------------------------


def sends_to(box: Sandbox, user: FakeUser) -> int:
    return sum(str(c.get("chat_id")) == str(user.user_id) for c in box.fake.calls("sendMessage"))


async def test_block_update_holds_checkins_until_start(
    box: Sandbox, no_crash: pytest.LogCaptureFixture
) -> None:
    alex, sam = await make_pair(box)  # daily at 20:00 Berlin = 19:00 UTC

    await sam.block()
    await sam.block()  # a second my_chat_member update changes nothing

    assert count(alex, "has stopped Tandem") == 1
    assert alex.chat.last.text == texts.PARTNER_INACTIVE.format(name="Sam")
    assert logged(no_crash, "marked inactive")
    sam_sends = sends_to(box, sam)
    alex_before = len(alex.chat.messages)

    # Past the scheduled time: no question to anyone.
    await box.advance(timedelta(hours=12), step=timedelta(hours=1))
    assert len(alex.chat.messages) == alex_before
    assert sends_to(box, sam) == sam_sends
    assert count(alex, "Check-in ·") == 0

    await alex.send("/checkin")
    assert alex.chat.last.text == texts.CHECKIN_ON_HOLD.format(name="Sam")
    await alex.send("/settings")
    assert texts.STATUS_ON_HOLD.format(name="Sam") in alex.chat.last.text
    assert sends_to(box, sam) == sam_sends

    await sam.unblock()
    await sam.send("/start")
    assert texts.WELCOME_BACK.format(name="Sam") in sam.chat.texts()
    assert count(alex, "Sam is back on Tandem") == 1
    assert count(alex, "has stopped Tandem") == 1

    # Check-ins resume: the next scheduled one reaches both.
    await box.advance(timedelta(hours=24), step=timedelta(hours=1))
    assert count(alex, "Check-in ·") == 1
    assert count(sam, "Check-in ·") == 1
    no_error_reply(alex, sam)


async def test_forbidden_on_send_marks_inactive_and_tells_partner_once(
    box: Sandbox, no_crash: pytest.LogCaptureFixture
) -> None:
    alex, sam = await make_pair(box)
    box.fake.blocked.add(sam.user_id)  # blocked without a my_chat_member update

    await alex.send("/checkin")
    await box.tick()  # the JobQueue's next tick flushes what the failed send queued

    assert count(alex, "Check-in ·") == 1
    assert count(alex, "has stopped Tandem") == 1
    assert logged(no_crash, "marked inactive")

    # More activity does not repeat the notice and does not crash.
    await alex.press("3")
    assert alex.chat.toasts[-1] == texts.ANSWER_TOAST
    await alex.send("/checkin")
    assert alex.chat.last.text == texts.CHECKIN_ON_HOLD.format(name="Sam")
    await box.advance(timedelta(hours=36), step=timedelta(hours=2))
    assert count(alex, "has stopped Tandem") == 1
    assert count(alex, "Check-in ·") == 1  # no scheduled round while Sam is gone
    await alex.send("/settings")
    assert texts.STATUS_ON_HOLD.format(name="Sam") in alex.chat.last.text
    no_error_reply(alex)


async def test_partner_back_after_forbidden_can_answer_the_open_round(box: Sandbox) -> None:
    """Sam never received the question (403) and the reminder passed while Sam was gone.
    Back before the round expires, Sam must be able to answer it: the question is shown
    again (on /start, /checkin or a later tick), not "scroll up" to a message that never
    arrived."""
    alex, sam = await make_pair(box)
    await alex.send("/frequency off")  # only the /checkin round below exists
    box.fake.blocked.add(sam.user_id)
    await alex.send("/checkin")  # opened Mon 09:00 UTC, open until Tue 09:00 UTC
    await box.tick()
    await alex.press("3")
    assert count(sam, "Check-in ·") == 0

    # Sam's one reminder (08:00 Berlin) comes and goes while Sam is unreachable.
    await box.advance(timedelta(hours=22, minutes=30), step=timedelta(hours=1))
    await sam.unblock()
    await sam.send("/start")
    assert count(alex, "Sam is back on Tandem") == 1
    if count(sam, "Check-in ·") == 0:
        await sam.send("/checkin")
    await box.advance(timedelta(minutes=30), step=timedelta(minutes=10))  # still open
    assert count(sam, "Check-in ·") == 1, box_transcript(sam)

    await sam.press("4")
    reveal = next(m.text for m in alex.chat.messages if texts.REVEAL_HEADER in m.text)
    assert "You: 3 of 5\nSam: 4 of 5" in reveal
    assert count(sam, texts.REVEAL_HEADER) == 1
    no_error_reply(alex, sam)
