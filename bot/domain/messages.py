"""What the domain rules return: messages for users, independent of Telegram.

The Telegram adapter renders :class:`Button` rows as inline keyboards and sends
:class:`Message` texts without any parse mode, so user text is never read as markup.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

#: Telegram's limit for one message's text, in characters (DESIGN.md, platform limits).
MAX_MESSAGE_CHARS = 4096


@dataclass(frozen=True)
class Button:
    """An inline-keyboard button: ``data`` (callback data, at most 64 bytes) or ``url``."""

    label: str
    data: str | None = None
    url: str | None = None


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class Message:
    """A text for one user's private chat (chat id = user id), with optional buttons.

    With ``photo`` (PNG/JPEG bytes) it is a picture and ``text`` its caption (may be empty);
    with ``document`` (file name, bytes) a file, such as a CSV export. Files are for direct
    replies only: the outbox stores text, so a file written there is lost and only its text
    is sent.
    """

    user_id: int
    text: str
    buttons: Keyboard = ()
    photo: bytes | None = field(default=None, repr=False)
    document: tuple[str, bytes] | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Edit:
    """A change to the message whose button was pressed: new ``text`` (None keeps it) and
    ``buttons`` (an empty keyboard removes them)."""

    text: str | None
    buttons: Keyboard = ()


@dataclass(frozen=True)
class Pressed:
    """The message whose button was pressed, as Telegram describes it (unlike callback data,
    which any client can forge): its id and chat, when it was sent (None when Telegram no
    longer shows it) and the callback data of the buttons it really carries."""

    message_id: int
    chat_id: int
    sent_at: datetime | None
    buttons: frozenset[str]


@dataclass
class Outcome:
    """The result of one domain operation for the user who acted.

    ``replies`` go straight back to the acting user; ``toast`` is the short notice shown on a
    pressed button; ``edit`` changes the pressed message; ``delete`` names messages of the
    acting user's own private chat to remove (Telegram allows it for 48 hours). Messages to
    anyone else (and every message that must not be lost, such as a reveal) were written to
    the outbox in the same transaction and are not part of the outcome.
    """

    replies: list[Message] = field(default_factory=list)
    toast: str | None = None
    edit: Edit | None = None
    delete: tuple[int, ...] = ()


@dataclass(frozen=True)
class OutboxItem:
    """One claimed outbox message: its text part, buttons, attempts so far and the claim
    that holds it (``broadcast_id``: the broadcast it belongs to, if any)."""

    id: int
    user_id: int
    text: str
    buttons: Keyboard
    attempts: int
    claim_token: str
    broadcast_id: int | None = None


def keyboard_to_json(buttons: Keyboard) -> str | None:
    """Serialise a keyboard for the outbox (None for no buttons)."""
    if not buttons:
        return None
    return json.dumps(
        [[{"label": b.label, "data": b.data, "url": b.url} for b in row] for row in buttons]
    )


def keyboard_from_json(raw: str | None) -> Keyboard:
    """Inverse of :func:`keyboard_to_json`."""
    if not raw:
        return ()
    rows = json.loads(raw)
    return tuple(
        tuple(Button(label=b["label"], data=b.get("data"), url=b.get("url")) for b in row)
        for row in rows
    )


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def _fitting_prefix(text: str, limit: int) -> int:
    """The largest k such that text[:k] is at most ``limit`` UTF-16 units long."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def split_text(text: str, limit: int = MAX_MESSAGE_CHARS) -> list[str]:
    """Split ``text`` into chunks Telegram accepts (at most ``limit`` UTF-16 units), only if
    it needs it.

    Cuts at the last paragraph break, else line break, else space before the limit; a single
    unbroken run longer than the limit is cut hard. No chunk is empty or only whitespace.
    """
    if utf16_len(text) <= limit:
        return [text]
    chunks: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        size = _fitting_prefix(rest, limit)
        window = rest[:size]
        # Prefer a paragraph break, then a line break, anywhere; a space only if it keeps
        # the chunk reasonably full (else a question would be cut mid-sentence for nothing).
        cut = window.rfind("\n\n")
        if cut <= 0:
            cut = window.rfind("\n")
        if cut <= 0:
            cut = window.rfind(" ")
            if cut <= size // 4:
                cut = -1
        if cut <= 0:
            cut = size
        chunk = rest[:cut].rstrip()
        if chunk.strip():
            chunks.append(chunk)
        rest = rest[cut:].lstrip()
    if rest.strip():
        chunks.append(rest)
    return chunks
