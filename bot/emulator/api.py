"""The emulated Bot API itself: :class:`FakeBotAPI`, python-telegram-bot's request object.

It routes each call (``<base>/bot<token>/<method>``) to its handler in
:class:`~bot.emulator.methods.BotAPIMethods` and answers with Telegram's JSON body and HTTP
status. It also holds the emulator's state (chats, users, queued updates), the test controls
(``fail_next``, ``user``, ``attach``, ``calls``, ``transcript``) and the Telegram JSON of the
bot, chats and messages that :class:`~bot.emulator.users.FakeUser` builds updates from.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from telegram._utils.types import ODVInput
from telegram.request import BaseRequest, RequestData

from bot.emulator.errors import _bad_request, _Refusal
from bot.emulator.limits import LimitsAndFaults
from bot.emulator.methods import FILE_NAME_PREFIX, BotAPIMethods
from bot.emulator.model import Chat, ChatEvent, SentMessage
from bot.emulator.users import Deliver, FakeUser

DEFAULT_TOKEN: Final[str] = "123456789:AAFakeTokenForTheEmulatorOnly_0123456789"
"""A well-formed bot token whose bot id (``123456789``) is :class:`FakeBotAPI`'s default."""

_TOKEN_SECRET: Final[str] = DEFAULT_TOKEN.partition(":")[2]

_PAYLOAD_RE: Final[re.Pattern[str]] = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _utcnow() -> datetime:
    """Return the current instant as an aware UTC datetime (the default clock)."""
    return datetime.now(UTC)


class FakeBotAPI(LimitsAndFaults, BotAPIMethods, BaseRequest):
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
        commands: The commands of the last ``setMyCommands`` without a language (``[]`` after
            deleteMyCommands).
        menus: The command lists by ``language_code`` ("" = the default).
        chat_menus: One private chat's own command lists (``BotCommandScopeChat``), by
            (chat id, ``language_code``); see ``menu_seen_by``.
        descriptions, short_descriptions: ``setMyDescription`` / ``setMyShortDescription`` by
            ``language_code`` ("" = the default).
        menu_button: The ``menu_button`` of the last ``setChatMenuButton``, if any.
        chat_actions: Every ``(chat_id, action)`` of ``sendChatAction``.
        pending_updates: Updates waiting for ``getUpdates`` (used when nothing is attached).
        open_callback_queries: Ids of callback queries not answered yet, with their chat id.
        unemulated: Names of methods called that the emulator does not implement.
        limits: Telegram's limits when enforced (:meth:`enforce_limits`), else None.
        send_log: Accepted messages with their instants, 429s and faults answered.
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
        self.menus: dict[str, list[dict[str, str]]] = {}
        self.chat_menus: dict[tuple[int, str], list[dict[str, str]]] = {}
        self.descriptions: dict[str, str] = {}
        self.short_descriptions: dict[str, str] = {}
        self.menu_button: dict[str, Any] | None = None
        self.chat_actions: list[tuple[int, str]] = []
        self.pending_updates: list[dict[str, Any]] = []
        self.open_callback_queries: dict[str, int] = {}
        self.unemulated: list[str] = []
        self._deliver: Deliver | None = None
        #: Per method: [refusal, chat id or None, calls to let through first].
        self._failures: dict[str, list[list[Any]]] = {}
        self._seen_users: set[int] = set()
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._init_limits()
        self._methods: dict[str, Callable[[dict[str, Any]], object]] = {
            "getMe": self._get_me,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setMyDescription": self._set_my_description,
            "getMyDescription": self._get_my_description,
            "setMyShortDescription": self._set_my_short_description,
            "getMyShortDescription": self._get_my_short_description,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": self._get_webhook_info,
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
                self._raise_queued(queued, params)
            if endpoint == "getUpdates":
                result: object = await self._get_updates(params)
            else:
                self._before_call(endpoint, params)
                handler = self._methods.get(endpoint)
                if handler is None:
                    self.unemulated.append(endpoint)
                    raise _bad_request("method not emulated")
                result = handler(params)
                self._after_call(endpoint, params)
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
        chat_id: int | None = None,
        after: int = 0,
    ) -> None:
        """Make the next ``count`` calls of ``method`` fail with this error, without effect
        (with ``chat_id``: the next calls to that chat only; ``after``: once that many such
        calls have gone through).

        Args:
            method: The Bot API method name, e.g. ``"sendMessage"``.
            error_code: The HTTP status / ``error_code`` (429, 403, 400, 502, ...).
            description: The ``description``, e.g. ``"Too Many Requests: retry after 5"``.
            retry_after: If given, sent as ``parameters.retry_after`` (PTB raises RetryAfter).
            count: How many consecutive calls fail.
        """
        refusal = _Refusal(error_code, description, retry_after)
        queued = self._failures.setdefault(method, [])
        queued.extend(
            [[refusal, chat_id, after]] + [[refusal, chat_id, 0] for _ in range(count - 1)]
        )

    @staticmethod
    def _raise_queued(queued: list[list[Any]], params: dict[str, Any]) -> None:
        """Raise the first queued failure that applies to this call, if any (one still
        waiting for ``after`` calls lets this one through and counts it)."""
        for index, (refusal, chat_id, after) in enumerate(queued):
            if chat_id is None or str(params.get("chat_id")) == str(chat_id):
                if after > 0:
                    queued[index][2] = after - 1
                    return
                del queued[index]
                raise refusal

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
        notification reads ``(toast: text)``; a message sent with ``disable_notification`` ends
        with ``(no sound)``. Works for group chat ids as well.
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
            if entry.silent:
                lines.append("(no sound)")
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
        if message.protected:
            result["has_protected_content"] = True
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
