"""End-to-end: deleting your data, and blocking the bot and coming back (for you and for
your partner)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot import texts
from bot.emulator import FakeUser
from bot.sandbox import Sandbox
from tests.conftest import make_pair, open_round
from tests.e2e.helpers import box_transcript, count, logged, no_error_reply

pytestmark = pytest.mark.usefixtures("no_crash")


async def test_delete_my_data(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    await alex.press("4")
    await alex.send("/delete")
    # Said before it is done: the partner will notice the shared history going.
    assert alex.chat.last.text == texts.DELETE_CONFIRM + "\n\n" + texts.DELETE_CONFIRM_PARTNER
    await alex.press("Yes, delete my data")
    assert alex.chat.last.text == texts.DELETE_DONE + "\n\n" + texts.TAKEN_BACK
    assert sam.chat.last.text == texts.PAIR_ENDED_NOTICE
    from bot.storage.tables import answers, users

    async with box.runtime.engine.connect() as conn:
        assert (await conn.execute(select(users).where(users.c.id == 1001))).first() is None
        assert (
            await conn.execute(select(answers).where(answers.c.user_id == 1001))
        ).first() is None


async def test_delete_twice_is_harmless_and_the_partner_hears_once(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await alex.send("/delete")
    confirm = alex.chat.last
    await alex.press(texts.DELETE_YES)
    await alex.press_data(confirm.message_id, "delete:y")  # the same button again
    await alex.send("/delete")
    # Alex is nobody to Tandem now: nothing about a partner in the question.
    assert alex.chat.last.text == texts.DELETE_CONFIRM
    await alex.press(texts.DELETE_YES)
    assert alex.chat.last.text.startswith(texts.DELETE_DONE)
    assert count(sam, texts.PAIR_ENDED_NOTICE) == 1
    await alex.send("/export")
    assert alex.chat.last.text == texts.DATA_EXPORT_NOTHING
    no_error_reply(alex, sam)


async def test_partner_who_blocked_during_the_round_gets_the_reveal_when_back(
    box: Sandbox,
) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    await alex.press("4")
    await alex.block()
    await sam.press("2")
    assert texts.REVEAL_HEADER in sam.chat.messages[-2].text
    assert not any(t.startswith(texts.REVEAL_HEADER) for t in alex.chat.texts())
    await alex.unblock()
    await alex.send("/start")
    reveal = next(t for t in alex.chat.texts() if t.startswith(texts.REVEAL_HEADER))
    assert "You: 4 of 5" in reveal and "Sam: 2 of 5" in reveal


async def test_back_after_blocking_hears_that_the_partner_ended_the_pair(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await sam.block()
    await alex.send("/unpair")
    await alex.press(texts.UNPAIR_YES)
    await sam.unblock()
    await sam.send("/start")
    assert any(t == texts.PAIR_ENDED_MEANWHILE for t in sam.chat.texts())


# ------------------------------------------------------- bad input: the bot blocked by a partner


def sends_to(box: Sandbox, user: FakeUser) -> int:
    return sum(str(c.get("chat_id")) == str(user.user_id) for c in box.fake.calls("sendMessage"))


async def test_block_update_holds_checkins_until_start(
    box: Sandbox, no_crash: pytest.LogCaptureFixture
) -> None:
    alex, sam = await make_pair(box)  # daily at 20:00 Berlin = 19:00 UTC

    await sam.block()
    await sam.block()  # a second my_chat_member update changes nothing

    assert count(alex, texts.CHECKINS_PAUSED_NOTICE) == 1
    assert alex.chat.last.text == texts.CHECKINS_PAUSED_NOTICE
    assert logged(no_crash, "marked inactive")
    sam_sends = sends_to(box, sam)
    alex_before = len(alex.chat.messages)

    # Past the scheduled time: no question to anyone.
    await box.advance(timedelta(hours=12), step=timedelta(hours=1))
    assert len(alex.chat.messages) == alex_before
    assert sends_to(box, sam) == sam_sends
    assert count(alex, "Check-in ·") == 0

    await alex.send("/checkin")
    assert alex.chat.last.text == texts.CHECKIN_ON_HOLD
    await alex.send("/settings")
    assert texts.STATUS_HELD in alex.chat.last.text
    assert sends_to(box, sam) == sam_sends

    await sam.unblock()
    await sam.send("/start")
    assert texts.WELCOME_BACK.format(name="Sam") in sam.chat.texts()
    # 22:00 in Berlin: Alex hears of it when their quiet hours end (issue 12).
    assert count(alex, "Your check-ins are running again") == 0
    assert count(alex, texts.CHECKINS_PAUSED_NOTICE) == 1

    # Check-ins resume: the next scheduled one reaches both.
    await box.advance(timedelta(hours=24), step=timedelta(hours=1))
    assert count(alex, "Your check-ins are running again") == 1
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
    assert count(alex, texts.CHECKINS_PAUSED_NOTICE) == 1
    assert logged(no_crash, "marked inactive")

    # More activity does not repeat the notice and does not crash.
    await alex.press("3")
    assert alex.chat.toasts[-1] == texts.ANSWER_TOAST
    await alex.send("/checkin")
    assert alex.chat.last.text == texts.CHECKIN_ON_HOLD
    await box.advance(timedelta(hours=36), step=timedelta(hours=2))
    assert count(alex, texts.CHECKINS_PAUSED_NOTICE) == 1
    assert count(alex, "Check-in ·") == 1  # no scheduled round while Sam is gone
    await alex.send("/settings")
    assert texts.STATUS_HELD in alex.chat.last.text
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
    assert count(alex, "Your check-ins are running again") == 1
    if count(sam, "Check-in ·") == 0:
        await sam.send("/checkin")
    await box.advance(timedelta(minutes=30), step=timedelta(minutes=10))  # still open
    assert count(sam, "Check-in ·") == 1, box_transcript(sam)

    await sam.press("4")
    reveal = next(m.text for m in alex.chat.messages if texts.REVEAL_HEADER in m.text)
    assert "You: 3 of 5\nSam: 4 of 5" in reveal
    assert count(sam, texts.REVEAL_HEADER) == 1
    no_error_reply(alex, sam)


async def test_delete_by_someone_who_never_paired_speaks_of_no_second_chat(box: Sandbox) -> None:
    kim = box.fake.user(1003, "Kim")
    await kim.send("/start")
    await kim.send("/delete")
    await kim.press(texts.DELETE_YES)
    assert kim.chat.last.text == texts.DELETE_DONE
