"""An in-process emulation of the Telegram Bot API, at python-telegram-bot's request boundary.

:class:`FakeBotAPI` is a :class:`telegram.request.BaseRequest`: give it to
``ApplicationBuilder().token(DEFAULT_TOKEN).request(fake).get_updates_request(fake)`` and the
real :class:`telegram.ext.Application` talks to it instead of ``api.telegram.org`` — no network.
It answers like Telegram does, with the same JSON bodies and HTTP status codes, refusals
included (text over 4096 UTF-16 code units, callback data over 64 bytes, "message is not
modified", 403 for a user who blocked the bot, 429 with ``retry_after`` on demand), so
python-telegram-bot raises the very exceptions it raises in production.

Simulated people are :class:`FakeUser` objects made by :meth:`FakeBotAPI.user`. What they do
(send text, open a deep link, press a button, block the bot, ...) becomes an update dict exactly
as Telegram would send it, delivered to the callable given to :meth:`FakeBotAPI.attach` (or to
a ``via=`` callable per action), or, when there is none, queued for ``getUpdates`` polling.
What each chat shows is kept in :class:`Chat` objects and rendered by
:meth:`FakeBotAPI.transcript`.

Typical use::

    fake = FakeBotAPI(clock=clock.now)
    builder = ApplicationBuilder().token(DEFAULT_TOKEN).request(fake).get_updates_request(fake)
    app = builder.updater(None).build()
    fake.attach(deliver_to(app))
    async with app:
        alice = fake.user(1, "Alice")
        await alice.send("/start")
        await alice.press("Yes")
        print(fake.transcript(1))
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final, Literal
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from telegram import Update
from telegram._utils.types import ODVInput
from telegram.request import BaseRequest, RequestData

if TYPE_CHECKING:
    from telegram.ext import Application

__all__ = [
    "DEFAULT_TOKEN",
    "Button",
    "Chat",
    "ChatEvent",
    "Deliver",
    "FakeBotAPI",
    "FakeUser",
    "SentMessage",
    "command_entities",
    "deliver_to",
    "utf16_length",
]

DEFAULT_TOKEN: Final[str] = "123456789:AAFakeTokenForTheEmulatorOnly_0123456789"
"""A well-formed bot token whose bot id (``123456789``) is :class:`FakeBotAPI`'s default."""

_TOKEN_SECRET: Final[str] = DEFAULT_TOKEN.partition(":")[2]

Deliver = Callable[[dict[str, Any]], Awaitable[object]]
"""Something that takes one update (the JSON dict Telegram would send) and processes it."""

MAX_TEXT_LENGTH: Final[int] = 4096
MAX_CAPTION_LENGTH: Final[int] = 1024
#: Where an uploaded file's name is kept among a call's parameters (internal to the emulator).
FILE_NAME_PREFIX: Final[str] = "__file_name__"
MAX_CALLBACK_DATA_BYTES: Final[int] = 64
MAX_TOAST_LENGTH: Final[int] = 200

