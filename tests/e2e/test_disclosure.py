"""End-to-end: nothing disclosed by accident (DESIGN.md, privacy rule 7).

A typed text becomes an answer only when its author meant it; an edited answer is replaced
before the reveal and locked after it; a reveal's layout cannot be forged by what a partner
types; reveals are protected from forwarding; anything from a group changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import texts
from bot.emulator import FakeUser, SentMessage
from bot.sandbox import Sandbox
from tests.conftest import Picker, make_pair, open_round
from tests.e2e.helpers import count, next_day, no_error_reply, pair_up, type_answer

pytestmark = pytest.mark.usefixtures("no_crash")


def reveal_of(user: FakeUser) -> SentMessage:
    return next(m for m in reversed(user.chat.messages) if texts.REVEAL_HEADER in m.text)


def user_message_id(user: FakeUser, update: dict[str, object]) -> int:
    message = update["message"]
    assert isinstance(message, dict)
    return int(message["message_id"])


# ------------------------------------------------------------- a typed text is meant, or nothing


async def test_a_stray_text_is_shown_back_and_never_revealed_unconfirmed(
    box: Sandbox, picker: Picker
) -> None:
    picker.prefer = "open"
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    await type_answer(sam, "Our Sunday walks.")
    sam_before = len(sam.chat.messages)

    stray = "sorry, is this about this week or in general?"
    sent = await alex.send(stray)
    ask = alex.chat.last
    assert ask.text.startswith("Send this as your answer to")
    assert ask.styled("blockquote") == [stray]
    assert [b.text for row in ask.buttons for b in row] == [
        texts.BTN_TYPED_SEND,
        texts.BTN_TYPED_EDIT,
        texts.BTN_TYPED_NOT,
    ]
    # Nothing saved: Sam hears nothing, no reveal anywhere.
    assert len(sam.chat.messages) == sam_before
    await alex.press(texts.BTN_TYPED_NOT)
    assert alex.chat.last.text == texts.TYPED_NOT_SAVED
    assert ask.buttons == []  # the prompt's buttons are gone
    forged = f"ty:s:{user_message_id(alex, sent)}:00000000"
    await alex.press_data(ask.message_id, forged)  # a forged Send for it: stale
    assert alex.chat.toasts[-1] == texts.TYPED_STALE

    # "Edit it first", then the corrected text is saved as typed.
    await alex.send("hello")
    await alex.press(texts.BTN_TYPED_EDIT)
    assert alex.chat.last.text == texts.TYPED_EDIT_PROMPT
    await alex.send("The walk on Sunday, when we didn't talk much.")
    reveal = reveal_of(sam).text
    assert "The walk on Sunday" in reveal
    for never in (stray, "hello"):
        assert all(never not in m.text for m in sam.chat.messages)
    no_error_reply(alex, sam)


async def test_a_newer_text_replaces_the_draft_and_the_older_prompt_goes_stale(
    box: Sandbox, picker: Picker
) -> None:
    picker.prefer = "open"
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    await alex.send("first try")
    first = alex.chat.last
    await alex.send("second try")
    _, send_first = first.buttons[0][0], first.buttons[0][0].callback_data
    assert send_first is not None
    await alex.press_data(first.message_id, send_first)
    assert alex.chat.toasts[-1] == texts.TYPED_STALE
    await alex.press(texts.BTN_TYPED_SEND)
    assert alex.chat.last.text.startswith("Saved. Your answer: second try")
    assert count(sam, "Alex has answered") == 1


# ------------------------------------------------------------------------------- edited answers


async def test_an_edit_before_the_reveal_replaces_the_answer_and_after_it_is_refused(
    box: Sandbox, picker: Picker
) -> None:
    picker.prefer = "open"
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    await alex.press(texts.BTN_WRITE)
    sent = await alex.send("We should cook more often")
    message_id = user_message_id(alex, sent)
    await alex.edit(message_id, "We should cook together more often")
    assert alex.chat.last.text == texts.ANSWER_EDITED.format(
        answer="We should cook together more often"
    )
    await type_answer(sam, "More evenings at home.")
    reveal = reveal_of(sam)
    assert reveal.styled("blockquote")[1] == "We should cook together more often"
    assert "We should cook more often" not in reveal.text

    await alex.edit(message_id, "Actually, something else entirely")
    assert alex.chat.last.text == texts.ANSWER_LOCKED_REVEALED
    assert "something else entirely" not in reveal_of(sam).text
    # An edit of any other message changes nothing and says nothing.
    before = len(alex.chat.messages)
    other = await alex.send("/settings")
    await alex.edit(user_message_id(alex, other), "/settings please")
    assert len(alex.chat.messages) == before + 1
    no_error_reply(alex, sam)


async def test_an_edit_of_a_draft_updates_what_send_saves(box: Sandbox, picker: Picker) -> None:
    picker.prefer = "open"
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    sent = await alex.send("draft one")
    await alex.edit(user_message_id(alex, sent), "draft two")
    assert alex.chat.last.styled("blockquote") == ["draft two"]
    await alex.press(texts.BTN_TYPED_SEND)
    assert alex.chat.last.text.startswith("Saved. Your answer: draft two")


# ------------------------------------------------------------------------ the reveal's layout


async def test_a_forged_layout_is_shown_as_the_partners_quoted_text(
    box: Sandbox, picker: Picker
) -> None:
    picker.prefer = "open"
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    forged = "Fine.\n\nYou:\nI agree that I was wrong about everything."
    await type_answer(alex, forged)
    await type_answer(sam, "Cooking together.")
    shown = reveal_of(sam)
    # Only the bot's labels are bold; Alex's whole text, forged label included, is one quote.
    assert shown.styled("bold") == [texts.REVEAL_YOU, "Alex"]
    assert shown.styled("blockquote") == ["Cooking together.", forged]
    assert shown.protected and reveal_of(alex).protected
    sends = [p for m, p in box.fake.requests if m == "sendMessage"]
    assert all(p.get("parse_mode") is None for p in sends)


async def test_button_answers_carry_bold_labels_and_are_protected(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    await alex.press("4")
    await sam.press("2")
    shown = reveal_of(alex)
    assert "You: 4 of 5\nSam: 2 of 5" in shown.text
    assert shown.styled("bold") == ["You", "Sam"]
    assert shown.protected


# ------------------------------------------------------------------------------- group chats


async def test_a_button_or_text_from_a_group_only_points_to_the_private_chat(
    box: Sandbox,
) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    question = alex.chat.last
    data = question.buttons[0][3].callback_data
    assert data is not None
    sam_before = len(sam.chat.messages)
    await alex.press_in_group(data, message_id=question.message_id)
    group = box.fake.groups[-100123]
    assert group.toasts == [texts.GROUP_BUTTON_PRIVATE]
    await alex.send_in_group("@TandemBot are you there?")
    assert group.messages[-1].text.startswith("I work in private chats only")
    # Nothing changed: the answer was not recorded, Sam heard nothing.
    assert len(sam.chat.messages) == sam_before
    await alex.press("4")
    assert alex.chat.toasts[-1] == texts.ANSWER_TOAST


# ------------------------------------------------------------ taking answers back on leaving


async def _checkin_open_for_both(alex: FakeUser, sam: FakeUser) -> None:
    """/checkin by Alex: a new round, or the scheduled one already open (shown to Alex
    again); either way each of them has exactly one question with live buttons (a closed
    round's questions lose theirs)."""
    await alex.send("/checkin")
    for user in (alex, sam):
        live = [m for m in user.chat.messages if "Check-in \u00b7" in m.text and m.buttons]
        assert len(live) == 1 or user is alex, [m.text[:40] for m in live]
        assert live, user


async def test_delete_takes_back_recent_answers_from_both_chats_and_drops_queued_ones(
    box: Sandbox, picker: Picker
) -> None:
    picker.prefer = "open"
    sam, alex, _ = await pair_up(box, (1002, "Sam"), (1001, "Alex"))  # Sam's reveal goes first
    await open_round(box, alex, sam)
    await type_answer(alex, "Old words from Alex")
    await type_answer(sam, "Old words from Sam")
    await box.advance(timedelta(hours=49), step=timedelta(hours=1))  # past Telegram's window

    await _checkin_open_for_both(alex, sam)
    await type_answer(alex, "Recent words from Alex")
    await type_answer(sam, "Recent words from Sam")
    await next_day(box)
    # A third round (the scheduled one, open since 20:00; /checkin shows it to Alex again):
    # its reveal to Sam waits in the outbox. Sam's last message is its reminder, a nudge.
    await _checkin_open_for_both(alex, sam)
    await type_answer(sam, "Queued words from Sam")
    await alex.press(texts.BTN_WRITE)
    box.fake.fail_next(
        "sendMessage",
        error_code=429,
        description="Too Many Requests",
        retry_after=30,
        chat_id=sam.user_id,
    )
    await alex.send("Queued words from Alex")
    assert "Queued words from Alex" not in "\n".join(sam.chat.texts())

    await alex.send("/delete")
    await alex.press(texts.DELETE_YES)
    await box.advance(timedelta(minutes=5), step=timedelta(seconds=30))

    def shown(user: FakeUser) -> str:
        return "\n".join(user.chat.texts())

    for user in (alex, sam):
        assert "Recent words from Alex" not in shown(user), user
        assert "Recent words from Sam" not in shown(user), user
    assert "Queued words from Alex" not in shown(sam)  # never delivered
    # Older than 48 hours: Telegram no longer allows it; it stays (and /privacy says so).
    assert "Old words from Alex" in shown(sam)
    assert sam.chat.last.text == texts.PAIR_ENDED_NOTICE
    no_error_reply(alex, sam)


async def test_unpair_can_take_back_recent_answers(box: Sandbox, picker: Picker) -> None:
    picker.prefer = "open"
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    await type_answer(alex, "Words from Alex")
    await type_answer(sam, "Words from Sam")
    await sam.send("/unpair")
    await sam.press(texts.UNPAIR_YES_TAKE_BACK)
    assert texts.TAKEN_BACK in sam.chat.last.text
    await box.tick()
    for user in (alex, sam):
        assert not any("Words from" in t for t in user.chat.texts()), user
    assert alex.chat.last.text == texts.PAIR_ENDED_NOTICE


async def test_history_keeps_a_pass_private_for_both_and_quotes_typed_text(
    box: Sandbox, picker: Picker
) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    await alex.press(texts.BTN_SKIP)
    await sam.press("2")
    await next_day(box)
    picker.prefer = "open"
    await open_round(box, alex, sam)
    forged = "ok\nYou: I promise I will never see my friends again"
    await type_answer(alex, forged)
    await type_answer(sam, "Dinner on Friday.")
    for user in (alex, sam):
        await user.send("/history")
        page = user.chat.last
        assert page.protected
        assert texts.KEPT_PRIVATE in page.styled("italic")
        assert "2 of 5" not in page.text  # Sam's answer to the question Alex kept private
        assert forged in page.styled("blockquote")
        partner = "Sam" if user is alex else "Alex"
        assert page.styled("bold") == [texts.REVEAL_YOU, partner]


# ------------------------------------------------------------- what an adversarial run found


async def test_a_forged_history_button_never_turns_another_message_into_a_page(
    box: Sandbox,
) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    await alex.press("4")
    await sam.press("2")
    await alex.send("/settings")
    settings = alex.chat.last
    await alex.press_data(settings.message_id, "h:0")
    assert settings.text.startswith("Your check-ins with Sam")  # not edited into a page
    page = alex.chat.last  # a new page instead, protected like any other
    assert page.text.startswith(texts.HISTORY_HEADER_ONE.format(n=1, total=1))
    assert page.protected and page.message_id != settings.message_id


async def test_a_partners_delete_takes_back_an_export_and_the_authors_own_prompts(
    box: Sandbox, picker: Picker
) -> None:
    picker.prefer = "open"
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    await type_answer(alex, "Alex's words")
    await sam.send("Sam's words")  # shown back to Sam, quoting them
    await sam.press(texts.BTN_TYPED_SEND)
    await alex.send("/export")
    assert alex.chat.last.document is not None
    await sam.send("/delete")
    await sam.press(texts.DELETE_YES)
    await box.tick()
    assert not any(m.document is not None for m in alex.chat.messages)  # the export is gone
    assert not any("Sam's words" in t for u in (alex, sam) for t in u.chat.texts())


async def test_a_stale_send_after_an_edit_of_the_draft_saves_nothing(
    box: Sandbox, picker: Picker
) -> None:
    picker.prefer = "open"
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    sent = await alex.send("draft v1")
    first = alex.chat.last
    await alex.edit(user_message_id(alex, sent), "draft v2")
    data = first.buttons[0][0].callback_data
    assert data is not None
    await alex.press_data(first.message_id, data)  # Send on the prompt that shows v1
    assert alex.chat.toasts[-1] == texts.TYPED_STALE
    assert count(sam, "Alex has answered") == 0
    await alex.press(texts.BTN_TYPED_SEND)  # the newest prompt, showing v2
    assert alex.chat.last.text.startswith("Saved. Your answer: draft v2")


async def test_a_name_cannot_pose_as_the_reveals_lines(box: Sandbox) -> None:
    alex, sam, _ = await pair_up(box, (1001, "You: 1 of 5\u2028Alex\u2066"), (1002, "Sam"))
    await open_round(box, alex, sam)
    await alex.press("5")
    await sam.press("1")
    shown = reveal_of(sam)
    assert "\u2028" not in shown.text and "\u2066" not in shown.text
    assert shown.styled("bold") == [texts.REVEAL_YOU, "You: 1 of 5 Alex"]

    kim, lee, _ = await pair_up(box, (1003, "you"), (1004, "Lee"))
    await open_round(box, kim, lee)
    await kim.press("5")
    await lee.press("1")
    assert reveal_of(lee).styled("bold") == [texts.REVEAL_YOU, texts.REVEAL_PARTNER]


async def test_insights_are_protected(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    await alex.press("4")
    await sam.press("2")
    before = len(alex.chat.messages)
    await alex.send("/insights")
    assert all(m.protected for m in alex.chat.messages[before:])
