"""``/history``: the revealed rounds of the reader's pairs, newest first, a page at a time.

Rounds of an earlier pair (ended by ``/unpair``) stay readable to both its partners, marked
with that partner's name, until retention or ``/delete`` removes them; a pair whose partner
deleted their data is gone from it. Pairing again with the same person reopens their pair,
so its rounds read as the current pair's again.

Each round's heading ends with the partners' reactions to its reveal ("You ❤️ · Alex 🤔",
issue 12).

Privacy (DESIGN.md): only *revealed* rounds are read, and only of pairs the reader was in
(each was revealed to both partners). An expired or cancelled round's one answer stays
private forever, so it never appears, not even as "you answered, they didn't". A read-only
view: it takes no write lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot import texts
from bot.domain import callbacks as cb
from bot.domain.asking import display, partner_label, round_answers
from bot.domain.deps import Deps
from bot.domain.errors import Refused
from bot.domain.messages import (
    Button,
    Edit,
    Keyboard,
    Message,
    Outcome,
    Spans,
    Style,
    Styled,
    utf16_len,
)
from bot.domain.model import Reaction, Round, User
from bot.domain.people import UserInfo, fmt_local, pair_of, zone_of
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
class _Item:
    """One question of a round on a page: the question, both answers as shown, whether they
    are typed text (quoted) and whether either partner kept it private (then neither shows)."""

    asked: str
    mine: str
    theirs: str
    typed: bool
    private: bool


@dataclass
class _Entry:
    """One round of a page before trimming: heading, the partner's name in that round's pair
    and its questions."""

    heading: str
    partner: str
    items: list[_Item] = field(default_factory=list)


def _fit_page(header: str, entries: list[_Entry]) -> tuple[str, Spans]:
    """A page that fits one Telegram message (4,096 UTF-16 units, counted as Telegram counts
    them): long questions and answers are trimmed, harder until it fits. Laid out like a
    reveal (names bold, typed answers quoted, a pass shown the same to both; see
    :func:`bot.domain.asking.add_answers`), so nothing typed can pose as the layout."""
    question_chars, answer_chars = HISTORY_QUESTION_CHARS, HISTORY_ANSWER_CHARS
    while True:
        out = Styled().add(header)
        for entry in entries:
            out.add("\n\n" + entry.heading)
            for item in entry.items:
                out.add("\n" + _trim(item.asked, question_chars) + "\n")
                if item.private:
                    out.add(texts.KEPT_PRIVATE, Style.ITALIC)
                    continue
                for label, said in ((texts.REVEAL_YOU, item.mine), (entry.partner, item.theirs)):
                    out.add(label, Style.BOLD)
                    if item.typed:
                        out.add("\n").add(_trim(said, answer_chars), Style.QUOTE)
                    else:
                        out.add(": " + said)
                    if label == texts.REVEAL_YOU:
                        out.add("\n")
        text, spans = out.build()
        if utf16_len(text) <= HISTORY_PAGE_UNITS or answer_chars <= 20:
            return text, spans
        question_chars = max(40, question_chars * 3 // 4)
        answer_chars = max(20, answer_chars * 3 // 4)


async def history(deps: Deps, who: UserInfo, offset: int = 0, *, as_edit: bool = False) -> Outcome:
    """A page of the revealed rounds of the sender's pairs (the current one and earlier ones,
    marked), newest first, ``offset`` rounds back, with Older/Newer buttons. Paging past the
    end shows the last page with a note. Raises :class:`Refused`: "not paired" for a sender
    with no pair and nothing to read; "nothing yet" for a pair without revealed rounds."""
    async with deps.db.read() as tx:
        user = await tx.users.get(who.id)
        if user is None:
            raise Refused(texts.NOT_PAIRED)
        current = await pair_of(tx, user)
        partners = await _partners(tx, user)
        total = await tx.rounds.revealed_count(partners)
        if total == 0:
            if current is None:
                raise Refused(texts.NOT_PAIRED)
            if as_edit:
                raise Refused(texts.HISTORY_EMPTY[:190], toast=True, close=True)
            raise Refused(texts.HISTORY_EMPTY)
        toast = None
        if offset >= total:
            offset = ((total - 1) // HISTORY_PAGE) * HISTORY_PAGE
            toast = texts.HISTORY_END
        page = await tx.rounds.revealed_page(partners, offset, HISTORY_PAGE)
        first, last = offset + 1, offset + len(page)
        if first == last:  # one check-in on the page: "(10 of 10)", not "(10–10 of 10)"
            header = texts.HISTORY_HEADER_ONE.format(n=first, total=total)
        else:
            header = texts.HISTORY_HEADER.format(first=first, last=last, total=total)
        current_id = None if current is None else current[0].id
        reacted = await tx.reactions.of_rounds([round_.id for round_ in page])
        entries = [
            await _entry(deps, tx, round_, user, partners[round_.pair_id], current_id)
            for round_ in page
        ]
        for round_, entry in zip(page, entries, strict=True):
            entry.heading += _reactions(reacted.get(round_.id, {}), user, partners[round_.pair_id])
    text, spans = _fit_page(header, entries)
    keyboard = _pager(offset, total)
    if as_edit:
        return Outcome(toast=toast, edit=Edit(text, keyboard, spans))
    carried = tuple(sorted({round_.pair_id for round_ in page}))
    shown = Message(who.id, text, keyboard, spans=spans, protect=True, carries=carried)
    return Outcome(replies=[shown], toast=toast)


async def _partners(tx: UnitOfWork, user: User) -> dict[int, User]:
    """The user's pairs (current and earlier) whose other partner still exists, by pair id:
    that partner. A partner who deleted their data takes the pair's history with them."""
    found: dict[int, User] = {}
    for pair in await tx.pairs.of_member(user.id):
        other_id = pair.partner_of(user.id)
        other = None if other_id is None else await tx.users.get(other_id)
        if other is not None:
            found[pair.id] = other
    return found


