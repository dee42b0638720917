"""Simulated Telegram users and the way their updates reach the bot.

A :class:`FakeUser` (made by :meth:`FakeBotAPI.user <bot.emulator.api.FakeBotAPI.user>`) turns
what a person does (send text, open a deep link, press a button, block the bot, ...) into the
update Telegram would send; a :data:`Deliver` callable processes such an update, and
:func:`deliver_to` makes one that feeds a python-telegram-bot Application.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

from telegram import Update

from bot.emulator.formatting import command_entities
from bot.emulator.model import Chat, ChatEvent, SentMessage

if TYPE_CHECKING:
    from telegram.ext import Application


Deliver = Callable[[dict[str, Any]], Awaitable[object]]
"""Something that takes one update (the JSON dict Telegram would send) and processes it."""


class UserHost(Protocol):
    """What a :class:`FakeUser` needs of the emulator that made it (the
    :class:`~bot.emulator.api.FakeBotAPI`; a Protocol so neither module imports the other)."""

    chats: dict[int, Chat]
    blocked: set[int]
    open_callback_queries: dict[str, int]

    def bot_user_json(self) -> dict[str, Any]: ...
    def chat_json(self, chat_id: int) -> dict[str, Any]: ...
    def message_json(self, message: SentMessage) -> dict[str, Any]: ...
    def deep_link_payload(self, url: str) -> str | None: ...
    async def deliver_update(self, update: dict[str, Any], via: Deliver | None = None) -> None: ...
    def next_update_id(self) -> int: ...
    def next_query_id(self) -> str: ...
    def next_file_id(self, prefix: str) -> tuple[str, str]: ...
    def next_message_id(self, chat_id: int) -> int: ...
    def private_chat(self, user_id: int) -> Chat: ...
    def group_chat(self, group_id: int, user_id: int) -> Chat: ...
    def now_timestamp(self) -> int: ...


class FakeUser:
    """A simulated Telegram user talking to the emulated bot.

    Every action builds the update Telegram would send, delivers it (to ``via`` if given, else
    to what :meth:`FakeBotAPI.attach` set, else to the ``getUpdates`` queue) and returns it.

    Attributes:
        user_id: The user's id (also their private chat's id).
        first_name: Display name.
        username: ``@username`` without ``@``, if any.
        language_code: IETF language tag the client reports, if any.
    """

    def __init__(
        self,
        api: UserHost,
        user_id: int,
        first_name: str,
        username: str | None = None,
        language_code: str | None = "en",
    ) -> None:
        """Create a user of ``api``; use :meth:`FakeBotAPI.user` instead of calling this."""
        self.api = api
        self.user_id = user_id
        self.first_name = first_name
        self.username = username
        self.language_code = language_code
        self._last_update: dict[str, Any] | None = None

    def __repr__(self) -> str:
        """Show who this is."""
        return f"FakeUser({self.user_id}, {self.first_name!r})"

    @property
    def chat(self) -> Chat:
        """The user's private chat with the bot.

        Raises:
            LookupError: If the user has not sent the bot anything yet.
        """
        chat = self.api.chats.get(self.user_id)
        if chat is None:
            raise LookupError(f"{self!r} has no chat with the bot yet")
        return chat

    def user_json(self) -> dict[str, Any]:
        """Return this user as a Telegram ``User`` object."""
        result: dict[str, Any] = {
            "id": self.user_id,
            "is_bot": False,
            "first_name": self.first_name,
        }
        if self.username:
            result["username"] = self.username
        if self.language_code:
            result["language_code"] = self.language_code
        return result

    async def _emit(self, payload: dict[str, Any], via: Deliver | None) -> dict[str, Any]:
        """Number an update, remember it for :meth:`resend_last` and deliver it."""
        update = {"update_id": self.api.next_update_id(), **payload}
        self._last_update = update
        await self.api.deliver_update(update, via)
        return update

    async def _message(
        self, chat: Chat, shown: str, content: dict[str, Any], via: Deliver | None
    ) -> dict[str, Any]:
        """Add a user's message to a chat's timeline and deliver it as a ``message`` update."""
        message_id = self.api.next_message_id(chat.chat_id)
        chat.timeline.append(ChatEvent("user", shown, message_id, self.api.now_timestamp()))
        message = {
            "message_id": message_id,
            "from": self.user_json(),
            "chat": self.api.chat_json(chat.chat_id),
            "date": self.api.now_timestamp(),
            **content,
        }
        return await self._emit({"message": message}, via)

    @staticmethod
    def _text_content(text: str) -> dict[str, Any]:
        """Return the text fields of a message, with ``bot_command`` entities."""
        content: dict[str, Any] = {"text": text}
        entities = command_entities(text)
        if entities:
            content["entities"] = entities
        return content

    async def send(self, text: str, *, via: Deliver | None = None) -> dict[str, Any]:
        """Send a text message in the private chat; commands get ``bot_command`` entities.

        Returns:
            The update delivered.
        """
        chat = self.api.private_chat(self.user_id)
        return await self._message(chat, text, self._text_content(text), via)

    async def edit(
        self, message_id: int, text: str, *, via: Deliver | None = None
    ) -> dict[str, Any]:
        """Edit one of the user's own text messages in the private chat: the timeline shows the
        new text and the bot gets an ``edited_message`` update.

        Raises:
            LookupError: If the user sent no message with that id in the chat.
        """
        chat = self.api.private_chat(self.user_id)
        entry = next(
            (
                e
                for e in chat.timeline
                if isinstance(e, ChatEvent) and e.kind == "user" and e.message_id == message_id
            ),
            None,
        )
        if entry is None:
            raise LookupError(f"no message {message_id} of the user in the chat")
        entry.text = text
        message = {
            "message_id": message_id,
            "from": self.user_json(),
            "chat": self.api.chat_json(chat.chat_id),
            "date": entry.date or self.api.now_timestamp(),
            "edit_date": self.api.now_timestamp(),
            **self._text_content(text),
        }
        return await self._emit({"edited_message": message}, via)

    async def open_link(self, url: str, *, via: Deliver | None = None) -> dict[str, Any]:
        """Open a deep link to the bot: the client sends ``/start <payload>`` (or ``/start``).

        Raises:
            ValueError: If ``url`` is not a link to this bot or has an invalid payload.
        """
        payload = self.api.deep_link_payload(url)
        return await self.send(f"/start {payload}" if payload else "/start", via=via)

    async def press(self, text_or_data: str, *, via: Deliver | None = None) -> dict[str, Any]:
        """Press a button in the private chat (see :meth:`Chat.find_button`).

        A callback button sends a ``callback_query`` carrying the message as it currently is;
        a URL button that deep-links to this bot opens that link.

        Raises:
            LookupError: If no button matches.
            ValueError: If the button is a link leading outside this bot.
        """
        message, button = self.chat.find_button(text_or_data)
        if button.callback_data is None:
            if button.url is not None:
                return await self.open_link(button.url, via=via)
            raise ValueError(f"button {button.text!r} sends nothing to the bot")
        return await self._callback(message.message_id, button.callback_data, button.text, via)

    async def press_data(
        self, message_id: int, data: str, *, via: Deliver | None = None
    ) -> dict[str, Any]:
        """Send an arbitrary (possibly forged) callback query for a message id and data.

        If the message does not exist (any more), Telegram's inaccessible-message form
        (``date`` 0) is sent.
        """
        self.api.private_chat(self.user_id)
        return await self._callback(message_id, data, data, via)

    async def press_in_group(
        self, data: str, group_id: int = -100123, message_id: int = 1, *, via: Deliver | None = None
    ) -> dict[str, Any]:
        """Send a (forged) callback query from a message in a group chat the bot is in."""
        chat = self.api.group_chat(group_id, self.user_id)
        return await self._callback(message_id, data, data, via, chat=chat)

    async def _callback(
        self,
        message_id: int,
        data: str,
        label: str,
        via: Deliver | None,
        *,
        chat: Chat | None = None,
    ) -> dict[str, Any]:
        """Deliver a ``callback_query`` for a message (its current state) and register it."""
        chat = chat or self.chat
        chat.timeline.append(ChatEvent("press", label, None, self.api.now_timestamp()))
        found = next((m for m in chat.messages if m.message_id == message_id), None)
        message = (
            self.api.message_json(found)
            if found is not None
            else {"chat": self.api.chat_json(chat.chat_id), "message_id": message_id, "date": 0}
        )
        query_id = self.api.next_query_id()
        self.api.open_callback_queries[query_id] = chat.chat_id
        query = {
            "id": query_id,
            "from": self.user_json(),
            "message": message,
            "chat_instance": str(-(10**18) - self.user_id),
            "data": data,
        }
        return await self._emit({"callback_query": query}, via)

    async def send_sticker(self, *, via: Deliver | None = None) -> dict[str, Any]:
        """Send a sticker in the private chat."""
        file_id, unique = self.api.next_file_id("CAACAgI")
        sticker = {
            "file_id": file_id,
            "file_unique_id": unique,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
        chat = self.api.private_chat(self.user_id)
        return await self._message(chat, "<sticker>", {"sticker": sticker}, via)

    async def send_photo(
        self, *, caption: str | None = None, via: Deliver | None = None
    ) -> dict[str, Any]:
        """Send a photo (optionally captioned) in the private chat."""
        file_id, unique = self.api.next_file_id("AgACAgI")
        sizes = [
            {
                "file_id": f"{file_id}_{size}",
                "file_unique_id": f"{unique}_{size}",
                "width": size,
                "height": size,
                "file_size": size * 40,
            }
            for size in (90, 320, 800)
        ]
        content: dict[str, Any] = {"photo": sizes}
        if caption:
            content["caption"] = caption
        chat = self.api.private_chat(self.user_id)
        shown = f"<photo> {caption}" if caption else "<photo>"
        return await self._message(chat, shown, content, via)

    async def send_voice(self, *, via: Deliver | None = None) -> dict[str, Any]:
        """Send a voice message in the private chat."""
        file_id, unique = self.api.next_file_id("AwACAgI")
        voice = {
            "file_id": file_id,
            "file_unique_id": unique,
            "duration": 3,
            "mime_type": "audio/ogg",
            "file_size": 4096,
        }
        chat = self.api.private_chat(self.user_id)
        return await self._message(chat, "<voice message>", {"voice": voice}, via)

    async def send_in_group(
        self, text: str, group_id: int = -100123, *, via: Deliver | None = None
    ) -> dict[str, Any]:
        """Send a text message in a supergroup the bot is in (commands get entities)."""
        chat = self.api.group_chat(group_id, self.user_id)
        return await self._message(chat, text, self._text_content(text), via)

    async def block(self, *, via: Deliver | None = None) -> dict[str, Any]:
        """Block the bot: later sends to this user get 403; a ``my_chat_member`` update goes out.

        The update says the bot went from ``member`` to ``kicked`` in the private chat.
        """
        self.api.blocked.add(self.user_id)
        bot = self.api.bot_user_json()
        member_update = {
            "chat": self.api.chat_json(self.user_id),
            "from": self.user_json(),
            "date": self.api.now_timestamp(),
            "old_chat_member": {"user": bot, "status": "member"},
            "new_chat_member": {"user": bot, "status": "kicked", "until_date": 0},
        }
        return await self._emit({"my_chat_member": member_update}, via)

    async def unblock(self) -> None:
        """Unblock the bot (no update is sent; the user then sends ``/start`` themselves)."""
        self.api.blocked.discard(self.user_id)

    async def resend_last(self, *, via: Deliver | None = None) -> dict[str, Any]:
        """Deliver this user's previous update again, same ``update_id`` (at-least-once).

        Raises:
            LookupError: If the user has not produced any update yet.
        """
        if self._last_update is None:
            raise LookupError(f"{self!r} has sent nothing yet")
        await self.api.deliver_update(self._last_update, via)
        return self._last_update


def deliver_to(application: Application[Any, Any, Any, Any, Any, Any]) -> Deliver:
    """Return a deliver callable that feeds updates to ``application.process_update``.

    The application must be initialized (``async with application:``) before delivering.
    """

    async def deliver(data: dict[str, Any]) -> None:
        """Turn the JSON into an Update and let the application process it."""
        await application.process_update(Update.de_json(data, application.bot))

    return deliver
