"""The Bot API emulator's replies and keyboard removals (issue 12), as Telegram answers them:
``reply_parameters`` to a message of the chat, refused for a message that is gone unless
``allow_sending_without_reply``; ``editMessageReplyMarkup`` without a markup removes the
keyboard, and refuses a second removal, a missing message and a user's message."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters
from telegram.error import BadRequest

from bot.emulator import FakeBotAPI, deliver_to
from tests.e2e.test_emulator import NOW, Seen, build_app

AnyApp = Any


@pytest.fixture
async def app() -> AsyncIterator[tuple[FakeBotAPI, AnyApp]]:
    fake = FakeBotAPI(clock=lambda: NOW)
    application = build_app(fake, Seen())
    fake.attach(deliver_to(application))
    async with application:
        yield fake, application


async def test_a_reply_points_at_its_message_or_goes_without_it(
    app: tuple[FakeBotAPI, AnyApp],
) -> None:
    fake, application = app
    await fake.user(1, "Alice").send("hi")
    bot = application.bot
    question = await bot.send_message(1, "The question")
    await bot.send_message(1, "Nudge", reply_parameters=ReplyParameters(question.message_id))
    assert fake.chats[1].last.reply_to == question.message_id
    await bot.delete_message(1, question.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(1, "Nudge", reply_parameters=ReplyParameters(question.message_id))
    gone = ReplyParameters(question.message_id, allow_sending_without_reply=True)
    await bot.send_message(1, "Nudge anyway", reply_parameters=gone)
    assert fake.chats[1].last.text == "Nudge anyway" and fake.chats[1].last.reply_to is None


async def test_removing_a_keyboard_and_its_refusals(app: tuple[FakeBotAPI, AnyApp]) -> None:
    fake, application = app
    alice = fake.user(1, "Alice")
    await alice.send("hi")
    bot = application.bot
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("1", callback_data="a:1")]])
    sent = await bot.send_message(1, "Question", reply_markup=keyboard)
    await bot.edit_message_reply_markup(chat_id=1, message_id=sent.message_id)
    assert fake.chats[1].last.buttons == [] and fake.chats[1].last.edited
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(chat_id=1, message_id=sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_reply_markup(chat_id=1, message_id=999)
    users_own = await alice.send("my message")
    with pytest.raises(BadRequest, match=r"(?i)message can't be edited"):
        await bot.edit_message_reply_markup(
            chat_id=1, message_id=users_own["message"]["message_id"]
        )
