"""Recording an answer: the sender must belong to the round's pair, the round must be open
and within its time, the value must fit the question. The answer that completes the round
reveals it (see :mod:`bot.domain.reveal`); until then the partner learns only *that* an answer
is waiting (DESIGN.md, a round's life, steps 3–5).
"""

from __future__ import annotations

from bot import texts
from bot.domain import callbacks as cb
from bot.domain.asking import answer_keyboard, display, valid_value
from bot.domain.deps import Deps
from bot.domain.errors import Refused
from bot.domain.messages import Edit, Message, Outcome
from bot.domain.model import Answer, Pair, Round, RoundStatus, User
from bot.domain.people import UserInfo, speaking_to, tell, touch
from bot.domain.ports import UnitOfWork
from bot.domain.questions import question
from bot.domain.reveal import reveal
from bot.domain.rounds import expire_round
from bot.domain.subjects import AwaitAnswer

#: How much of an open answer the "Saved" acknowledgement repeats back.
ACK_ECHO_CHARS = 300


async def answer(deps: Deps, who: UserInfo, round_id: int, position: int, value: str) -> Outcome:
    """A button answer (a scale digit, an option id, or ``SKIP``) for a round position."""
    return await record(deps, who, round_id, position, value, from_button=True)


async def record(
    deps: Deps, who: UserInfo, round_id: int, position: int, value: str, *, from_button: bool
) -> Outcome:
    """Record ``value`` for the sender at ``position`` of round ``round_id`` (typed text when
    not ``from_button``). Anything that does not fit gets a reply and changes nothing; an
    answer after the round's closing time closes it as expired and reveals nothing."""
    async with deps.db.write() as tx:
        user = await touch(deps, tx, who)
        round_ = await _round_of_sender(tx, user, round_id, from_button)
        if round_ is None:
            # Unknown round, or another pair's: the same reply either way, nothing revealed.
            if from_button:
                return Outcome(toast=texts.BUTTON_NOT_YOURS)
            await tx.users.set_awaiting(who.id, None)
            return Outcome(replies=[Message(who.id, texts.NOTHING_WAITING)])
        # Serialise answers to this round and learn in the same statement whether it is still
        # open and within its time (DESIGN.md, a round's life, step 7).
        if not await tx.rounds.hold_if_answerable(round_id, deps.now()):
            return await _too_late(deps, tx, user, round_, from_button)
        positions = {a.position: a for a in await tx.rounds.asked(round_id)}
        asked = positions.get(position)
        if asked is None:
            raise Refused(texts.BUTTON_STALE, toast=True)
        shown = question(deps, asked.question_id)
        skipped = value == cb.SKIP and from_button
        if not skipped and not valid_value(shown, value, from_button):
            raise Refused(texts.BUTTON_STALE, toast=True)
        stored = None if skipped else value
        mine = await tx.answers.positions(round_id, who.id)
        complete_before = mine >= positions.keys()
        typed = not (from_button or skipped)
        given = Answer(round_id, position, who.id, stored, skipped, typed=typed)
        await tx.answers.save(given, deps.now())
        await tx.users.stop_awaiting_round(round_id, [who.id])
        pair = await tx.pairs.get(round_.pair_id)
        assert pair is not None
        partner_id = pair.partner_of(who.id)
        partner = None if partner_id is None else await tx.users.get(partner_id)
        assert partner is not None
        left = len(positions.keys() - mine - {position})
        complete_now = left == 0
        if complete_now and await tx.answers.positions(round_id, partner.id) >= positions.keys():
            await reveal(deps, tx, round_id)
            return Outcome(toast=texts.ANSWER_TOAST, edit=Edit(None, ()))
        echo = display(shown, stored, skipped)
        if len(echo) > ACK_ECHO_CHARS:
            echo = echo[:ACK_ECHO_CHARS].rstrip() + "\u2026"
        if left > 0:
            ack = texts.count("ANSWER_SAVED_MORE_N", left, position=position + 1, answer=echo)
        elif skipped:
            ack = texts.ANSWER_SAVED_SKIP.format(partner=partner.first_name)
        else:
            ack = texts.ANSWER_SAVED.format(answer=echo, partner=partner.first_name)
        if complete_now and not complete_before:
            with speaking_to(partner):
                text = texts.ANSWER_WAITING.format(name=user.first_name)
            await tell(deps, tx, Message(partner.id, text))
        chosen = cb.SKIP if skipped else stored
        edit = Edit(None, answer_keyboard(round_id, position, shown, chosen))
        return Outcome(replies=[Message(who.id, ack)], toast=texts.ANSWER_TOAST, edit=edit)


async def _round_of_sender(
    tx: UnitOfWork, user: User, round_id: int, from_button: bool
) -> Round | None:
    """The round, if it is the sender's pair's; None for an unknown round or another pair's.
    A button of the sender's own old round (a pair that has ended) is closed instead."""
    round_ = await tx.rounds.get(round_id)
    if round_ is None or user.pair_id == round_.pair_id:
        return round_
    if from_button:
        old: Pair | None = await tx.pairs.get(round_.pair_id)
        if old is not None and old.has_member(user.id):
            raise Refused(texts.ROUND_CLOSED, toast=True, close=True)
    return None


async def _too_late(
    deps: Deps, tx: UnitOfWork, user: User, round_: Round, from_button: bool
) -> Outcome:
    """The round is revealed or closed (or past its closing time, which closes it now)."""
    if round_.status is RoundStatus.OPEN:
        await expire_round(deps, tx, round_.id)
    text = texts.ROUND_REVEALED if round_.status is RoundStatus.REVEALED else texts.ROUND_CLOSED
    await tx.users.stop_awaiting_round(round_.id, [user.id])
    if from_button:
        return Outcome(toast=text, edit=Edit(None, ()))
    return Outcome(replies=[Message(user.id, text)])


async def begin_text_answer(deps: Deps, who: UserInfo, round_id: int, position: int) -> Outcome:
    """ "Write my answer": the sender's next text message answers this round position."""
    async with deps.db.write() as tx:
        user = await touch(deps, tx, who)
        round_ = await tx.rounds.get(round_id)
        if round_ is None or round_.pair_id != user.pair_id:
            raise Refused(texts.BUTTON_NOT_YOURS, toast=True)
        if round_.status is not RoundStatus.OPEN:
            revealed = round_.status is RoundStatus.REVEALED
            raise Refused(
                texts.ROUND_REVEALED if revealed else texts.ROUND_CLOSED, toast=True, close=True
            )
        await tx.users.set_awaiting(who.id, AwaitAnswer(round_id, position))
    return Outcome(replies=[Message(who.id, texts.WRITE_PROMPT)], toast="")
