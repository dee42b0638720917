"""Text as Telegram counts and formats it.

UTF-16 lengths (the unit of every Bot API limit and entity offset), the ``bot_command`` entities
of a user's text, the ``parse_mode`` parsers (Telegram's HTML subset, MarkdownV2 and legacy
Markdown) that turn the bot's markup into displayed text plus entities or refuse it with
Telegram's "can't parse entities" errors, and :func:`_strip`, which trims whitespace as Telegram
does and shifts the entities with it.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any, Final

from bot.emulator.errors import _parse_error

_COMMAND_RE: Final[re.Pattern[str]] = re.compile(
    r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{1,32})?(?![A-Za-z0-9_@/])"
)


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
