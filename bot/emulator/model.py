"""What a chat shows: the bot's messages with their buttons, and the chat's timeline.

:class:`Chat` holds a chat as one side sees it; :class:`SentMessage` is a bot message in its
current state (after edits), :class:`Button` one of its inline keyboard buttons, and
:class:`ChatEvent` anything else in the timeline (a user's message, a button press, a toast).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass
class Button:
    """One inline keyboard button as the user sees it.

    Attributes:
        text: The label.
        callback_data: The data sent back when pressed (callback buttons), else ``None``.
        url: The link opened when pressed (URL buttons), else ``None``.
    """

    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass
class SentMessage:
    """A message the bot sent, in its current state (after any edits).

    Attributes:
        message_id: Its id, unique within the chat (shared with the user's own messages).
        chat_id: The chat it is in.
        text: The text as displayed: markup from ``parse_mode`` already applied (tags and
            escapes removed) and leading/trailing whitespace stripped, as Telegram stores it.
            For a photo, its caption (possibly empty).
        buttons: The inline keyboard, row by row (empty when there is none).
        edited: Whether it was edited since it was sent.
        photo: For a photo message, the uploaded bytes (or the file id/URL sent, UTF-8
            encoded); ``None`` for a text message.
        document: For a document message, the uploaded bytes; ``None`` otherwise.
        file_name: The document's file name, as uploaded.
        parse_mode: The ``parse_mode`` the last send/edit used, if any.
        entities: The formatting entities Telegram derived (UTF-16 offsets), as JSON dicts.
        date: Unix time it was sent (from the emulator's clock).
        edit_date: Unix time of the last edit, if any.
        reply_markup: The inline keyboard as Telegram echoes it back (JSON dict), if any.
        protected: Sent with ``protect_content``: clients that honour it offer no forwarding
            or saving (``has_protected_content`` in Telegram's message).
        reply_to: The id of the message of the chat this one replies to (``reply_parameters``),
            if any and if that message was still there.
        silent: Sent with ``disable_notification``: the user's phone made no sound for it
            (Telegram does not echo this back; the emulator records what the bot asked).
    """

    message_id: int
    chat_id: int
    text: str
    buttons: list[list[Button]]
    edited: bool = False
    photo: bytes | None = None
    document: bytes | None = None
    file_name: str | None = None
    parse_mode: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    protected: bool = False
    silent: bool = False
    date: int = 0
    edit_date: int | None = None
    reply_markup: dict[str, Any] | None = field(default=None, repr=False)
    reply_to: int | None = None

    def styled(self, kind: str) -> list[str]:
        """The pieces of the text an entity of type ``kind`` covers (``"bold"``,
        ``"blockquote"``, ...), in order: what the client shows in that style."""
        units = self.text.encode("utf-16-le", "surrogatepass")
        return [
            units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode(
                "utf-16-le", "surrogatepass"
            )
            for e in self.entities
            if e.get("type") == kind
        ]


@dataclass
class ChatEvent:
    """Something in a chat's timeline that is not a bot message.

    Attributes:
        kind: ``"user"`` for a message the user sent (text, or a placeholder such as
            ``<sticker>``), ``"press"`` for a button press (``text`` is the label or data),
            ``"toast"`` for an ``answerCallbackQuery`` notification.
        text: What to show.
        message_id: The message id of a user's message; ``None`` otherwise.
    """

    kind: Literal["user", "press", "toast"]
    text: str
    message_id: int | None = None
    date: int | None = None  # unix time, for user messages and presses


@dataclass
class Chat:
    """A chat as one side sees it: the bot's messages, toasts and the full timeline.

    Attributes:
        chat_id: The chat id (the user id for a private chat; negative for a group).
        messages: The bot's messages still present (deleted ones are removed), oldest first.
        toasts: Texts of ``answerCallbackQuery`` notifications, oldest first.
        timeline: Bot messages and :class:`ChatEvent` entries in the order they happened.
    """

    chat_id: int
    messages: list[SentMessage] = field(default_factory=list)
    toasts: list[str] = field(default_factory=list)
    timeline: list[SentMessage | ChatEvent] = field(default_factory=list, repr=False)

    def texts(self) -> list[str]:
        """Return the current text of every bot message in the chat, oldest first."""
        return [message.text for message in self.messages]

    @property
    def last(self) -> SentMessage:
        """The newest bot message in the chat.

        Raises:
            LookupError: If the bot has sent nothing (that is still there) in this chat.
        """
        if not self.messages:
            raise LookupError(f"the bot has no message in chat {self.chat_id}")
        return self.messages[-1]

    def find_button(self, text_or_data: str) -> tuple[SentMessage, Button]:
        """Find a button in the chat, preferring better matches, then newer messages.

        Tries, in order, each over all messages newest first: a button whose label equals
        ``text_or_data``; a button whose label contains it (case-insensitive); a button whose
        ``callback_data`` equals it.

        Returns:
            The message holding the button and the button.

        Raises:
            LookupError: If no button matches.
        """
        needle = text_or_data.casefold()
        checks: tuple[Callable[[Button], bool], ...] = (
            lambda button: button.text == text_or_data,
            lambda button: needle in button.text.casefold(),
            lambda button: button.callback_data == text_or_data,
        )
        newest_first = list(reversed(self.messages))
        for check in checks:
            for message in newest_first:
                for row in message.buttons:
                    for button in row:
                        if check(button):
                            return message, button
        labels = [button.text for m in self.messages for row in m.buttons for button in row]
        raise LookupError(
            f"no button matching {text_or_data!r} in chat {self.chat_id}; buttons: {labels}"
        )
