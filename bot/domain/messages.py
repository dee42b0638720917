"""What the domain rules return: messages for users, independent of Telegram.

The Telegram adapter renders :class:`Button` rows as inline keyboards and sends
:class:`Message` texts without any parse mode, so user text is never read as markup.
Formatting (a bold label, a quoted answer) travels beside the text as :class:`Span` entities
with UTF-16 offsets, which no typed text can produce or move (DESIGN.md, privacy rule 7).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

#: Telegram's limit for one message's text, in characters (DESIGN.md, platform limits).
MAX_MESSAGE_CHARS = 4096


@dataclass(frozen=True)
class Button:
    """An inline-keyboard button: ``data`` (callback data, at most 64 bytes) or ``url``."""

    label: str
    data: str | None = None
    url: str | None = None


Keyboard = tuple[tuple[Button, ...], ...]


class Style(StrEnum):
    """A formatting entity type, named as the Bot API names it (``MessageEntity.type``)."""

    BOLD = "bold"
    ITALIC = "italic"
    QUOTE = "blockquote"


@dataclass(frozen=True)
class Span:
    """Formatting over ``length`` UTF-16 code units of a text from ``offset`` (Telegram's
    units for entities)."""

    style: Style
    offset: int
    length: int


Spans = tuple[Span, ...]


@dataclass(frozen=True)
class Message:
    """A text for one user's private chat (chat id = user id), with optional buttons.

    ``spans``: formatting entities over ``text`` (see :class:`Styled`). ``protect``: sent with
    Telegram's ``protect_content`` (no forwarding or saving in clients that honour it).
    ``carries``: the ids of the pairs whose answers the message shows (a reveal, a history
    page, an export, an answer repeated back); such a message is remembered once sent, so
    /delete and /unpair can take it back from both chats while Telegram allows (48 hours), and
    /delete drops it unsent. Through the outbox a message carries at most one pair (a reveal):
    the outbox keeps the first.

    With ``photo`` (PNG/JPEG bytes) it is a picture and ``text`` its caption (may be empty);
    with ``document`` (file name, bytes) a file, such as a CSV export. Files are for direct
    replies only: the outbox stores text, so a file written there is lost and only its text
    is sent.

    ``asks``: (round id, position) when this is a round's question message: once sent, its
    message id is remembered so that a reminder can point at it and the round's close can
    remove its buttons (issue 12). ``reply_to``: a message id of the same chat this one
    replies to (sent even when that message is gone).
    ``not_before`` (aware UTC): the outbox does not send it before this instant (the end of
    the recipient's quiet hours, see :mod:`bot.domain.quiet`); ``silent``: sent with
    Telegram's ``disable_notification`` (no sound: it reaches someone inside their quiet hours).
    Both are set by the quiet-hours policy, never by hand, and only mean something through the
    outbox: a direct reply goes at once, with sound (issue 12).
    ``topic``: what the message is about (:func:`proposal_topic`, :func:`answered_topic`,
    :func:`picked_topic`): queuing it first drops its chat's still-queued message of the same
    topic (latest wins), and ``Outbox.drop_topic`` drops them once what they announce is
    settled, so a notice held for the end of quiet hours never arrives stale (issue 12).
    """

    user_id: int
    text: str
    buttons: Keyboard = ()
    photo: bytes | None = field(default=None, repr=False)
    document: tuple[str, bytes] | None = field(default=None, repr=False)
    spans: Spans = ()
    protect: bool = False
    carries: tuple[int, ...] = ()
    asks: tuple[int, int] | None = None
    reply_to: int | None = None
    not_before: datetime | None = None
    silent: bool = False
    topic: str | None = None

    def parts(self, limit: int = MAX_MESSAGE_CHARS) -> list[Message]:
        """The message as Telegram accepts it: split by :func:`split_styled` when longer than
        ``limit`` UTF-16 units, each part with its own spans; the buttons (and ``asks``) go
        with the last part, ``reply_to`` with the first; every other field is kept."""
        chunks = split_styled(self.text, self.spans, limit)
        if len(chunks) == 1 and chunks[0][0] == self.text:
            return [self]
        last = len(chunks) - 1
        return [
            replace(
                self,
                text=text,
                spans=spans,
                buttons=self.buttons if i == last else (),
                asks=self.asks if i == last else None,
                reply_to=self.reply_to if i == 0 else None,
            )
            for i, (text, spans) in enumerate(chunks)
        ]


def proposal_topic(pair_id: int) -> str:
    """The outbox topic of a pair's schedule proposal (one waits at a time)."""
    return f"proposal:{pair_id}"


def answered_topic(round_id: int) -> str:
    """The outbox topic of "X has answered" notices of a round (stale once it closes)."""
    return f"answered:{round_id}"


def picked_topic(offer_id: int) -> str:
    """The outbox topic of "X has made their pick" notices of an exercise offer (stale once
    both have picked)."""
    return f"picked:{offer_id}"


class Styled:
    """Builds a text and its :class:`Span` entities piece by piece, counting offsets in UTF-16
    units as Telegram does. Whatever a piece contains (line breaks, "You:", markup-looking
    characters) stays inside that piece's spans."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._spans: list[Span] = []
        self._units = 0

    def add(self, text: str, *styles: Style) -> Styled:
        """Append ``text`` with ``styles`` over exactly its length; returns ``self``."""
        length = utf16_len(text)
        if length:
            self._spans.extend(Span(style, self._units, length) for style in styles)
        self._parts.append(text)
        self._units += length
        return self

    def build(self) -> tuple[str, Spans]:
        """The text and its spans, sorted by offset."""
        return "".join(self._parts), tuple(sorted(self._spans, key=lambda s: s.offset))

    def message(
        self,
        user_id: int,
        buttons: Keyboard = (),
        *,
        protect: bool = False,
        carries: tuple[int, ...] = (),
    ) -> Message:
        """A :class:`Message` of the built text and spans for ``user_id``."""
        text, spans = self.build()
        return Message(user_id, text, buttons, spans=spans, protect=protect, carries=carries)


def spans_to_json(spans: Spans) -> str | None:
    """Serialise spans for the outbox (None for none)."""
    if not spans:
        return None
    return json.dumps([[s.style.value, s.offset, s.length] for s in spans])


def spans_from_json(raw: str | None) -> Spans:
    """Inverse of :func:`spans_to_json`."""
    if not raw:
        return ()
    return tuple(
        Span(Style(style), int(offset), int(length)) for style, offset, length in json.loads(raw)
    )


@dataclass(frozen=True)
class Edit:
    """A change to the message whose button was pressed: new ``text`` (None keeps it), its
    ``spans`` (formatting, as in :class:`Message`) and ``buttons`` (an empty keyboard removes
    them)."""

    text: str | None
    buttons: Keyboard = ()
    spans: Spans = ()


@dataclass(frozen=True)
class Pressed:
    """The message whose button was pressed, as Telegram describes it (unlike callback data,
    which any client can forge): its id and chat, when it was sent (None when Telegram no
    longer shows it) and the callback data of the buttons it really carries."""

    message_id: int
    chat_id: int
    sent_at: datetime | None
    buttons: frozenset[str]


@dataclass(frozen=True)
class MenuLanguage:
    """The command menu of the acting user's own chat, to be shown in ``language`` (a shipped
    locale name) whatever their Telegram is set to; None: the menu Telegram picks by their
    client's language again (the one registered for everyone at start-up)."""

    language: str | None