_NOT_MODIFIED: Final[str] = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_QUERY_TOO_OLD: Final[str] = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)
_COMMAND_RE: Final[re.Pattern[str]] = re.compile(
    r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{1,32})?(?![A-Za-z0-9_@/])"
)
_PAYLOAD_RE: Final[re.Pattern[str]] = re.compile(r"[A-Za-z0-9_-]{1,64}")
_BOT_COMMAND_NAME_RE: Final[re.Pattern[str]] = re.compile(r"[a-z0-9_]{1,32}")
_CHAT_ACTIONS: Final[frozenset[str]] = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_OTHER_BUTTON_KINDS: Final[frozenset[str]] = frozenset(
    {
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)


def _utcnow() -> datetime:
    """Return the current instant as an aware UTC datetime (the default clock)."""
    return datetime.now(UTC)


def utf16_length(text: str) -> int:
    """Return the length of ``text`` in UTF-16 code units, the unit Telegram counts in.

    Characters outside the Basic Multilingual Plane (most emoji) count as two.
    """
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def command_entities(text: str) -> list[dict[str, Any]]:
    """Return the ``bot_command`` entities Telegram attaches to a message with this text.

    A command is ``/`` followed by 1–32 of ``A-Za-z0-9_`` (optionally ``@botname``) at the start
    of the text or after whitespace. Offsets and lengths are in UTF-16 code units, as in the
    Bot API, so an emoji before a command shifts its offset by two.
    """
    return [
        {
            "type": "bot_command",
            "offset": utf16_length(text[: match.start()]),
            "length": utf16_length(match.group()),
        }
        for match in _COMMAND_RE.finditer(text)
    ]


# --------------------------------------------------------------------------------------------
# What a chat shows
# --------------------------------------------------------------------------------------------


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
    date: int = 0
    edit_date: int | None = None
    reply_markup: dict[str, Any] | None = field(default=None, repr=False)


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


# --------------------------------------------------------------------------------------------
# Refusals and text formatting
# --------------------------------------------------------------------------------------------


class _Refusal(Exception):
    """An error response of the Bot API, raised inside the emulator and turned into JSON."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> bytes:
        """Return the response body exactly as Telegram shapes it."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return json.dumps(body).encode()


def _bad_request(description: str) -> _Refusal:
    """Return a 400 refusal; ``description`` without the ``Bad Request: `` prefix."""
    return _Refusal(HTTPStatus.BAD_REQUEST, f"Bad Request: {description}")


def _parse_error(detail: str) -> _Refusal:
    """Return the 400 refusal Telegram gives for malformed ``parse_mode`` markup."""
    return _bad_request(f"can't parse entities: {detail}")


_HTML_TAGS: Final[dict[str, str]] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


class _HtmlEntities(HTMLParser):
    """Parse Telegram's HTML subset into plain text and entities, refusing what it refuses."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self._source = source
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self._parts: list[str] = []
        self._length = 0
        self._open: list[tuple[str, int, str, dict[str, Any]]] = []
        self._entities: list[dict[str, Any]] = []

    def _byte_offset(self) -> int:
        """Return the UTF-8 byte offset of the tag being handled, as Telegram reports it."""
        line, column = self.getpos()
        return len(self._source[: self._line_starts[line - 1] + column].encode())

    def handle_data(self, data: str) -> None:
        """Append text."""
        self._parts.append(data)
        self._length += utf16_length(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open an entity, refusing tags Telegram does not support."""
        kind = _HTML_TAGS.get(tag)
        if kind is None:
            raise _parse_error(
                f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}'
            )
        attributes = dict(attrs)
        extra: dict[str, Any] = {}
        if tag == "span" and attributes.get("class") != "tg-spoiler":
            raise _parse_error(
                f'Tag "span" must have class "tg-spoiler" at byte offset {self._byte_offset()}'
            )
        if tag == "a" and attributes.get("href"):
            extra["url"] = attributes["href"]
        if tag == "blockquote" and "expandable" in attributes:
            kind = "expandable_blockquote"
        if tag == "tg-emoji":
            extra["custom_emoji_id"] = attributes.get("emoji-id") or ""
        if tag == "code" and self._open and self._open[-1][0] == "pre":
            language = (attributes.get("class") or "").removeprefix("language-")
            if language:
                self._open[-1][3]["language"] = language
        self._open.append((tag, self._length, kind, extra))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Treat ``<tag/>`` as an empty element."""
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        """Close the innermost entity, refusing mismatched or unexpected end tags."""
        if not self._open:
            raise _parse_error(f"Unexpected end tag at byte offset {self._byte_offset()}")
        open_tag, start, kind, extra = self._open.pop()
        if open_tag != tag:
            raise _parse_error(
                f"Unmatched end tag at byte offset {self._byte_offset()}, "
                f'expected "</{open_tag}>", found "</{tag}>"'
            )
        inside_pre = bool(self._open) and self._open[-1][0] == "pre"
        if (kind == "code" and inside_pre) or (kind == "text_link" and "url" not in extra):
            return
        if self._length > start:
            self._entities.append(
                {"type": kind, "offset": start, "length": self._length - start, **extra}
            )

    def result(self) -> tuple[str, list[dict[str, Any]]]:
        """Finish parsing and return the plain text and its entities."""
        self.feed(self._source)
        self.close()
        if self._open:
            raise _parse_error(
                f'Can\'t find end tag corresponding to start tag "{self._open[-1][0]}"'
            )
        entities = sorted(self._entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self._parts), entities


_MARKDOWN_V2_RESERVED: Final[frozenset[str]] = frozenset("_*[]()~`>#+-=|{}.!")
_MARKDOWN_V2_MARKERS: Final[tuple[tuple[str, str], ...]] = (
    ("||", "spoiler"),
    ("__", "underline"),
    ("*", "bold"),
    ("_", "italic"),
    ("~", "strikethrough"),
)
_ENTITY_NAMES: Final[dict[str, str]] = {
    "spoiler": "Spoiler",
    "underline": "Underline",
    "bold": "Bold",
    "italic": "Italic",
    "strikethrough": "Strikethrough",
    "text_link": "TextUrl",
}


class _TextBuilder:
    """Accumulate plain text and entities with UTF-16 offsets."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.entities: list[dict[str, Any]] = []

    def emit(self, text: str) -> None:
        """Append text."""
        self.parts.append(text)
        self.length += utf16_length(text)

    def entity(self, kind: str, start: int, **extra: Any) -> None:
        """Record an entity from ``start`` to the current end, unless it is empty."""
        if self.length > start:
            self.entities.append(
                {"type": kind, "offset": start, "length": self.length - start, **extra}
            )

    def result(self) -> tuple[str, list[dict[str, Any]]]:
        """Return the plain text and its entities sorted by offset."""
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), entities


def _read_until(source: str, start: int, end: str) -> tuple[str, int] | None:
    """Read from ``start`` up to the next unescaped ``end``; return (unescaped text, index)."""
    chars: list[str] = []
    i = start
    while i < len(source):
        if source[i] == "\\" and i + 1 < len(source):
            chars.append(source[i + 1])
            i += 2
            continue
        if source.startswith(end, i):
            return "".join(chars), i
        chars.append(source[i])
        i += 1
    return None


