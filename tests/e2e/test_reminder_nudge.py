"""End-to-end: a reminder is a short nudge that points at the open question (a reply to it)
instead of repeating it (issue 12): one short message per partner who has not answered."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from bot import texts
from bot.domain.people import fmt_local
from bot.emulator import FakeUser
from bot.emulator.model import SentMessage
from bot.sandbox import Sandbox
from bot.storage.tables import round_messages
from tests.conftest import make_pair, texts_since
from tests.e2e.helpers import labels

HALFWAY = timedelta(hours=12)  # a daily round at 20:00: its reminder comes at 08:00


def _question(user: FakeUser) -> SentMessage:
    for message in reversed(user.chat.messages):
        if "Check-in \u00b7" in message.text:
            return message
    raise AssertionError(f"no question in {user!r}'s chat")


async def _scheduled_round(box: Sandbox, alex: FakeUser) -> None:
    due = await box.runtime.tandem.next_round_at_for(alex.user_id)
    assert due is not None
    box.clock.set(due)
    await box.tick()


async def test_an_unanswered_day_costs_one_short_nudge_per_partner(box: Sandbox) -> None:
    alex, sam = await make_pair(box)  # daily at 20:00 Berlin
    await _scheduled_round(box, alex)
    opened = fmt_local(box.clock.now(), "Europe/Berlin")
    before = {u.user_id: len(u.chat.messages) for u in (alex, sam)}
    await box.advance(HALFWAY, step=timedelta(hours=1))
    for user in (alex, sam):
        (nudge,) = user.chat.messages[before[user.user_id] :]
        assert nudge.text == texts.REMINDER_NUDGE.format(opened=opened)
        assert labels(nudge) == []  # it points, it doesn't repeat
        question = _question(user)
        assert nudge.reply_to == question.message_id and labels(question) != []
        assert question.text not in nudge.text


async def test_a_nudge_for_a_question_no_longer_in_the_chat_still_comes(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await _scheduled_round(box, alex)
    await box.app.bot.delete_message(chat_id=sam.user_id, message_id=_question(sam).message_id)
    before = len(sam.chat.messages)
    await box.advance(HALFWAY, step=timedelta(hours=1))
    (nudge,) = sam.chat.messages[before:]
    assert nudge.text.startswith("A gentle nudge") and nudge.reply_to is None


async def test_without_the_questions_id_the_reminder_repeats_it_and_it_closes_too(
    box: Sandbox,
) -> None:
    alex, sam = await make_pair(box)
    await _scheduled_round(box, alex)
    async with box.runtime.engine.begin() as conn:  # as for a question sent before 0017
        await conn.execute(delete(round_messages))
    before = len(sam.chat.messages)
    await box.advance(HALFWAY, step=timedelta(hours=1))
    (again,) = sam.chat.messages[before:]
    assert again.text.startswith(texts.REMINDER_HEADER + "\n\nCheck-in \u00b7")
    assert "3" in labels(again)
    await alex.press("3")
    await sam.press("3")  # on the newest copy: the reminder's
    assert labels(again) == []  # the copy the reminder sent loses its buttons at the reveal
    assert any(t.startswith(texts.REVEAL_HEADER) for t in texts_since(sam, before))
