"""``/deeper``: each partner's private yes or no to sensitive questions (see
:mod:`bot.domain.questions`). The choice is the sender's own: nothing is queued for the partner,
and no screen shows anyone but the chooser what they chose (DESIGN.md, privacy rule 8). It
applies from the next round; a round already open keeps its questions."""

from __future__ import annotations

from collections.abc import Sequence

from bot import texts
from bot.domain import callbacks as cb
from bot.domain.deps import Deps
from bot.domain.messages import Button, Edit, Keyboard, Message, Outcome
from bot.domain.people import UserInfo, require_pair


def _about(yes: bool) -> tuple[str, Keyboard]:
    choice = texts.DEEPER_CHOICE_YES if yes else texts.DEEPER_CHOICE_NO
    keyboard = (
        (Button(("\u2713 " if yes else "") + texts.BTN_DEEPER_YES, cb.deeper(True)),),
        (Button(("" if yes else "\u2713 ") + texts.BTN_DEEPER_NO, cb.deeper(False)),),
    )
    return texts.DEEPER_ABOUT.format(choice=choice), keyboard


async def deeper(deps: Deps, who: UserInfo, args: Sequence[str]) -> Outcome:
    """``/deeper``: what sensitive questions are, the rule for them, and the sender's own
    choice with yes/no buttons."""
    async with deps.db.read() as tx:
        _user, pair, _partner = await require_pair(deps, tx, who, read_only=True)
    text, keyboard = _about(pair.opted_in(who.id))
    return Outcome(replies=[Message(who.id, text, keyboard)])


async def choose(deps: Deps, who: UserInfo, yes: bool) -> Outcome:
    """A /deeper button: record the sender's own yes or no (for their current pair); the
    partner is told nothing."""
    async with deps.db.write() as tx:
        _user, pair, _partner = await require_pair(deps, tx, who, toast=True)
        await tx.pairs.set_deeper(pair.id, who.id, yes)
    text, keyboard = _about(yes)
    return Outcome(toast=texts.DEEPER_SAVED, edit=Edit(text, keyboard))