@dataclass
class Outcome:
    """The result of one domain operation for the user who acted.

    ``replies`` go straight back to the acting user; ``toast`` is the short notice shown on a
    pressed button; ``edit`` changes the pressed message; ``delete`` names messages of the
    acting user's own private chat to remove (Telegram allows it for 48 hours); ``menu``
    changes the language of their chat's command menu. Messages to anyone else (and every
    message that must not be lost, such as a reveal) were written to the outbox in the same
    transaction and are not part of the outcome.
    """

    replies: list[Message] = field(default_factory=list)
    toast: str | None = None
    edit: Edit | None = None
    delete: tuple[int, ...] = ()
    menu: MenuLanguage | None = None


@dataclass(frozen=True)
class OutboxItem:
    """One claimed outbox message: its text part, buttons, spans, attempts so far and the
    claim that holds it (``broadcast_id``: the broadcast it belongs to, if any; ``protect``,
    ``carries``, ``asks``, ``reply_to``, ``silent``: as in :class:`Message`). With
    ``delete_message_id`` it is not a message but the deletion of that bot message from the
    user's chat, with ``clear_markup_id`` the removal of that message's inline keyboard
    (``text`` is empty)."""

    id: int
    user_id: int
    text: str
    buttons: Keyboard
    attempts: int
    claim_token: str
    broadcast_id: int | None = None
    spans: Spans = ()
    protect: bool = False
    carries: int | None = None
    delete_message_id: int | None = None
    #: ``bot.domain.sending.Priority`` as stored (0 interactive, 1 normal, 2 bulk).
    priority: int = 1
    #: Real send attempts that failed so far (the backoff grows with it).
    failures: int = 0
    #: Not sent after this instant (aware UTC; a scheduled question's lateness bound).
    not_after: datetime | None = None
    asks: tuple[int, int] | None = None
    reply_to: int | None = None
    clear_markup_id: int | None = None
    #: Sent with ``disable_notification`` (``Message.silent``: inside the recipient's quiet
    #: hours, issue 12).
    silent: bool = False


@dataclass(frozen=True)
class Finished:
    """What became of a claimed outbox row, to be recorded (``OutboxQueue.done_many``):
    ``outcome`` "sent" (Telegram accepted it, as ``message_id`` when it was a message),
    "blocked", "dropped" or "late"; ``chat_free_at`` (aware UTC): the chat's other messages
    wait until then (one message per second per chat, across processes)."""

    item: OutboxItem
    outcome: str = "sent"
    chat_free_at: datetime | None = None
    message_id: int | None = None


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


def _char_offsets(text: str) -> list[int]:
    """UTF-16 offset of each character index of ``text`` (and of its end)."""
    offsets = [0]
    for char in text:
        offsets.append(offsets[-1] + (2 if ord(char) > 0xFFFF else 1))
    return offsets


def split_styled(
    text: str, spans: Spans, limit: int = MAX_MESSAGE_CHARS
) -> list[tuple[str, Spans]]:
    """Split ``text`` like :func:`split_text` and carry ``spans`` into each chunk: a span is
    clipped to the part of it inside the chunk and shifted to the chunk's start (UTF-16
    units); a span with nothing left in a chunk is left out of it."""
    chunks = split_text(text, limit)
    if len(chunks) == 1 and chunks[0] == text:
        return [(text, spans)]
    offsets = _char_offsets(text)
    result: list[tuple[str, Spans]] = []
    start = 0
    for chunk in chunks:
        found = text.index(chunk, start)  # chunks are in order, whitespace between them
        begin, end = offsets[found], offsets[found + len(chunk)]
        start = found + len(chunk)
        inside = []
        for span in spans:
            lo, hi = max(span.offset, begin), min(span.offset + span.length, end)
            if hi > lo:
                inside.append(Span(span.style, lo - begin, hi - lo))
        result.append((chunk, tuple(inside)))
    return result