def _parse_markdown_v2(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse MarkdownV2 into plain text and entities, refusing unescaped reserved characters."""
    out = _TextBuilder()
    open_: list[tuple[str, int, int]] = []

    def byte_offset(index: int) -> int:
        """Return the UTF-8 byte offset of a character index, as Telegram reports it."""
        return len(source[:index].encode())

    i = 0
    while i < len(source):
        char = source[i]
        if char == "\\":
            if i + 1 >= len(source):
                raise _parse_error(
                    "Character '\\' is reserved and must be escaped with the preceding '\\'"
                )
            out.emit(source[i + 1])
            i += 2
            continue
        if char == "`":
            fence = "```" if source.startswith("```", i) else "`"
            found = _read_until(source, i + len(fence), fence)
            if found is None:
                name = "Pre" if fence == "```" else "Code"
                raise _parse_error(
                    f"Can't find end of {name} entity at byte offset {byte_offset(i)}"
                )
            body, end = found
            start = out.length
            if fence == "```":
                first, newline, rest = body.partition("\n")
                extra: dict[str, Any] = {}
                if newline and first and not any(c.isspace() for c in first):
                    extra["language"] = first
                    body = rest
                out.emit(body)
                out.entity("pre", start, **extra)
            else:
                out.emit(body)
                out.entity("code", start)
            i = end + len(fence)
            continue
        if char == "[":
            open_.append(("text_link", out.length, byte_offset(i)))
            i += 1
            continue
        if char == "]" and any(kind == "text_link" for kind, _, _ in open_):
            found = _read_until(source, i + 2, ")") if source[i + 1 : i + 2] == "(" else None
            if found is None:
                raise _parse_error(f"Can't find end of a URL at byte offset {byte_offset(i)}")
            url, end = found
            index = max(k for k, (kind, _, _) in enumerate(open_) if kind == "text_link")
            _, start, _ = open_.pop(index)
            out.entity("text_link", start, url=url)
            i = end + 1
            continue
        marker = next(((t, k) for t, k in _MARKDOWN_V2_MARKERS if source.startswith(t, i)), None)
        if marker is not None:
            token, kind = marker
            indexes = [k for k, (open_kind, _, _) in enumerate(open_) if open_kind == kind]
            if indexes:
                _, start, _ = open_.pop(indexes[-1])
                out.entity(kind, start)
            else:
                open_.append((kind, out.length, byte_offset(i)))
            i += len(token)
            continue
        if char == ">" and (i == 0 or source[i - 1] == "\n"):
            i += 1  # a block quote marker: the quote itself is not tracked as an entity
            continue
        if char in _MARKDOWN_V2_RESERVED:
            raise _parse_error(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        out.emit(char)
        i += 1
    if open_:
        kind, _, offset = open_[-1]
        raise _parse_error(
            f"Can't find end of {_ENTITY_NAMES[kind]} entity at byte offset {offset}"
        )
    return out.result()


def _parse_markdown(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse legacy Markdown (``*bold*``, ``_italic_``, ``` `code` ```, ``[text](url)``)."""
    out = _TextBuilder()
    kinds = {"*": "bold", "_": "italic", "`": "code"}
    i = 0
    while i < len(source):
        char = source[i]
        if char == "\\" and source[i + 1 : i + 2] in ("_", "*", "`", "["):
            out.emit(source[i + 1])
            i += 2
            continue
        error = _parse_error(
            f"Can't find end of the entity starting at byte offset {len(source[:i].encode())}"
        )
        if source.startswith("```", i):
            end = source.find("```", i + 3)
            if end < 0:
                raise error
            start = out.length
            out.emit(source[i + 3 : end])
            out.entity("pre", start)
            i = end + 3
            continue
        if char in kinds:
            end = source.find(char, i + 1)
            if end < 0:
                raise error
            start = out.length
            out.emit(source[i + 1 : end])
            out.entity(kinds[char], start)
            i = end + 1
            continue
        if char == "[":
            middle = source.find("](", i + 1)
            end = source.find(")", middle + 2) if middle >= 0 else -1
            if end < 0:
                raise error
            start = out.length
            out.emit(source[i + 1 : middle])
            out.entity("text_link", start, url=source[middle + 2 : end])
            i = end + 1
            continue
        out.emit(char)
        i += 1
    return out.result()


def _strip(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Strip leading/trailing whitespace as Telegram does, shifting and clipping entities."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    shift = utf16_length(text[: len(text) - len(text.lstrip())])
    total = utf16_length(stripped)
    kept: list[dict[str, Any]] = []
    for entity in entities:
        start = max(int(entity["offset"]) - shift, 0)
        end = min(int(entity["offset"]) + int(entity["length"]) - shift, total)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


def _decode_json(value: Any, what: str) -> Any:
    """Decode a JSON-encoded parameter; pass through what is already decoded."""
    if isinstance(value, str | bytes):
        try:
            return json.loads(value)
        except ValueError:
            raise _bad_request(f"can't parse {what} JSON object") from None
    return value


def _markup(raw: Any) -> tuple[list[list[Button]], dict[str, Any] | None]:
    """Validate ``reply_markup`` and return the inline keyboard as buttons and as JSON.

    Non-inline markups (reply keyboards, ForceReply, ReplyKeyboardRemove) are accepted but not
    shown as buttons; Telegram does not echo them in the returned Message either.
    """
    if raw is None:
        return [], None
    markup = _decode_json(raw, "reply keyboard markup")
    if not isinstance(markup, dict):
        raise _bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return [], None
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
        )
    buttons: list[list[Button]] = []
    echoed: list[list[dict[str, Any]]] = []
    for row in rows:
        button_row: list[Button] = []
        for item in row:
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                raise _bad_request("can't parse inline keyboard button: Text must be a string")
            data = item.get("callback_data")
            url = item.get("url")
            if data is not None and (
                not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES
            ):
                raise _bad_request("BUTTON_DATA_INVALID")
            if url is not None:
                parts = urlsplit(str(url))
                web = parts.scheme in ("http", "https") and bool(parts.netloc)
                if not (web or parts.scheme == "tg"):
                    raise _bad_request(
                        f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL"
                    )
            if data is None and url is None and not _OTHER_BUTTON_KINDS & item.keys():
                raise _bad_request("text buttons are unallowed in the inline keyboard")
            button_row.append(Button(text=item["text"], callback_data=data, url=url))
        if button_row:
            buttons.append(button_row)
            echoed.append([dict(item) for item in row])
    if not buttons:
        return [], None
    return buttons, {"inline_keyboard": echoed}


# --------------------------------------------------------------------------------------------
# The emulated Bot API
# --------------------------------------------------------------------------------------------


class FakeBotAPI(BaseRequest):
    """An in-process Telegram Bot API for one bot, plugged in as python-telegram-bot's request.

    Every call of the bot arrives in :meth:`do_request` as ``<base>/bot<token>/<method>`` and is
    answered with the JSON body and HTTP status Telegram would give; unsupported methods get
    400 ``Bad Request: method not emulated`` (and are listed in :attr:`unemulated`).

    Attributes:
        bot_username: The bot's username (deep links are ``https://t.me/<bot_username>?...``).
        bot_id: The bot's user id; a token must start with it (else 401 Unauthorized).
        bot_first_name: The bot's display name.
        token: A well-formed token for this bot (:data:`DEFAULT_TOKEN` for the default id).
        clock: Where message dates come from (aware datetimes).
        chats: Private chats by chat id (= user id), created when a user first sends anything.
        groups: Group chats by (negative) chat id, created when a user first writes there.
        users: The simulated users by id.
        blocked: Ids of users who blocked the bot; sending to them gives 403.
        requests: Every ``(method, params)`` received, in order (refused ones included).
        commands: The commands of the last ``setMyCommands`` (``[]`` after deleteMyCommands).
        menu_button: The ``menu_button`` of the last ``setChatMenuButton``, if any.
        chat_actions: Every ``(chat_id, action)`` of ``sendChatAction``.
        pending_updates: Updates waiting for ``getUpdates`` (used when nothing is attached).
        open_callback_queries: Ids of callback queries not answered yet, with their chat id.
        unemulated: Names of methods called that the emulator does not implement.
    """

    def __init__(
        self,
        bot_username: str = "TandemBot",
        bot_id: int = 123456789,
        bot_first_name: str = "Tandem",
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """Create an emulated Bot API for the bot described by the arguments.

        Args:
            bot_username: The bot's username, without ``@``.
            bot_id: The bot's user id.
            bot_first_name: The bot's display name.
            clock: Returns "now" as an aware datetime; defaults to ``datetime.now(UTC)``.
        """
        self.bot_username = bot_username
        self.bot_id = bot_id
        self.bot_first_name = bot_first_name
        self.token = f"{bot_id}:{_TOKEN_SECRET}"
        self.clock: Callable[[], datetime] = clock or _utcnow
        self.chats: dict[int, Chat] = {}
        self.groups: dict[int, Chat] = {}
        self.users: dict[int, FakeUser] = {}
        self.blocked: set[int] = set()
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.commands: list[dict[str, str]] = []
        self.menu_button: dict[str, Any] | None = None
        self.chat_actions: list[tuple[int, str]] = []
        self.pending_updates: list[dict[str, Any]] = []
        self.open_callback_queries: dict[str, int] = {}
        self.unemulated: list[str] = []
        self._deliver: Deliver | None = None
        self._failures: dict[str, list[_Refusal]] = {}
        self._seen_users: set[int] = set()
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._methods: dict[str, Callable[[dict[str, Any]], object]] = {
            "getMe": self._get_me,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": lambda params: list(self.commands),
            "deleteMyCommands": self._delete_my_commands,
            "deleteWebhook": self._delete_webhook,
            "close": lambda params: True,
            "logOut": lambda params: True,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "setChatMenuButton": self._set_chat_menu_button,
            "sendChatAction": self._send_chat_action,
        }

    # ---- BaseRequest ------------------------------------------------------------------------

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout in seconds (only used by PTB to size getUpdates)."""
        return 5.0

    async def initialize(self) -> None:
        """Nothing to set up: there is no network."""

    async def shutdown(self) -> None:
        """Nothing to release: there is no network."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Answer one Bot API call with ``(HTTP status, JSON body)`` as Telegram would.

        Args:
            url: ``<base>/bot<token>/<method>``.
            method: The HTTP method (file downloads via GET are not emulated: 404).
            request_data: The call's parameters and uploaded files.
            read_timeout: Ignored.
            write_timeout: Ignored.
            connect_timeout: Ignored.
            pool_timeout: Ignored.

        Returns:
            The HTTP status code and the response body.
        """
        try:
            endpoint = self._endpoint(url, method)
            params = self._parameters(request_data)
            self.requests.append((endpoint, params))
            queued = self._failures.get(endpoint)
            if queued:
                raise queued.pop(0)
            if endpoint == "getUpdates":
                result: object = await self._get_updates(params)
            else:
                handler = self._methods.get(endpoint)
                if handler is None:
                    self.unemulated.append(endpoint)
                    raise _bad_request("method not emulated")
                result = handler(params)
        except _Refusal as refusal:
            return refusal.error_code, refusal.payload()
        return HTTPStatus.OK, json.dumps({"ok": True, "result": result}).encode()

    # ---- test controls ----------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        error_code: int,
        description: str,
        retry_after: int | None = None,
        count: int = 1,
    ) -> None:
        """Make the next ``count`` calls of ``method`` fail with this error, without effect.

        Args:
            method: The Bot API method name, e.g. ``"sendMessage"``.
            error_code: The HTTP status / ``error_code`` (429, 403, 400, 502, ...).
            description: The ``description``, e.g. ``"Too Many Requests: retry after 5"``.
            retry_after: If given, sent as ``parameters.retry_after`` (PTB raises RetryAfter).
            count: How many consecutive calls fail.
        """
        refusal = _Refusal(error_code, description, retry_after)
        self._failures.setdefault(method, []).extend([refusal] * count)

    def user(
        self,
        user_id: int,
        first_name: str,
        *,
        username: str | None = None,
        language_code: str | None = "en",
    ) -> FakeUser:
        """Return the simulated user with this id, creating it or updating its profile.

        Creating a user does not create a chat: the bot cannot write to them until they send
        something (``chat not found`` otherwise).
        """
        existing = self.users.get(user_id)
        if existing is not None:
            existing.first_name = first_name
            existing.username = username
            existing.language_code = language_code
            return existing
        created = FakeUser(self, user_id, first_name, username, language_code)
        self.users[user_id] = created
        return created

    def attach(self, deliver: Deliver) -> None:
        """Deliver updates built by FakeUsers to ``deliver`` (e.g. :func:`deliver_to` an app).

        While something is attached, updates are not queued for ``getUpdates``.
        """
        self._deliver = deliver

    def detach(self) -> None:
        """Stop delivering directly: updates are queued for ``getUpdates`` again."""
        self._deliver = None

    async def deliver_update(self, update: dict[str, Any], via: Deliver | None = None) -> None:
        """Deliver one update: to ``via``, else to the attached target, else to the queue.

        The target gets a deep copy, so the same update can be delivered again unchanged.
        """
        target = via or self._deliver
        if target is None:
            self.pending_updates.append(copy.deepcopy(update))
            return
        await target(copy.deepcopy(update))

    def calls(self, method: str) -> list[dict[str, Any]]:
        """Return the parameters of every received call of ``method``, in order."""
        return [params for name, params in self.requests if name == method]

    def transcript(self, user_id: int, timezone: str | None = None) -> str:
        """Render what a chat shows, in order, as text (``""`` if there is no such chat).

        With ``timezone`` (an IANA name), a line ``-- Mon 2 Mar, 20:00 --`` in that zone marks
        each bot message whose minute differs from the previous one shown.
        Each entry is separated by a blank line. Bot messages appear in their current state
        (after edits; deleted ones are gone), a photo as ``[photo]`` plus its caption, followed
        by one line per button row, ``[label] [label]``. The user's own messages are prefixed
        ``> `` (every line), a button press reads ``> pressed [label]``, and a callback
        notification reads ``(toast: text)``. Works for group chat ids as well.
        """
        chat = self.chats.get(user_id) or self.groups.get(user_id)
        if chat is None:
            return ""
        blocks: list[str] = []
        last_stamp: str | None = None

        def mark(date: int | None) -> None:
            nonlocal last_stamp
            if timezone is None or date is None:
                return
            local = datetime.fromtimestamp(date, UTC).astimezone(ZoneInfo(timezone))
            stamp = local.strftime("%a %-d %b, %H:%M")
            if stamp != last_stamp:
                blocks.append(f"-- {stamp} --")
                last_stamp = stamp

        for entry in chat.timeline:
            if isinstance(entry, ChatEvent):
                mark(entry.date)
                if entry.kind == "toast":
                    blocks.append(f"(toast: {entry.text})")
                elif entry.kind == "press":
                    blocks.append(f"> pressed [{entry.text}]")
                else:
                    blocks.append("\n".join(f"> {line}" for line in entry.text.split("\n")))
                continue
            lines: list[str] = []
            mark(entry.date)
            if entry.document is not None:
                lines.append(f"[document {entry.file_name}] {entry.text}".rstrip())
            elif entry.photo is not None:
                lines.append(f"[photo] {entry.text}".rstrip())
            else:
                lines.append(entry.text)
            lines.extend(" ".join(f"[{b.text}]" for b in row) for row in entry.buttons)
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks)

    # ---- helpers used by FakeUser -------------------------------------------------------------

    def bot_user_json(self) -> dict[str, Any]:
        """Return the bot as a Telegram ``User`` object."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def chat_json(self, chat_id: int) -> dict[str, Any]:
        """Return a known chat as a Telegram ``Chat`` object."""
        if chat_id < 0:
            return {"id": chat_id, "type": "supergroup", "title": f"Group {-chat_id}"}
        profile = self.users.get(chat_id)
        result: dict[str, Any] = {"id": chat_id, "type": "private"}
        result["first_name"] = profile.first_name if profile else "User"
        if profile and profile.username:
            result["username"] = profile.username
        return result

    def message_json(self, message: SentMessage) -> dict[str, Any]:
        """Return a bot message, in its current state, as a Telegram ``Message`` object."""
        result: dict[str, Any] = {
            "message_id": message.message_id,
            "from": self.bot_user_json(),
            "chat": self.chat_json(message.chat_id),
            "date": message.date,
        }
        if message.edit_date is not None:
            result["edit_date"] = message.edit_date
        if message.document is not None:
            unique = f"{message.chat_id}_{message.message_id}"
            result["document"] = {
                "file_id": f"BQACAgFakeDoc{unique}",
                "file_unique_id": f"AgADFakeDoc{unique}",
                "file_name": message.file_name or "file",
                "file_size": len(message.document),
            }
            if message.text:
                result["caption"] = message.text
        elif message.photo is not None:
            unique = f"{message.chat_id}_{message.message_id}"
            result["photo"] = [
                {
                    "file_id": f"AgACAgFakePhoto{unique}_{size}",
                    "file_unique_id": f"AQADFake{unique}_{size}",
                    "width": size,
                    "height": size,
                    "file_size": len(message.photo),
                }
                for size in (90, 320)
            ]
            if message.text:
                result["caption"] = message.text
            if message.entities:
                result["caption_entities"] = message.entities
        else:
            result["text"] = message.text
            if message.entities:
                result["entities"] = message.entities
        if message.reply_markup is not None:
            result["reply_markup"] = message.reply_markup
        return result

    def deep_link_payload(self, url: str) -> str | None:
        """Return the ``start`` payload of a deep link to this bot (``None`` if it has none).

        Accepts ``https://t.me/<bot>?start=<payload>`` (also ``http``, ``telegram.me``, or no
        scheme) and ``tg://resolve?domain=<bot>&start=<payload>``.

        Raises:
            ValueError: If ``url`` does not open this bot, or the payload is not 1–64 of
                ``A-Za-z0-9_-``.
        """
        parts = urlsplit(url if "://" in url else f"https://{url}")
        query = parse_qs(parts.query, keep_blank_values=True)
        if parts.scheme == "tg" and parts.netloc == "resolve":
            username = (query.get("domain") or [""])[0]
        elif parts.scheme in ("http", "https") and parts.netloc.lower() in (
            "t.me",
            "telegram.me",
            "www.t.me",
        ):
            username = parts.path.strip("/")
        else:
            raise ValueError(f"not a Telegram link: {url!r}")
        if username.lower() != self.bot_username.lower():
            raise ValueError(f"{url!r} does not open @{self.bot_username}")
        if "start" not in query:
            return None
        payload = query["start"][0]
        if not _PAYLOAD_RE.fullmatch(payload):
            raise ValueError(f"invalid deep-link payload {payload!r}: 1-64 of A-Za-z0-9_-")
        return payload

    def next_update_id(self) -> int:
        """Return a fresh update id (increasing over the whole emulator)."""
        return next(self._update_ids)

    def next_query_id(self) -> str:
        """Return a fresh callback query id and register it as unanswered."""
        return str(4_000_000_000_000_000 + next(self._query_ids))

    def next_file_id(self, prefix: str) -> tuple[str, str]:
        """Return a fresh ``(file_id, file_unique_id)`` pair."""
        number = next(self._file_ids)
        return f"{prefix}Fake{number:08d}", f"AgADFake{number:08d}"

    def next_message_id(self, chat_id: int) -> int:
        """Return the next message id in a chat (shared by the bot's and users' messages)."""
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def private_chat(self, user_id: int) -> Chat:
        """Return the private chat with a user, creating it (the user wrote to the bot)."""
        self._seen_users.add(user_id)
        chat = self.chats.get(user_id)
        if chat is None:
            chat = self.chats[user_id] = Chat(user_id)
        return chat

    def group_chat(self, group_id: int, user_id: int) -> Chat:
        """Return a group chat, creating it; the bot now knows the user but cannot DM them."""
        self._seen_users.add(user_id)
        chat = self.groups.get(group_id)
        if chat is None:
            chat = self.groups[group_id] = Chat(group_id)
        return chat

    def now_timestamp(self) -> int:
        """Return the clock's current instant as Unix time."""
        return self._now()

    # ---- request plumbing -------------------------------------------------------------------

    def _now(self) -> int:
        """Return the clock's now as Unix time."""
        return int(self.clock().timestamp())

    def _endpoint(self, url: str, method: str) -> str:
        """Return the Bot API method of a URL, refusing bad tokens as Telegram does."""
        segments = urlsplit(url).path.split("/")
        if method != "POST" or len(segments) < 2 or not segments[-2].startswith("bot"):
            raise _Refusal(HTTPStatus.NOT_FOUND, "Not Found")
        token = segments[-2].removeprefix("bot")
        bot_id, colon, secret = token.partition(":")
        if not (bot_id.isdigit() and colon and re.fullmatch(r"[A-Za-z0-9_-]+", secret)):
            raise _Refusal(HTTPStatus.NOT_FOUND, "Not Found")
        if int(bot_id) != self.bot_id:
            raise _Refusal(HTTPStatus.UNAUTHORIZED, "Unauthorized")
        return segments[-1]

    @staticmethod
    def _parameters(request_data: RequestData | None) -> dict[str, Any]:
        """Return the call's parameters, uploaded files resolved to their bytes."""
        if request_data is None:
            return {}
        params: dict[str, Any] = dict(request_data.parameters)
        uploads: dict[str, bytes] = {}
        file_names: dict[str, str] = {}
        for name, (file_name, content, _) in request_data.multipart_data.items():
            uploads[name] = content if isinstance(content, bytes) else content.read()
            file_names[name] = file_name
        for name, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://"):
                key = value.removeprefix("attach://")
                attached = uploads.pop(key, None)
                if attached is not None:
                    params[name] = attached
                    params[f"{FILE_NAME_PREFIX}{name}"] = file_names.get(key)
        for key in uploads:
            params[f"{FILE_NAME_PREFIX}{key}"] = file_names.get(key)
        params.update(uploads)
        return params

    @staticmethod
    def _int(params: dict[str, Any], name: str, missing: str) -> int:
        """Return an integer parameter (int or digit string); refuse with ``missing`` otherwise."""
        value = params.get(name)
        if isinstance(value, bool) or value is None or value == "":
            raise _bad_request(missing)
        if isinstance(value, int):
            return value
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
            return int(value)
        raise _bad_request(missing)

    def _known_chat(self, params: dict[str, Any]) -> Chat:
        """Return the chat named by ``chat_id``, refusing chats the bot cannot see."""
        if params.get("chat_id") in (None, ""):
            raise _bad_request("chat_id is empty")
        chat_id = self._int(params, "chat_id", "chat not found")
        chat = self.chats.get(chat_id) or self.groups.get(chat_id)
        if chat is None:
            if chat_id in self._seen_users:
                raise _Refusal(
                    HTTPStatus.FORBIDDEN, "Forbidden: bot can't initiate conversation with a user"
                )
            raise _bad_request("chat not found")
        return chat

    def _writable_chat(self, params: dict[str, Any]) -> Chat:
        """Like :meth:`_known_chat`, and refuse users who blocked the bot (403)."""
        chat = self._known_chat(params)
        if chat.chat_id in self.blocked:
            raise _Refusal(HTTPStatus.FORBIDDEN, "Forbidden: bot was blocked by the user")
        return chat

    def _message(self, chat: Chat, params: dict[str, Any], not_found: str) -> SentMessage:
        """Return the bot message named by ``message_id`` in ``chat``."""
        if "inline_message_id" in params and "message_id" not in params:
            raise _bad_request("MESSAGE_ID_INVALID")
        message_id = self._int(params, "message_id", "message identifier is not specified")
        for message in chat.messages:
            if message.message_id == message_id:
                return message
        for entry in chat.timeline:
            if isinstance(entry, ChatEvent) and entry.message_id == message_id:
                raise _bad_request("message can't be edited")
        raise _bad_request(not_found)

    @staticmethod
    def _formatted(
        params: dict[str, Any],
        key: str,
        *,
        limit: int,
        too_long: str,
        empty: str | None,
    ) -> tuple[str, list[dict[str, Any]]]:
        """Return the displayed text and entities of a text/caption parameter, or refuse it."""
        raw = params.get(key)
        text = raw if isinstance(raw, str) else "" if raw is None else str(raw)
        mode = params.get("parse_mode")
        entities: list[dict[str, Any]]
        if mode:
            normalized = str(mode).lower()
            if normalized == "html":
                text, entities = _HtmlEntities(text).result()
            elif normalized == "markdownv2":
                text, entities = _parse_markdown_v2(text)
            elif normalized == "markdown":
                text, entities = _parse_markdown(text)
            else:
                raise _bad_request(f"unsupported parse_mode {mode!r}")
        else:
            entities_key = "caption_entities" if key == "caption" else "entities"
            decoded = _decode_json(params.get(entities_key) or [], "entities")
            entities = list(decoded) if isinstance(decoded, list) else []
        text, entities = _strip(text, entities)
        if empty is not None and not text:
            raise _bad_request(empty)
        if utf16_length(text) > limit:
            raise _bad_request(too_long)
        return text, entities

    def _record(self, chat: Chat, message: SentMessage) -> dict[str, Any]:
        """Add a new bot message to its chat and return it as a ``Message`` object."""
        chat.messages.append(message)
        chat.timeline.append(message)
        return self.message_json(message)

    # ---- methods ------------------------------------------------------------------------------

    def _get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        """getMe: the bot as a ``User`` with the bot-only fields."""
        return {
            **self.bot_user_json(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _set_my_commands(self, params: dict[str, Any]) -> bool:
        """setMyCommands: validate and keep the command list (scope and language ignored)."""
        commands = _decode_json(params.get("commands"), "commands")
        if not isinstance(commands, list):
            raise _bad_request('parameter "commands" can\'t be empty')
        parsed: list[dict[str, str]] = []
        for item in commands:
            if not isinstance(item, dict):
                raise _bad_request("can't parse BotCommand")
            name = str(item.get("command", ""))
            description = str(item.get("description", ""))
            if not _BOT_COMMAND_NAME_RE.fullmatch(name):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            parsed.append({"command": name, "description": description})
        self.commands = parsed
        return True

    def _delete_my_commands(self, params: dict[str, Any]) -> bool:
        """deleteMyCommands: forget the command list."""
        self.commands = []
        return True

    def _delete_webhook(self, params: dict[str, Any]) -> bool:
        """deleteWebhook: there is no webhook; drop queued updates if asked to."""
        if params.get("drop_pending_updates") in (True, "true", "True", 1):
            self.pending_updates.clear()
        return True

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """getUpdates: confirm updates below ``offset``; return the queue (waits ≤ 0.05 s)."""
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = float(params.get("timeout") or 0)
        allowed = _decode_json(params.get("allowed_updates"), "allowed_updates")

        def confirm() -> None:
            """Drop confirmed and not-allowed updates, as Telegram does."""
            if offset > 0:
                self.pending_updates[:] = [
                    u for u in self.pending_updates if u["update_id"] >= offset
                ]
            elif offset < 0:
                self.pending_updates[:] = self.pending_updates[offset:]
            if allowed:
                self.pending_updates[:] = [
                    u for u in self.pending_updates if allowed & u.keys() - {"update_id"}
                ]

        if isinstance(allowed, list):
            allowed = set(allowed)
        confirm()
        if not self.pending_updates and timeout > 0:
            await asyncio.sleep(min(timeout, 0.05))
            confirm()
        return copy.deepcopy(self.pending_updates[:limit])

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        """sendMessage: validate chat, text and keyboard; add the message to the chat."""
        chat = self._writable_chat(params)
        text, entities = self._formatted(
            params,
            "text",
            limit=MAX_TEXT_LENGTH,
            too_long="message is too long",
            empty="message text is empty",
        )
        buttons, markup = _markup(params.get("reply_markup"))
        message = SentMessage(
            message_id=self.next_message_id(chat.chat_id),
            chat_id=chat.chat_id,
            text=text,
            buttons=buttons,
            parse_mode=params.get("parse_mode"),
            entities=entities,
            date=self._now(),
            reply_markup=markup,
        )
        return self._record(chat, message)

    def _send_photo(self, params: dict[str, Any]) -> dict[str, Any]:
        """sendPhoto: like sendMessage with the photo's bytes and a caption (≤ 1024)."""
        chat = self._writable_chat(params)
        photo = params.get("photo")
        if isinstance(photo, str):
            photo = photo.encode()
        if not isinstance(photo, bytes) or not photo:
            raise _bad_request("there is no photo in the request")
        caption, entities = self._formatted(
            params,
            "caption",
            limit=MAX_CAPTION_LENGTH,
            too_long="message caption is too long",
            empty=None,
        )
        buttons, markup = _markup(params.get("reply_markup"))
        message = SentMessage(
            message_id=self.next_message_id(chat.chat_id),
            chat_id=chat.chat_id,
            text=caption,
            buttons=buttons,
            photo=photo,
            parse_mode=params.get("parse_mode"),
            entities=entities,
            date=self._now(),
            reply_markup=markup,
        )
        return self._record(chat, message)

    def _send_document(self, params: dict[str, Any]) -> dict[str, Any]:
        """sendDocument: a file (its bytes and file name) with an optional caption (≤ 1024)."""
        chat = self._writable_chat(params)
        document = params.get("document")
        if isinstance(document, str):
            document = document.encode()
        if not isinstance(document, bytes) or not document:
            raise _bad_request("there is no document in the request")
        caption, entities = self._formatted(
            params,
            "caption",
            limit=MAX_CAPTION_LENGTH,
            too_long="message caption is too long",
            empty=None,
        )
        buttons, markup = _markup(params.get("reply_markup"))
        message = SentMessage(
            message_id=self.next_message_id(chat.chat_id),
            chat_id=chat.chat_id,
            text=caption,
            buttons=buttons,
            document=document,
            file_name=params.get(f"{FILE_NAME_PREFIX}document"),
            parse_mode=params.get("parse_mode"),
            entities=entities,
            date=self._now(),
            reply_markup=markup,
        )
        return self._record(chat, message)

    def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any]:
        """editMessageText: replace text and keyboard, refusing an edit that changes nothing."""
        chat = self._known_chat(params)
        message = self._message(chat, params, "message to edit not found")
        if message.photo is not None:
            raise _bad_request("there is no text in the message to edit")
        text, entities = self._formatted(
            params,
            "text",
            limit=MAX_TEXT_LENGTH,
            too_long="MESSAGE_TOO_LONG",
            empty="message text is empty",
        )
        # Telegram drops the inline keyboard when an edit does not repeat it.
        buttons, markup = _markup(params.get("reply_markup"))
        if (text, entities, markup) == (message.text, message.entities, message.reply_markup):
            raise _Refusal(HTTPStatus.BAD_REQUEST, _NOT_MODIFIED)
        message.text = text
        message.entities = entities
        message.parse_mode = params.get("parse_mode")
        message.buttons = buttons
        message.reply_markup = markup
        message.edited = True
        message.edit_date = self._now()
        return self.message_json(message)

    def _edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any]:
        """editMessageReplyMarkup: replace (or remove) the keyboard, refusing a no-op."""
        chat = self._known_chat(params)
        message = self._message(chat, params, "message to edit not found")
        buttons, markup = _markup(params.get("reply_markup"))
        if markup == message.reply_markup:
            raise _Refusal(HTTPStatus.BAD_REQUEST, _NOT_MODIFIED)
        message.buttons = buttons
        message.reply_markup = markup
        message.edited = True
        message.edit_date = self._now()
        return self.message_json(message)

    def _delete_message(self, params: dict[str, Any]) -> bool:
        """deleteMessage: remove a bot's or user's message from the chat."""
        chat = self._known_chat(params)
        message_id = self._int(params, "message_id", "message identifier is not specified")
        before = len(chat.timeline)
        chat.messages[:] = [m for m in chat.messages if m.message_id != message_id]
        chat.timeline[:] = [
            entry
            for entry in chat.timeline
            if not (
                (isinstance(entry, SentMessage) and entry.message_id == message_id)
                or (isinstance(entry, ChatEvent) and entry.message_id == message_id)
            )
        ]
        if len(chat.timeline) == before:
            raise _bad_request("message to delete not found")
        return True

    def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        """answerCallbackQuery: answer an open query once; its text becomes a toast."""
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self.open_callback_queries:
            raise _Refusal(HTTPStatus.BAD_REQUEST, _QUERY_TOO_OLD)
        text = params.get("text")
        if isinstance(text, str) and len(text) > MAX_TOAST_LENGTH:
            raise _bad_request("MESSAGE_TOO_LONG")
        chat_id = self.open_callback_queries.pop(query_id)
        chat = self.chats.get(chat_id) or self.groups.get(chat_id)
        if chat is not None and isinstance(text, str) and text:
            chat.toasts.append(text)
            chat.timeline.append(ChatEvent("toast", text))
        return True

    def _set_chat_menu_button(self, params: dict[str, Any]) -> bool:
        """setChatMenuButton: remember the menu button."""
        menu_button = _decode_json(params.get("menu_button"), "menu button")
        self.menu_button = menu_button if isinstance(menu_button, dict) else None
        return True

    def _send_chat_action(self, params: dict[str, Any]) -> bool:
        """sendChatAction: validate and record the action."""
        chat = self._writable_chat(params)
        action = str(params.get("action") or "")
        if action not in _CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        self.chat_actions.append((chat.chat_id, action))
        return True


# --------------------------------------------------------------------------------------------
# Simulated users
# --------------------------------------------------------------------------------------------


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
        api: FakeBotAPI,
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

    async def _callback(
        self, message_id: int, data: str, label: str, via: Deliver | None
    ) -> dict[str, Any]:
        """Deliver a ``callback_query`` for a message (its current state) and register it."""
        chat = self.chat
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
