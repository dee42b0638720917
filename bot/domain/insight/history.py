"""``/history``: the pair's revealed rounds, newest first, a page at a time.

Privacy (DESIGN.md): only *revealed* rounds are read. An expired round's one answer stays
private forever, so it never appears, not even as "you answered, they didn't". A read-only
view: it takes no write lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot import texts
from bot.domain import callbacks as cb
from bot.domain.asking import display, round_answers
from bot.domain.deps import Deps
from bot.domain.errors import Refused
from bot.domain.messages import Button, Edit, Keyboard, Message, Outcome, utf16_len
from bot.domain.model import Round, User
from bot.domain.people import UserInfo, fmt_local, require_pair, zone_of
from bot.domain.ports import UnitOfWork
from bot.domain.questions import chosen_title, is_followup, question
from bot.i18n import gettext

#: Revealed rounds per page.
HISTORY_PAGE = 3
#: History trims long texts so that a page always fits one Telegram message.
HISTORY_QUESTION_CHARS = 160
HISTORY_ANSWER_CHARS = 200
#: Room for a page, under Telegram's 4,096 UTF-16 units per message.
HISTORY_PAGE_UNITS = 4000


def _trim(text: str, limit: int) -> str:
    """``text`` cut to about ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[:limit].rstrip() + "\u2026"


@dataclass
class _Entry:
    """One round of a page before trimming: heading and (question, mine, theirs)."""

    heading: str
    items: list[tuple[str, str, str]] = field(default_factory=list)


def _fit_page(header: str, entries: list[_Entry], partner: str) -> str:
    """A page that fits one Telegram message (4,096 UTF-16 units, counted as Telegram counts
    them): long questions and answers are trimmed, harder until it fits."""
    question_chars, answer_chars = HISTORY_QUESTION_CHARS, HISTORY_ANSWER_CHARS
    while True:
        blocks = [header]
        for entry in entries:
            lines = [entry.heading]
            for asked, mine, theirs in entry.items:
                lines.append(
                    _trim(asked, question_chars)
                    + f"\n{texts.REVEAL_YOU}: {_trim(mine, answer_chars)}"
                    + f"\n{partner}: {_trim(theirs, answer_chars)}"
                )
            blocks.append("\n".join(lines))
        text = "\n\n".join(blocks)
        if utf16_len(text) <= HISTORY_PAGE_UNITS or answer_chars <= 20:
            return text
        question_chars = max(40, question_chars * 3 // 4)
        answer_chars = max(20, answer_chars * 3 // 4)


async def history(deps: Deps, who: UserInfo, offset: int = 0, *, as_edit: bool = False) -> Outcome:
    """A page of the pair's revealed rounds, newest first, ``offset`` rounds back, with
    Older/Newer buttons. Paging past the end shows the last page with a note."""
    async with deps.db.read() as tx:
        user, pair, partner = await require_pair(deps, tx, who, read_only=True)
        total = await tx.rounds.revealed_count(pair.id)
        if total == 0:
            if as_edit:
                raise Refused(texts.HISTORY_EMPTY[:190], toast=True, close=True)
            raise Refused(texts.HISTORY_EMPTY)
        toast = None
        if offset >= total:
            offset = ((total - 1) // HISTORY_PAGE) * HISTORY_PAGE
            toast = texts.HISTORY_END
        page = await tx.rounds.revealed_page(pair.id, offset, HISTORY_PAGE)
        header = texts.HISTORY_HEADER.format(first=offset + 1, last=offset + len(page), total=total)
        entries = [await _entry(deps, tx, round_, user, partner) for round_ in page]
    text = _fit_page(header, entries, partner.first_name)
    keyboard = _pager(offset, total)
    if as_edit:
        return Outcome(toast=toast, edit=Edit(text, keyboard))
    return Outcome(replies=[Message(who.id, text, keyboard)], toast=toast)


def _pager(offset: int, total: int) -> Keyboard:
    row: list[Button] = []
    if offset > 0:
        row.append(Button(texts.BTN_NEWER, cb.history(max(0, offset - HISTORY_PAGE))))
    if offset + HISTORY_PAGE < total:
        row.append(Button(texts.BTN_OLDER, cb.history(offset + HISTORY_PAGE)))
    return (tuple(row),) if row else ()


async def _entry(deps: Deps, tx: UnitOfWork, round_: Round, user: User, partner: User) -> _Entry:
    """One revealed round as the reader sees it: heading, then per question the question,
    their answer and the partner's (in the language in force, not yet trimmed)."""
    assert round_.closed_at is not None
    when = fmt_local(round_.closed_at, zone_of(deps, user))
    kind = texts.HISTORY_KINDS.get(round_.kind.value, texts.HISTORY_KINDS["light"])
    entry = _Entry("\u2014 " + texts.HISTORY_ROUND.format(when=when, kind=kind))
    asked, given = await round_answers(tx, round_.id)
    title = await chosen_title(deps, tx, round_.offer_id)
    for item in asked:
        try:
            shown = question(deps, item.question_id)
        except KeyError:
            continue
        mine = given.get((item.position, user.id))
        theirs = given.get((item.position, partner.id))
        if mine is None or theirs is None:
            continue
        text = gettext(shown.text)
        if is_followup(shown.id) and title is not None:
            text = texts.FOLLOWUP_ABOUT.format(title=gettext(title)) + " " + text
        entry.items.append(
            (
                text,
                display(shown, mine.value, mine.skipped),
                display(shown, theirs.value, theirs.skipped),
            )
        )
    return entry
