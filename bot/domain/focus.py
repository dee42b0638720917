"""``/focus``: topics (dimensions) the pair wants to come up more often; they weigh more in
the choice of questions (see :mod:`bot.domain.questions`), and rotation still reaches every
topic."""

from __future__ import annotations

from collections.abc import Sequence

from bot import texts
from bot.domain import callbacks as cb
from bot.domain.deps import Deps
from bot.domain.errors import Refused
from bot.domain.messages import Button, Edit, Keyboard, Message, Outcome
from bot.domain.notices import focus_text, note_change
from bot.domain.people import UserInfo, require_pair
from bot.i18n import gettext as tr
from content.schema import Dimension

#: The most topics in focus at once.
MAX_FOCUS = 4


def _keyboard(focus: frozenset[Dimension]) -> Keyboard:
    buttons = [
        Button(("\u2713 " if d in focus else "") + tr(d.label), cb.focus(d.value))
        for d in Dimension
    ]
    rows = [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
    return (*rows, (Button(texts.BTN_CLEAR, cb.focus("clear")),))


def parse_dimension(word: str) -> Dimension | None:
    """A dimension from its value (``together_apart``), a hyphenated or spaced form, or the
    start of its label (``trust``, ``apprec``); None when nothing or several match."""
    key = word.lower().replace("-", "_").strip()
    for dimension in Dimension:
        if key == dimension.value:
            return dimension
    if len(key) < 3:
        return None
    matches = [
        d
        for d in Dimension
        if d.value.startswith(key)
        or d.label.lower().replace(" ", "_").startswith(key)
        or any(w.startswith(key) for w in d.label.lower().split())
    ]
    return matches[0] if len(matches) == 1 else None


#: Words that join topic names in a typed list ("trust and boundaries") when no name holds them.
_JOINERS = frozenset({"and", "&", "+"})


def _full_name(phrase: str) -> Dimension | None:
    """The dimension that ``phrase`` names in full (case aside): its value (``together_apart``
    or ``together apart``), its label or its in-sentence topic, in English or in the language
    in force; None otherwise."""
    key = " ".join(phrase.lower().replace("_", " ").split())
    for dimension in Dimension:
        names = {dimension.value.replace("_", " "), dimension.label, dimension.topic}
        names |= {tr(dimension.label), tr(dimension.topic)}
        if key in {" ".join(n.lower().split()) for n in names}:
            return dimension
    return None


def parse_topics(words: Sequence[str]) -> tuple[list[Dimension], str | None]:
    """The dimensions a typed ``/focus`` list names (issue 12: the labels users see on the
    buttons are accepted as typed, "Time together and apart" included). At each word the
    longest run of words naming a dimension in full wins; else the word on its own, as
    :func:`parse_dimension` reads it; "and" between names is skipped. Returns the dimensions
    in order and the first word that names none (None when every word was understood)."""
    found: list[Dimension] = []
    i = 0
    while i < len(words):
        for j in range(len(words), i, -1):
            named = _full_name(" ".join(words[i:j]))
            if named is not None:
                found.append(named)
                i = j
                break
        else:
            if words[i] not in _JOINERS:
                single = parse_dimension(words[i])
                if single is None:
                    return found, words[i]
                found.append(single)
            i += 1
    return found, None


async def focus(deps: Deps, who: UserInfo, args: Sequence[str]) -> Outcome:
    """``/focus``: show the pair's focus with toggle buttons; ``/focus trust boundaries`` sets
    it (labels as the buttons show them, dimension names or the start of a label, up to four:
    :func:`parse_topics`); ``/focus clear`` clears it. An unknown name gets the list of topics
    (their labels) and changes nothing."""
    words = [a.lower().strip(",") for a in args if a.strip(",")]
    if not words:
        async with deps.db.write() as tx:
            _user, pair, _partner = await require_pair(deps, tx, who)
        text = texts.FOCUS_STATUS.format(focus=focus_text(pair.focus), max=MAX_FOCUS)
        return Outcome(replies=[Message(who.id, text, _keyboard(pair.focus))])
    if words in (["clear"], ["none"]):
        return await _set_focus(deps, who, frozenset())
    named, unknown = parse_topics(words)
    if unknown is not None:
        topics = ", ".join(tr(d.label) for d in Dimension)  # as the buttons show them
        shown = unknown if len(unknown) <= 40 else unknown[:40] + "\u2026"
        raise Refused(texts.FOCUS_UNKNOWN.format(word=shown, topics=topics))
    chosen = set(named)
    if len(chosen) > MAX_FOCUS:
        raise Refused(texts.FOCUS_TOO_MANY.format(max=MAX_FOCUS))
    return await _set_focus(deps, who, frozenset(chosen))


async def toggle_focus(deps: Deps, who: UserInfo, value: str) -> Outcome:
    """A focus button: toggle one dimension (by value) or ``clear``; edits the message."""
    if value == "clear":
        return await _set_focus(deps, who, frozenset(), as_edit=True)
    try:
        dimension = Dimension(value)
    except ValueError:
        raise Refused(texts.BUTTON_STALE, toast=True) from None
    async with deps.db.write() as tx:
        _user, pair, _partner = await require_pair(deps, tx, who, toast=True)
    chosen = pair.focus ^ {dimension}
    if len(chosen) > MAX_FOCUS:
        raise Refused(texts.FOCUS_TOO_MANY.format(max=MAX_FOCUS), toast=True)
    return await _set_focus(deps, who, chosen, as_edit=True)


async def _set_focus(
    deps: Deps, who: UserInfo, chosen: frozenset[Dimension], *, as_edit: bool = False
) -> Outcome:
    async with deps.db.write() as tx:
        user, pair, _partner = await require_pair(deps, tx, who)
        if chosen == pair.focus:
            if as_edit:
                return Outcome(toast=texts.NOTHING_CHANGED)
            text = texts.FOCUS_STATUS.format(focus=focus_text(chosen), max=MAX_FOCUS)
            return Outcome(replies=[Message(who.id, text, _keyboard(chosen))])
        await note_change(deps, tx, user, pair)
        await tx.pairs.set_focus(pair.id, chosen)
        shown = focus_text(chosen)
        you = texts.FOCUS_SET_YOU.format(focus=shown) if chosen else texts.FOCUS_CLEARED_YOU
    if as_edit:
        text = texts.FOCUS_STATUS.format(focus=shown, max=MAX_FOCUS)
        return Outcome(toast=you[:190], edit=Edit(text, _keyboard(chosen)))
    return Outcome(replies=[Message(who.id, you)])
