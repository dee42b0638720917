"""``/packs``: life-stage packs (``content/packs/*.yaml``) a pair turns on for a stretch of
life: while one is on, its questions take every other daily round and may fill a weekly part
(the rule is :mod:`bot.domain.journey`'s), and its exercises may follow its questions'
mismatches.

Either partner may turn a pack on or off, at most :data:`MAX_PACKS` at once; the other is
told which packs are on, in the coalesced notice of recent changes
(:mod:`bot.domain.notices`). The active packs are a pair-level fact both see here and in
``/settings``.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot import texts
from bot.domain import callbacks as cb
from bot.domain.deps import Deps
from bot.domain.errors import Refused
from bot.domain.messages import Button, Edit, Keyboard, Message, Outcome
from bot.domain.model import Pair
from bot.domain.notices import note_change
from bot.domain.people import UserInfo, require_pair
from bot.i18n import gettext as tr

#: The most life-stage packs a pair may have on at once.
MAX_PACKS = 2


def active_packs(deps: Deps, pair: Pair) -> tuple[str, ...]:
    """The ids of the pair's active packs that the content still has, in the order turned
    on."""
    return tuple(p for p in pair.packs if p in deps.content.packs)


def active_names(deps: Deps, pair: Pair) -> str:
    """The names of the pair's active packs in the language in force, or "none"."""
    names = [tr(deps.content.packs[p].name) for p in active_packs(deps, pair)]
    return ", ".join(names) if names else texts.PACKS_NONE_ON


def _screen(deps: Deps, pair: Pair) -> tuple[str, Keyboard]:
    """The /packs text and its buttons: one per pack, turning it on or off."""
    shipped = deps.content.packs
    if not shipped:
        return texts.PACKS_NONE_SHIPPED, ()
    lines = [
        texts.PACK_LINE.format(name=tr(p.name), description=tr(p.description))
        for p in shipped.values()
    ]
    text = texts.PACKS_STATUS.format(
        max=MAX_PACKS, packs="\n\n".join(lines), active=active_names(deps, pair)
    )
    active = active_packs(deps, pair)
    keyboard = tuple(
        (
            Button(texts.BTN_PACK_OFF.format(name=tr(p.name)), cb.pack(p.id, False))
            if p.id in active
            else Button(texts.BTN_PACK_ON.format(name=tr(p.name)), cb.pack(p.id, True)),
        )
        for p in shipped.values()
    )
    return text, keyboard


async def packs(deps: Deps, who: UserInfo, args: Sequence[str]) -> Outcome:
    """``/packs``: the packs, which are on, and a button for each (words after the command are
    ignored: the buttons do the choosing)."""
    async with deps.db.write() as tx:
        _user, pair, _partner = await require_pair(deps, tx, who)
    text, keyboard = _screen(deps, pair)
    return Outcome(replies=[Message(who.id, text, keyboard)])


async def toggle_pack(deps: Deps, who: UserInfo, pack_id: str, on: bool) -> Outcome:
    """A /packs button: turn ``pack_id`` on or off for the sender's pair (an id the content
    lacks is a stale button); the partner is told which pack, nothing more. Redraws the
    screen. Refused with a toast when :data:`MAX_PACKS` are on already."""
    pack = deps.content.packs.get(pack_id)
    if pack is None:
        raise Refused(texts.BUTTON_STALE, toast=True)
    async with deps.db.write() as tx:
        user, pair, _partner = await require_pair(deps, tx, who, toast=True)
        active = active_packs(deps, pair)
        if (pack_id in active) == on:
            text, keyboard = _screen(deps, pair)
            return Outcome(toast=texts.NOTHING_CHANGED, edit=Edit(text, keyboard))
        if on and len(active) >= MAX_PACKS:
            raise Refused(texts.PACKS_TOO_MANY.format(max=MAX_PACKS), toast=True)
        after = (*active, pack_id) if on else tuple(p for p in active if p != pack_id)
        if not await tx.pairs.set_packs(pair.id, pair.packs, after):
            # The other partner changed the packs in between: show them as they are now.
            fresh = await tx.pairs.get(pair.id)
            text, keyboard = _screen(deps, fresh or pair)
            return Outcome(toast=texts.NOTHING_CHANGED, edit=Edit(text, keyboard))
        await note_change(deps, tx, user, pair)  # ``pair``: the packs before this change
        you = (texts.PACK_ON_YOU if on else texts.PACK_OFF_YOU).format(pack=tr(pack.name))
        updated = await tx.pairs.get(pair.id)
    text, keyboard = _screen(deps, updated or pair)
    return Outcome(toast=you[:190], edit=Edit(text, keyboard))
