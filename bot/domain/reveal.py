"""The reveal: the single moment both partners' answers go to both.

Decided exactly once (``Rounds.close_if_open``: of any callers racing, one wins) inside the
transaction of the answer that completed the round; the winner reads both answers in that
same transaction and writes the reveal, then any exercise offer or encouragement, to the
outbox for both (DESIGN.md, a round's life, step 5).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from bot import texts
from bot.domain import callbacks as cb
from bot.domain.asking import Given, add_answers, round_answers
from bot.domain.deps import Deps
from bot.domain.exercises.offers import after_reveal
from bot.domain.messages import Button, Keyboard, Message, Styled
from bot.domain.model import Asked, Pair, Round, RoundStatus, User
from bot.domain.occasions import anniversary_hint
from bot.domain.people import speaking_to, tell
from bot.domain.ports import UnitOfWork
from bot.domain.questions import chosen_title, is_followup, question
from bot.domain.quiet import Urgency
from bot.domain.rounds import forget_round_work
from bot.i18n import gettext as tr
from content.schema import Gap

logger = logging.getLogger(__name__)


async def reveal(
    deps: Deps,
    tx: UnitOfWork,
    round_id: int,
    *,
    pair: Pair | None = None,
    members: Mapping[int, User] | None = None,
) -> bool:
    """Reveal the round if it is still open (decided once); returns whether this caller did.
    The winner queues both partners' reveal (silent for a partner inside their quiet hours)
    and what follows it (held for the end of them). ``pair`` and ``members`` (its users by
    id): the round's pair as the caller read them in this unit of work, else read here."""
    closed = await tx.rounds.close_if_open(round_id, RoundStatus.REVEALED, deps.now())
    if closed is None:
        return False
    if pair is None or pair.id != closed.pair_id:
        pair = await tx.pairs.get(closed.pair_id)
    assert pair is not None
    if members is None or set(members) != set(pair.members):
        members = await tx.users.get_many(pair.members)
    answers = await round_answers(tx, closed.id)
    shown = await reveal_messages(deps, tx, closed, pair, pair.members, members, answers)
    # The reveal reaches a partner in their quiet hours at once, without sound; what follows
    # it (an exercise offer, a hint) waits for their morning (issue 12).
    for message in shown:
        await tell(deps, tx, message, urgency=Urgency.SILENT, to=members.get(message.user_id))
    rest = await after_reveal(deps, tx, closed, pair, members=members, answers=answers)
    rest.extend(await anniversary_hint(deps, tx, pair))
    for message in rest:
        await tell(deps, tx, message, to=members.get(message.user_id))
    await forget_round_work(tx, closed, pair)
    logger.info("round %s revealed (%s messages)", round_id, len(shown) + len(rest))
    return True


async def reveal_messages(
    deps: Deps,
    tx: UnitOfWork,
    round_: Round,
    pair: Pair,
    recipients: Sequence[int],
    members: Mapping[int, User] | None = None,
    answers: tuple[Sequence[Asked], Given] | None = None,
) -> list[Message]:
    """The reveal of a revealed round for each of ``recipients`` (members of the pair), in
    their language: both answers side by side, question by question. ``members``: the pair's
    users by id, and ``answers``: the round's questions and answers, when the caller has read
    them already (else they are read here)."""
    if members is None:
        members = await tx.users.get_many(pair.members)
    asked, given = answers if answers is not None else await round_answers(tx, round_.id)
    title = await chosen_title(deps, tx, round_.offer_id)
    messages: list[Message] = []
    for me_id in recipients:
        me = members.get(me_id)
        other_id = pair.partner_of(me_id)
        other = None if other_id is None else members.get(other_id)
        if me is None or other is None:
            continue
        with speaking_to(me):
            messages.append(_reveal_for(deps, me, other, asked, given, title, pair.id, round_.id))
    return messages


def _reveal_for(
    deps: Deps,
    me: User,
    other: User,
    asked: Sequence[Asked],
    given: Given,
    followup_title: str | None,
    pair_id: int,
    round_id: int,
) -> Message:
    """One partner's reveal message, in the language in force; ``followup_title`` names the
    exercise a follow-up question asks about.

    Each answer is set apart by entities (a bold name, the typed text in a blockquote) that
    no typed text can produce, so a partner cannot lay out words as the other's (DESIGN.md,
    privacy rule 7). Sent protected from forwarding and remembered as carrying the pair's
    answers (see ``Message.carries``), with the reaction buttons of round ``round_id``."""
    out = Styled()
    out.add(texts.REVEAL_DEEP_HEADER if len(asked) > 1 else texts.REVEAL_HEADER)
    for item in asked:
        out.add("\n\n")
        shown = question(deps, item.question_id)
        if len(asked) > 1:
            out.add(f"{item.position + 1}. ")
        if is_followup(shown.id) and followup_title is not None:
            out.add(texts.FOLLOWUP_ABOUT.format(title=tr(followup_title)) + "\n")
        out.add(tr(shown.text))
        if shown.kind == "scale" and shown.scale is not None:
            hint = texts.SCALE_HINT.format(low=tr(shown.scale.low), high=tr(shown.scale.high))
            out.add(f"\n({hint})")
        out.add("\n\n" if shown.kind == "open" else "\n")
        mine = given[(item.position, me.id)]
        theirs = given[(item.position, other.id)]
        add_answers(out, shown, mine, theirs, other.first_name)
        if (
            shown.kind == "wants"
            and not mine.skipped
            and not theirs.skipped
            and shown.gap(str(mine.value), str(theirs.value)) is Gap.SMALL
        ):
            out.add("\n" + texts.SMALL_GAP_WANTS)
    return out.message(me.id, reaction_row(round_id), protect=True, carries=(pair_id,))


def reaction_row(round_id: int) -> Keyboard:
    """The reaction buttons under a reveal (issue 12): "❤️ Thank you", "🤔 Let's talk", "🙂",
    in the language in force; pressing one is :func:`bot.domain.reactions.react`."""
    labels = texts.REACTION_LABELS
    return (tuple(Button(labels[name], cb.reaction(round_id, name)) for name in labels),)
