"""The bot's profile as the emulated Bot API keeps it: the command menu and the descriptions,
each per language (``setMyCommands``, ``setMyDescription``, ``setMyShortDescription`` and their
``get``/``delete`` counterparts), with Telegram's limits.

:class:`ProfileMethods` is a mixin of :class:`~bot.emulator.api.FakeBotAPI` (through
:class:`~bot.emulator.methods.BotAPIMethods`); its state is set up by ``FakeBotAPI.__init__``.
Command scopes: ``chat`` (one private chat's own menu) is kept apart, per chat and language;
any other scope counts as the default. :meth:`ProfileMethods.menu_seen_by` resolves the menu a
user sees in Telegram's order.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

from bot.emulator.errors import _bad_request

_BOT_COMMAND_NAME_RE: Final[re.Pattern[str]] = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE_CODE_RE: Final[re.Pattern[str]] = re.compile(r"[a-z]{2}")
#: setMyDescription: at most 512 characters; setMyShortDescription: at most 120.
MAX_DESCRIPTION_LENGTH: Final[int] = 512
MAX_SHORT_DESCRIPTION_LENGTH: Final[int] = 120


def _object(params: dict[str, Any], name: str, refusal: str) -> Any:
    """Parameter ``name`` as an object: python-telegram-bot sends objects as JSON text (the
    Bot API takes both). Raises a 400 ``refusal`` for text that is not JSON."""
    value = params.get(name)
    if isinstance(value, str | bytes):
        try:
            return json.loads(value)
        except ValueError:
            raise _bad_request(refusal) from None
    return value


def _chat_scope(params: dict[str, Any]) -> int | None:
    """The chat id of a ``{"type": "chat", "chat_id": …}`` scope (sent as JSON or as an
    object); None for no scope or any other type (treated as the default)."""
    scope = _object(params, "scope", "can't parse BotCommandScope")
    if not isinstance(scope, dict) or scope.get("type") != "chat":
        return None
    try:
        return int(scope["chat_id"])
    except (KeyError, TypeError, ValueError):
        raise _bad_request("chat not found") from None


def _language(params: dict[str, Any]) -> str:
    """The call's ``language_code``: "" (every user without a dedicated one) or two letters."""
    code = str(params.get("language_code") or "")
    if code and not _LANGUAGE_CODE_RE.fullmatch(code):
        raise _bad_request("LANGUAGE_CODE_INVALID")
    return code


class ProfileMethods:
    """setMyCommands, getMyCommands, deleteMyCommands, setMyDescription, getMyDescription,
    setMyShortDescription and getMyShortDescription.

    ``commands``: the menu for every user without one in their language (``menus[""]``);
    ``menus``, ``descriptions``, ``short_descriptions``: by language code ("" = the default);
    ``chat_menus``: one chat's own menus, by (chat id, language code).
    """

    commands: list[dict[str, str]]
    menus: dict[str, list[dict[str, str]]]
    chat_menus: dict[tuple[int, str], list[dict[str, str]]]
    descriptions: dict[str, str]
    short_descriptions: dict[str, str]

    def _set_my_commands(self, params: dict[str, Any]) -> bool:
        """setMyCommands: validate and keep the command list for its language, and for one
        chat with a ``chat`` scope (any other scope counts as the default)."""
        commands = _object(params, "commands", "can't parse commands JSON object")
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
        language, chat = _language(params), _chat_scope(params)
        if chat is not None:
            self.chat_menus[(chat, language)] = parsed
            return True
        self.menus[language] = parsed
        if not language:
            self.commands = parsed
        return True

    def _get_my_commands(self, params: dict[str, Any]) -> list[dict[str, str]]:
        """getMyCommands: the list kept for the scope and language ([] when none)."""
        language, chat = _language(params), _chat_scope(params)
        if chat is not None:
            return list(self.chat_menus.get((chat, language), []))
        return list(self.menus.get(language, []))

    def menu_seen_by(self, chat_id: int, language_code: str | None) -> list[dict[str, str]]:
        """The command menu a user whose client reports ``language_code`` sees in their
        private chat, in Telegram's order: the chat's own menu for that language, the chat's
        own menu, the menu for that language, the default ([] when none is set)."""
        code = (language_code or "").split("-")[0].lower()
        for found in (
            self.chat_menus.get((chat_id, code)) if code else None,
            self.chat_menus.get((chat_id, "")),
            self.menus.get(code) if code else None,
            self.menus.get(""),
        ):
            if found is not None:
                return list(found)
        return []

    def _delete_my_commands(self, params: dict[str, Any]) -> bool:
        """deleteMyCommands: forget the command list of the language."""
        language, chat = _language(params), _chat_scope(params)
        if chat is not None:
            self.chat_menus.pop((chat, language), None)
            return True
        self.menus.pop(language, None)
        if not language:
            self.commands = []
        return True

    def _set_my_description(self, params: dict[str, Any]) -> bool:
        """setMyDescription: keep the description for its language ("" removes it)."""
        return self._set_text(params, "description", self.descriptions, MAX_DESCRIPTION_LENGTH)

    def _set_my_short_description(self, params: dict[str, Any]) -> bool:
        """setMyShortDescription: keep the short description for its language."""
        return self._set_text(
            params, "short_description", self.short_descriptions, MAX_SHORT_DESCRIPTION_LENGTH
        )

    def _get_my_description(self, params: dict[str, Any]) -> dict[str, str]:
        """getMyDescription: ``{"description": ...}`` for the language ("" when none)."""
        return {"description": self.descriptions.get(_language(params), "")}

    def _get_my_short_description(self, params: dict[str, Any]) -> dict[str, str]:
        """getMyShortDescription: ``{"short_description": ...}`` for the language."""
        return {"short_description": self.short_descriptions.get(_language(params), "")}

    @staticmethod
    def _set_text(params: dict[str, Any], name: str, kept: dict[str, str], limit: int) -> bool:
        text = str(params.get(name) or "")
        if len(text) > limit:
            raise _bad_request(f"{name.upper()}_INVALID")
        language = _language(params)
        if text:
            kept[language] = text
        else:
            kept.pop(language, None)
        return True
