"""The Bot API methods the emulator answers, with Telegram's checks and refusals.

:class:`BotAPIMethods` is a mixin of :class:`~bot.emulator.api.FakeBotAPI`: one handler per
method (``sendMessage``, ``editMessageText``, ``answerCallbackQuery``, ``getUpdates``, ...) and
the parameter checks they share (chat lookup, 403 for blocked users, ``parse_mode`` text and
``reply_markup`` validation). The state the handlers read and change is set up by
``FakeBotAPI.__init__``; the limits Telegram enforces are the constants below.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from bot.emulator.errors import _bad_request, _Refusal
from bot.emulator.formatting import (
    _HtmlEntities,
    _parse_markdown,
    _parse_markdown_v2,
    _strip,
    utf16_length,
)
from bot.emulator.model import Button, Chat, ChatEvent, SentMessage
from bot.emulator.profile import ProfileMethods
from bot.emulator.webhooks import TERMINATED_BY_OTHER_POLL, WEBHOOK_ACTIVE, WebhookMethods

MAX_TEXT_LENGTH: Final[int] = 4096
MAX_CAPTION_LENGTH: Final[int] = 1024
#: Where an uploaded file's name is kept among a call's parameters (internal to the emulator).
FILE_NAME_PREFIX: Final[str] = "__file_name__"
MAX_CALLBACK_DATA_BYTES: Final[int] = 64
MAX_TOAST_LENGTH: Final[int] = 200
#: A message can be deleted for everyone only while it is younger than this (48 hours).
DELETE_WINDOW_SECONDS: Final[int] = 48 * 3600

_NOT_MODIFIED: Final[str] = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_QUERY_TOO_OLD: Final[str] = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)
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


def _decode_json(value: Any, what: str) -> Any:
    """Decode a JSON-encoded parameter; pass through what is already decoded."""
    if isinstance(value, str | bytes):
        try:
            return json.loads(value)
        except ValueError:
            raise _bad_request(f"can't parse {what} JSON object") from None
    return value


def _flag(params: dict[str, Any], name: str) -> bool:
    """A boolean parameter as Telegram reads it (``true``/``false``, JSON or Python)."""
    value = params.get(name)
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


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


class BotAPIMethods(WebhookMethods, ProfileMethods):
    """The Bot API methods of :class:`~bot.emulator.api.FakeBotAPI` and the checks they share.

    Each handler takes the call's parameters and returns its ``result``, or raises a
    :class:`~bot.emulator.errors._Refusal` that becomes Telegram's error response.
    """

    chats: dict[int, Chat]
    groups: dict[int, Chat]
    blocked: set[int]
    menu_button: dict[str, Any] | None
    chat_actions: list[tuple[int, str]]
    pending_updates: list[dict[str, Any]]
    open_callback_queries: dict[str, int]
    _seen_users: set[int]
    #: getUpdates calls received so far: a long poll that sees a newer one arrive while it
    #: waits was cut short by another poller.
    _polls: int = 0

    if TYPE_CHECKING:
        # Provided by FakeBotAPI.

        def bot_user_json(self) -> dict[str, Any]: ...

        def message_json(self, message: SentMessage) -> dict[str, Any]: ...

        def next_message_id(self, chat_id: int) -> int: ...

        def _now(self) -> int: ...

    # ---- parameter checks ---------------------------------------------------------------------

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
            _check_entities(text, entities)
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

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """getUpdates: confirm updates below ``offset``; return the queue (waits ≤ 0.05 s).

        As Telegram does, a getUpdates arriving while another one waits ends the waiting one
        with 409 Conflict ("terminated by other getUpdates request"): two pollers on one token.
        """
        if self.webhook_url:  # Telegram refuses getUpdates while a webhook is set
            raise WEBHOOK_ACTIVE
        self._polls += 1
        mine = self._polls
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
            if self._polls != mine:
                raise TERMINATED_BY_OTHER_POLL
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
            protected=_flag(params, "protect_content"),
            reply_to=self._reply_to(chat, params),
            silent=_flag(params, "disable_notification"),
        )
        return self._record(chat, message)

    @staticmethod
    def _reply_to(chat: Chat, params: dict[str, Any]) -> int | None:
        """The message a send replies to (``reply_parameters``), as Telegram reads it: a
        message of the chat that is gone is refused ("message to be replied not found")
        unless ``allow_sending_without_reply``, which sends it as no reply at all."""
        raw = _decode_json(params.get("reply_parameters"), "reply_parameters")
        if not raw:
            return None
        if not isinstance(raw, dict) or "message_id" not in raw:
            raise _bad_request("can't parse reply parameters JSON object")
        wanted = int(raw["message_id"])
        present = any(m.message_id == wanted for m in chat.messages) or any(
            isinstance(e, ChatEvent) and e.message_id == wanted for e in chat.timeline
        )
        if present:
            return wanted
        if raw.get("allow_sending_without_reply"):
            return None
        raise _bad_request("message to be replied not found")

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
            protected=_flag(params, "protect_content"),
            silent=_flag(params, "disable_notification"),
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
            protected=_flag(params, "protect_content"),
            silent=_flag(params, "disable_notification"),
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
        """deleteMessage: remove a bot's or user's message from the chat.

        As in Telegram, a message sent 48 hours ago or earlier can no longer be deleted (the
        bot's own and the user's, in a private chat), and a group's messages from others
        cannot be deleted by a bot that is no administrator."""
        chat = self._known_chat(params)
        message_id = self._int(params, "message_id", "message identifier is not specified")
        found = [
            entry
            for entry in chat.timeline
            if (isinstance(entry, SentMessage) and entry.message_id == message_id)
            or (isinstance(entry, ChatEvent) and entry.message_id == message_id)
        ]
        if not found:
            raise _bad_request("message to delete not found")
        sent = found[0].date or 0
        if self._now() - sent >= DELETE_WINDOW_SECONDS:
            raise _bad_request("message can't be deleted for everyone")
        if chat.chat_id < 0 and isinstance(found[0], ChatEvent):
            raise _bad_request("message can't be deleted")
        chat.messages[:] = [m for m in chat.messages if m.message_id != message_id]
        chat.timeline[:] = [e for e in chat.timeline if not any(e is f for f in found)]
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


_ENTITY_TYPES = frozenset(
    {
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "code",
        "pre",
        "blockquote",
        "expandable_blockquote",
        "text_link",
        "text_mention",
        "custom_emoji",
        "mention",
        "hashtag",
        "cashtag",
        "bot_command",
        "url",
        "email",
        "phone_number",
    }
)


def _check_entities(text: str, entities: list[Any]) -> None:
    """Refuse explicit entities Telegram would refuse: an unknown type, or a range outside the
    text (offsets and lengths in UTF-16 code units)."""
    total = utf16_length(text)
    for entity in entities:
        if not isinstance(entity, dict) or entity.get("type") not in _ENTITY_TYPES:
            raise _bad_request("can't parse entities: unsupported entity type")
        offset, length = entity.get("offset"), entity.get("length")
        if not isinstance(offset, int) or not isinstance(length, int):
            raise _bad_request("can't parse entities: bad offset or length")
        if offset < 0 or length <= 0 or offset + length > total:
            raise _bad_request("can't parse entities: entity beyond the end of the text")