def _reactions(reacted: dict[int, str], user: User, partner: User) -> str:
    """Both partners' reactions to a round as its heading ends (issue 12): `` · You ❤️ ·
    Alex 🤔`` ('' when neither reacted). Only the reader's and that pair's partner's: the
    only two who can react to it."""
    shown = [
        texts.HISTORY_REACTION.format(name=name, emoji=Reaction(reacted[member.id]).emoji)
        for member, name in ((user, texts.REVEAL_YOU), (partner, partner.first_name))
        if reacted.get(member.id) in _KNOWN
    ]
    return "".join(" \u00b7 " + item for item in shown)


_KNOWN = frozenset(r.value for r in Reaction)


def _pager(offset: int, total: int) -> Keyboard:
    row: list[Button] = []
    if offset > 0:
        row.append(Button(texts.BTN_NEWER, cb.history(max(0, offset - HISTORY_PAGE))))
    if offset + HISTORY_PAGE < total:
        row.append(Button(texts.BTN_OLDER, cb.history(offset + HISTORY_PAGE)))
    return (tuple(row),) if row else ()


async def _entry(
    deps: Deps, tx: UnitOfWork, round_: Round, user: User, partner: User, current: int | None
) -> _Entry:
    """One revealed round as the reader sees it: heading (an earlier pair's round names that
    partner), then per question the question, their answer and the partner's (in the
    language in force, not yet trimmed). ``current``: the reader's active pair, if any."""
    assert round_.closed_at is not None
    when = fmt_local(round_.closed_at, zone_of(deps, user))
    kind = texts.HISTORY_KINDS.get(round_.kind.value, texts.HISTORY_KINDS["light"])
    if round_.pair_id == current:
        heading = texts.HISTORY_ROUND.format(when=when, kind=kind)
    else:
        heading = texts.HISTORY_ROUND_EARLIER.format(
            when=when, kind=kind, partner=partner.first_name
        )
    entry = _Entry("\u2014 " + heading, partner_label(partner.first_name))
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
            _Item(
                asked=text,
                mine=display(shown, mine.value, mine.skipped),
                theirs=display(shown, theirs.value, theirs.skipped),
                typed=shown.kind == "open",
                private=mine.skipped or theirs.skipped,  # a pass is symmetric (rule 7)
            )
        )
    return entry
