"""Reactions to a reveal (issue 12): a light way to answer the other's answers.

Under each partner's reveal is a row of buttons ("❤️ Thank you", "🤔 Let's talk", "🙂").
Pressing one stores it (one reaction per partner per round, ``Reactions.add`` decides once),
sends the partner one short line ("Alex: ❤️ Thank you") and nothing else, and shows the presser
a toast; /history shows both partners' reactions beside the round.

*One reaction each, final.* Pressing the same again says "Already sent"; a different one
afterwards is refused too (the toast says which was sent). A change would be a second message
to the partner, and a "❤️" taken back for a "🤔" reads as a message of its own; one line per
reveal keeps the promise that a reaction is light.

Privacy (DESIGN.md): the round id in the button is only a reference. The presser must be a
member of the round's pair (rule 3) and the round revealed; a stranger or forged data is
refused with nothing stored, without saying whether that round exists. A reaction is shown
only to the pair's two members; it goes with the round (retention), with the presser's data
(/delete), and is part of their /export. A partner who blocked the bot gets no line (they see
the reaction in /history when back); the presser's toast is the same either way, so a
reaction never tells whether the partner blocked Tandem (rule 8).
"""

from __future__ import annotations

from bot import texts
from bot.domain import callbacks as cb
from bot.domain.deps import Deps
from bot.domain.errors import Refused
from bot.domain.messages import Button, Edit, Message, Outcome, Pressed
from bot.domain.model import Reaction, RoundStatus
from bot.domain.people import UserInfo, pair_of, speaking_to, tell, touch

#: The mark before the reaction sent, on the button that replaces the row.
_SENT_MARK = "\u2713 "


async def react(
    deps: Deps, who: UserInfo, round_id: int, name: str, pressed: Pressed | None = None
) -> Outcome:
    """The sender reacts ``name`` (a :class:`Reaction` value) to round ``round_id``'s reveal.

    Stored once and told to the partner (in the partner's language, if they can be reached);
    the presser gets a toast and, on the reveal itself, the row becomes the one reaction sent.
    Raises :class:`Refused` (a toast, nothing stored or sent): not a member of the round's
    pair, the round not revealed, or no such round (the same words for all three, unless the
    pressed message really carries the button: then the round is gone); the pair has ended;
    already reacted ("Already sent", or which one was sent)."""
    reaction = Reaction(name)
    data = cb.reaction(round_id, name)
    genuine = pressed is not None and pressed.sent_at is not None and data in pressed.buttons
    async with deps.db.write() as tx:
        user = await touch(deps, tx, who)
        round_ = await tx.rounds.get(round_id)
        pair = None if round_ is None else await tx.pairs.get(round_.pair_id)
        if round_ is None or pair is None:
            gone = texts.REACTION_GONE if genuine else texts.REACTION_NOT_YOURS
            raise Refused(gone, toast=True, close=genuine)
        if not pair.has_member(user.id) or round_.status is not RoundStatus.REVEALED:
            raise Refused(texts.REACTION_NOT_YOURS, toast=True)
        found = await pair_of(tx, user)
        if found is None or found[0].id != pair.id:
            raise Refused(texts.REACTION_PAIR_ENDED, toast=True, close=genuine)
        partner = found[1]
        if not await tx.reactions.add(round_id, user.id, reaction.value, deps.now()):
            earlier = (await tx.reactions.of_rounds([round_id])).get(round_id, {}).get(user.id)
            if earlier is None or earlier == reaction.value:
                raise Refused(texts.REACTION_ALREADY, toast=True)
            label = texts.REACTION_LABELS.get(earlier, earlier)
            raise Refused(texts.REACTION_ALREADY_OTHER.format(reaction=label), toast=True)
        if partner.active:
            with speaking_to(partner):
                line = texts.REACTION_NOTICE.format(
                    name=user.first_name, reaction=texts.REACTION_LABELS[reaction.value]
                )
            # Part of the pair's exchange, like the reveal it answers: /delete and /safety's
            # removal drop it unsent and take it back once sent (carries, DESIGN.md rule 4).
            await tell(deps, tx, Message(partner.id, line, carries=(pair.id,)))
    toast = texts.REACTION_SENT.format(name=partner.first_name)
    if not genuine:
        return Outcome(toast=toast)  # never change a message that did not carry the button
    sent = Button(_SENT_MARK + texts.REACTION_LABELS[reaction.value], cb.reaction(round_id, name))
    return Outcome(toast=toast, edit=Edit(None, ((sent,),)))
