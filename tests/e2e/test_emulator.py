"""The Bot API emulator answers a real python-telegram-bot Application like Telegram does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
)

from bot.emulator import DEFAULT_TOKEN, FakeBotAPI, deliver_to

NOW = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)

AnyApp = Application[Any, Any, Any, Any, Any, Any]


@dataclass
class Seen:
    """What the echo handlers observed."""

    starts: list[list[str]] = field(default_factory=list)
    presses: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    update_ids: list[int] = field(default_factory=list)
    handled: asyncio.Event = field(default_factory=asyncio.Event)


def build_app(fake: FakeBotAPI, seen: Seen, *, updater: bool = False) -> AnyApp:
    """An Application with /start and a button handler, talking to ``fake``."""
    builder = ApplicationBuilder().token(DEFAULT_TOKEN).request(fake).get_updates_request(fake)
    if not updater:
        builder = builder.updater(None)
    app = builder.build()

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_user is not None and update.effective_message is not None
        seen.starts.append(list(context.args or []))
        seen.update_ids.append(update.update_id)
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton("Yes", callback_data="ans:yes"),
                    InlineKeyboardButton("No", callback_data="ans:no"),
                ]
            ]
        )
        await update.effective_message.reply_text(
            f"Hello, {update.effective_user.first_name}!", reply_markup=keyboard
        )
        seen.handled.set()

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None
        seen.presses.append(query.data)
        await query.answer("Saved")
        await query.edit_message_text(f"You chose {query.data.removeprefix('ans:')}")

    async def member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.my_chat_member is not None
        seen.statuses.append(update.my_chat_member.new_chat_member.status)

    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    app.add_handler(ChatMemberHandler(member, ChatMemberHandler.MY_CHAT_MEMBER))
    return app


@pytest.fixture
def fake() -> FakeBotAPI:
    """An emulator with a fixed clock."""
    return FakeBotAPI(clock=lambda: NOW)


@pytest.fixture
def seen() -> Seen:
    """A fresh record of handler calls."""
    return Seen()


@pytest.fixture
async def app(fake: FakeBotAPI, seen: Seen) -> AsyncIterator[AnyApp]:
    """An initialized Application with updates delivered straight to process_update."""
    application = build_app(fake, seen)
    fake.attach(deliver_to(application))
    async with application:
        yield application


async def test_start_reply_shows_in_transcript(fake: FakeBotAPI, app: AnyApp) -> None:
    alice = fake.user(1, "Alice")
    update = await alice.send("/start")

    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert fake.transcript(1) == "> /start\n\nHello, Alice!\n[Yes] [No]"
    assert alice.chat.last.date == int(NOW.timestamp())
    assert app.bot.username == "TandemBot"


async def test_deep_link_and_button_press(fake: FakeBotAPI, app: AnyApp, seen: Seen) -> None:
    alice = fake.user(1, "Alice")
    await alice.open_link("https://t.me/TandemBot?start=inv_Ab-9")
    assert seen.starts == [["inv_Ab-9"]]
    with pytest.raises(ValueError, match="does not open"):
        await alice.open_link("https://t.me/OtherBot?start=x")
    with pytest.raises(ValueError, match="payload"):
        await alice.open_link("https://t.me/TandemBot?start=bad+payload!")

    update = await alice.press("yes")  # label match, case-insensitive

    assert update["callback_query"]["message"]["reply_markup"]["inline_keyboard"][0][0] == {
        "text": "Yes",
        "callback_data": "ans:yes",
    }
    assert seen.presses == ["ans:yes"]
    assert alice.chat.toasts == ["Saved"]
    # The edit did not repeat the keyboard, so Telegram removed it.
    assert alice.chat.last.text == "You chose yes"
    assert alice.chat.last.buttons == []
    assert alice.chat.last.edited
    assert fake.transcript(1).endswith("> pressed [Yes]\n\n(toast: Saved)")
    with pytest.raises(LookupError):
        await alice.press("No")
    assert fake.open_callback_queries == {}


async def test_text_limits_count_utf16_after_stripping(fake: FakeBotAPI, app: AnyApp) -> None:
    await fake.user(1, "Alice").send("hi")
    bot = app.bot

    await bot.send_message(1, "x" * 4096)
    await bot.send_message(1, "  \n" + "x" * 4096 + "\n ")  # surrounding whitespace is stripped
    await bot.send_message(1, "😀" * 2048)  # 4096 UTF-16 code units
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(1, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(1, "a" * 4095 + "😀")  # 4096 characters, 4097 code units
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(1, " \n ")
    assert fake.chats[1].last.text == "😀" * 2048


async def test_callback_data_over_64_bytes_is_refused(fake: FakeBotAPI, app: AnyApp) -> None:
    await fake.user(1, "Alice").send("hi")

    def keyboard(data: str) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup([[InlineKeyboardButton("go", callback_data=data)]])

    await app.bot.send_message(1, "ok", reply_markup=keyboard("é" * 32))  # 64 bytes
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await app.bot.send_message(1, "too long", reply_markup=keyboard("é" * 32 + "x"))
    assert fake.chats[1].texts() == ["ok"]


async def test_unknown_and_blocked_chats(fake: FakeBotAPI, app: AnyApp, seen: Seen) -> None:
    alice = fake.user(1, "Alice")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await app.bot.send_message(1, "hello?")
    await alice.send("/start")

    await alice.block()

    assert seen.statuses == ["kicked"]
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await app.bot.send_message(1, "still there?")
    await alice.unblock()
    await app.bot.send_message(1, "welcome back")
    assert alice.chat.last.text == "welcome back"


async def test_injected_429_raises_retry_after(
    fake: FakeBotAPI, app: AnyApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # PTB warns about int retry_after otherwise
    await fake.user(1, "Alice").send("hi")
    fake.fail_next(
        "sendMessage", error_code=429, description="Too Many Requests: retry after 7", retry_after=7
    )

    with pytest.raises(RetryAfter) as caught:
        await app.bot.send_message(1, "one")

    assert caught.value.retry_after == timedelta(seconds=7)
    await app.bot.send_message(1, "two")
    assert fake.chats[1].texts() == ["two"]
    assert [p["text"] for p in fake.calls("sendMessage")] == ["one", "two"]


async def test_identical_edit_is_not_modified(fake: FakeBotAPI, app: AnyApp) -> None:
    await fake.user(1, "Alice").send("hi")
    sent = await app.bot.send_message(1, "<b>Same</b>", parse_mode="HTML")

    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await app.bot.edit_message_text(
            "<b>Same</b>", chat_id=1, message_id=sent.message_id, parse_mode="HTML"
        )
    # Dropping the bold is a change, even though the visible text is the same.
    await app.bot.edit_message_text("Same", chat_id=1, message_id=sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await app.bot.edit_message_text("x", chat_id=1, message_id=999)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await app.bot.edit_message_reply_markup(chat_id=1, message_id=sent.message_id)


async def test_parse_modes_are_applied_and_checked(fake: FakeBotAPI, app: AnyApp) -> None:
    await fake.user(1, "Alice").send("hi")

    await app.bot.send_message(1, "😀 <b>Hi</b> &lt;3", parse_mode="HTML")
    last = fake.chats[1].last
    assert last.text == "😀 Hi <3"
    assert last.parse_mode == "HTML"
    assert last.entities == [{"type": "bold", "offset": 3, "length": 2}]
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await app.bot.send_message(1, "<b>unclosed", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await app.bot.send_message(1, "Done.", parse_mode="MarkdownV2")
    await app.bot.send_message(1, "*Done*\\.", parse_mode="MarkdownV2")
    assert fake.chats[1].last.text == "Done."


async def test_command_entities_use_utf16_offsets(fake: FakeBotAPI) -> None:
    bob = fake.user(2, "Bob")
    update = await bob.send("hi 😀 /help@TandemBot now")
    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 6, "length": 15}]

    group_update = await bob.send_in_group("/start")
    assert group_update["message"]["chat"]["type"] == "supergroup"
    assert group_update["message"]["entities"][0]["length"] == 6
    assert group_update["update_id"] == update["update_id"] + 1


async def test_resend_last_repeats_the_update_id(fake: FakeBotAPI, app: AnyApp, seen: Seen) -> None:
    alice = fake.user(1, "Alice")
    first = await alice.send("/start")
    again = await alice.resend_last()
    assert again["update_id"] == first["update_id"]
    assert seen.update_ids == [first["update_id"]] * 2


async def test_callback_queries_can_be_answered_once(fake: FakeBotAPI, app: AnyApp) -> None:
    alice = fake.user(1, "Alice")
    await alice.send("hi")
    forged = await alice.press_data(42, "ans:yes")  # no such message: inaccessible form

    assert forged["callback_query"]["message"]["date"] == 0
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await app.bot.answer_callback_query(forged["callback_query"]["id"], text="again")
    with pytest.raises(BadRequest, match=r"(?i)method not emulated"):
        await app.bot.send_dice(1)
    assert fake.unemulated == ["sendDice"]


async def test_send_photo_and_commands(fake: FakeBotAPI, app: AnyApp) -> None:
    await fake.user(1, "Alice").send("hi")
    await app.bot.send_photo(1, photo=b"\x89PNG fake", caption="Chart")
    await app.bot.set_my_commands([("start", "Start"), ("settings", "Your schedule")])

    assert fake.chats[1].last.photo == b"\x89PNG fake"
    assert fake.transcript(1).endswith("[photo] Chart")
    assert [c["command"] for c in fake.commands] == ["start", "settings"]
    assert [c.command for c in await app.bot.get_my_commands()] == ["start", "settings"]


async def test_protect_content_is_recorded_and_echoed(fake: FakeBotAPI, app: AnyApp) -> None:
    await fake.user(1, "Alice").send("hi")
    sent = await app.bot.send_document(
        1, document=b'{"a": 1}', filename="data.json", protect_content=True
    )
    plain = await app.bot.send_message(1, "plain")
    assert sent.has_protected_content and not plain.has_protected_content
    document, text = fake.chats[1].messages[-2:]
    assert document.protected and document.file_name == "data.json"
    assert document.document == b'{"a": 1}'
    assert not text.protected


async def test_polling_with_get_updates(fake: FakeBotAPI, seen: Seen) -> None:
    application = build_app(fake, seen, updater=True)
    async with application:
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=1)
        await application.start()
        try:
            await fake.user(1, "Alice").send("/start")
            await asyncio.wait_for(seen.handled.wait(), timeout=5)
        finally:
            await application.updater.stop()
            await application.stop()

    assert fake.transcript(1) == "> /start\n\nHello, Alice!\n[Yes] [No]"
    assert any(name == "getUpdates" for name, _ in fake.requests)


async def test_messages_can_be_deleted_only_within_48_hours(seen: Seen) -> None:
    now = [NOW]
    fake = FakeBotAPI(clock=lambda: now[0])
    application = build_app(fake, seen)
    fake.attach(deliver_to(application))
    async with application:
        alice = fake.user(1, "Alice")
        update = await alice.send("/start")  # the user's command and the bot's reply
        command_id = update["message"]["message_id"]
        reply_id = alice.chat.last.message_id
        await application.bot.send_message(1, "Later")
        await application.bot.send_message(1, "Much later")
        later_id, much_later_id = (m.message_id for m in alice.chat.messages[-2:])

        assert await application.bot.delete_message(1, command_id)
        assert await application.bot.delete_message(1, reply_id)
        with pytest.raises(BadRequest, match="to delete not found"):
            await application.bot.delete_message(1, reply_id)
        now[0] = NOW + timedelta(hours=47, minutes=59)
        assert await application.bot.delete_message(1, later_id)
        now[0] = NOW + timedelta(hours=48)
        with pytest.raises(BadRequest, match="be deleted for everyone"):
            await application.bot.delete_message(1, much_later_id)

    assert alice.chat.texts() == ["Much later"]
    assert "/start" not in fake.transcript(1)
