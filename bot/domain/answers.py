"""Recording an answer: the sender must belong to the round's pair, the round must be open
and within its time, the value must fit the question. The answer that completes the round
reveals it (see :mod:`bot.domain.reveal`); until then the partner learns only *that* an answer
is waiting (DESIGN.md, a round's life, steps 3–5).
"""

from __future__ import annotations

import hashlib

from bot import texts
from bot.domain import callbacks as cb
from bot.domain.asking import answer_keyboard, display, valid_value
from bot.domain.deps import Deps
from bot.domain.errors import Refused
from bot.domain.messages import Button, Edit, Message, Outcome, Style, Styled, answered_topic
from bot.domain.model import Answer, Pair, Round, RoundStatus, TypedDraft, User
from bot.domain.people import UserInfo, pair_of, speaking_to, tell, touch
from bot.domain.ports import UnitOfWork
from bot.domain.questions import question
from bot.domain.reveal import reveal
from bot.domain.rounds import expire_round
from bot.domain.subjects import AwaitAnswer
from bot.i18n import gettext as tr

#: How much of an open answer the "Saved" acknowledgement repeats back.
ACK_ECHO_CHARS = 300
#: The longest typed answer to an open question, in characters.
MAX_OPEN_ANSWER_CHARS = 2000
#: How much of a question the "Send this as your answer?" prompt quotes.
ASK_QUESTION_CHARS = 80


def clean_typed(typed: str) -> str:
    """A typed answer as stored: stripped. Raises :class:`Refused` with a friendly reply for
    one that is empty (or only invisible characters) or over :data:`MAX_OPEN_ANSWER_CHARS`."""
    cleaned = typed.strip()
    if not any(ch.isprintable() and not ch.isspace() for ch in cleaned):
        raise Refused(texts.TEXT_EMPTY)
    if len(cleaned) > MAX_OPEN_ANSWER_CHARS:
        raise Refused(texts.TEXT_TOO_LONG.format(n=len(cleaned)))
    return cleaned


async def answer(deps: Deps, who: UserInfo, round_id: int, position: int, value: str) -> Outcome:
    """A button answer (a scale digit, an option id, or ``SKIP``) for a round position."""
    return await record(deps, who, round_id, position, value, from_button=True)


async def record(
    deps: Deps,
    who: UserInfo,
    round_id: int,
    position: int,
    value: str,
    *,
    from_button: bool,
    message_id: int | None = None,
) -> Outcome:
    """Record ``value`` for the sender at ``position`` of round ``round_id`` (typed text when
    not ``from_button``, from the user's message ``message_id``). Anything that does not fit
    gets a reply and changes nothing; an answer after the round's closing time closes it as
    expired and reveals nothing."""
    async with deps.db.write() as tx:
        user = await touch(deps, tx, who)
        return await _record(deps, tx, user, round_id, position, value, from_button, message_id)


async def _record(
    deps: Deps,
    tx: UnitOfWork,
    user: User,
    round_id: int,
    position: int,
    value: str,
    from_button: bool,
    message_id: int | None,
) -> Outcome:
    """:func:`record` inside the caller's unit of work."""
    round_ = await _round_of_sender(tx, user, round_id, from_button)
    if round_ is None:
        # Unknown round, or another pair's: the same reply either way, nothing revealed.
        if from_button:
            return Outcome(toast=texts.BUTTON_NOT_YOURS)
        await tx.users.set_awaiting(user.id, None)
        return Outcome(replies=[Message(user.id, texts.NOTHING_WAITING)])
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
    # Both partners' answers in one read (answers to this round wait for the hold above).
    answered = await tx.answers.positions_by_member(round_id)
    mine = answered.get(user.id, set())
    complete_before = mine >= positions.keys()
    typed = not (from_button or skipped)
    given = Answer(round_id, position, user.id, stored, skipped, typed=typed)
    await tx.answers.save(given, deps.now(), message_id)
    await tx.users.stop_awaiting_round(round_id, [user.id])
    pair = await tx.pairs.get(round_.pair_id)
    assert pair is not None
    partner_id = pair.partner_of(user.id)
    partner = None if partner_id is None else await tx.users.get(partner_id)
    assert partner is not None
    left = len(positions.keys() - mine - {position})
    complete_now = left == 0
    if complete_now and answered.get(partner.id, set()) >= positions.keys():
        await reveal(deps, tx, round_id, pair=pair, members={user.id: user, partner.id: partner})
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
        await tell(deps, tx, Message(partner.id, text, topic=answered_topic(round_id)), to=partner)
    chosen = cb.SKIP if skipped else stored
    edit = Edit(None, answer_keyboard(round_id, position, shown, chosen))
    # The acknowledgement repeats the answer: remembered, so /delete can take it back.
    ack_message = Message(user.id, ack, carries=(pair.id,))
    return Outcome(replies=[ack_message], toast=texts.ANSWER_TOAST, edit=edit)


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
            raise Refused(texts.ROUND_PAIR_ENDED, toast=True, close=True)
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
        round_ = await _round_of_sender(tx, user, round_id, from_button=True)
        if round_ is None:
            raise Refused(texts.BUTTON_NOT_YOURS, toast=True)
        if round_.status is not RoundStatus.OPEN:
            revealed = round_.status is RoundStatus.REVEALED
            raise Refused(
                texts.ROUND_REVEALED if revealed else texts.ROUND_CLOSED, toast=True, close=True
            )
        await tx.users.set_awaiting(who.id, AwaitAnswer(round_id, position))
    return Outcome(replies=[Message(who.id, texts.WRITE_PROMPT)], toast="")


async def hold_typed(
    deps: Deps, who: UserInfo, round_id: int, position: int, typed: str, message_id: int
) -> Outcome:
    """A text typed while an open question waits, without "Write my answer": kept as the
    user's unconfirmed draft and shown back with Send / Edit / Not an answer. Nothing is saved
    as an answer, and so nothing can be revealed, until its author taps Send (DESIGN.md,
    privacy rule 7). A newer text replaces the draft (the older prompt's buttons go stale)."""
    cleaned = clean_typed(typed)
    async with deps.db.write() as tx:
        user = await touch(deps, tx, who)
        round_ = await _round_of_sender(tx, user, round_id, from_button=False)
        found = await pair_of(tx, user)
        if round_ is None or round_.status is not RoundStatus.OPEN or found is None:
            return Outcome(replies=[Message(who.id, texts.NOTHING_WAITING)])
        asked = {a.position: a for a in await tx.rounds.asked(round_id)}.get(position)
        if asked is None:
            return Outcome(replies=[Message(who.id, texts.NOTHING_WAITING)])
        await tx.answers.put_draft(
            TypedDraft(who.id, round_id, position, cleaned, message_id), deps.now()
        )
        partner = found[1]
    shown = question(deps, asked.question_id)
    title = _short(tr(shown.text), ASK_QUESTION_CHARS)
    version = text_version(cleaned)
    out = Styled().add(texts.TYPED_ASK.format(question=title) + "\n\n")
    out.add(cleaned, Style.QUOTE).add(
        "\n\n" + texts.TYPED_ASK_NOTE.format(partner=partner.first_name)
    )
    keyboard = (
        (Button(texts.BTN_TYPED_SEND, cb.typed("send", message_id, version)),),
        (
            Button(texts.BTN_TYPED_EDIT, cb.typed("edit", message_id, version)),
            Button(texts.BTN_TYPED_NOT, cb.typed("not", message_id, version)),
        ),
    )
    # It quotes the text: remembered, so /delete takes it back from the author's chat.
    return Outcome(replies=[out.message(who.id, keyboard, carries=(found[0].id,))])


def text_version(text: str) -> str:
    """8 hex digits of ``text``'s SHA-256: names a typed text as a prompt showed it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def _short(text: str, limit: int) -> str:
    """``text`` cut to about ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[:limit].rstrip() + "\u2026"


async def confirm_typed(
    deps: Deps, who: UserInfo, action: str, message_id: int, version: str
) -> Outcome:
    """The author's answer to "Send this as your answer?" for their typed message
    ``message_id`` as the prompt showed it (``version``, see :func:`text_version`): ``send``
    saves it as the answer (in the same unit of work that drops the draft), ``edit`` waits for
    the corrected text, ``not`` forgets it. A prompt for an older or already handled text, or
    for a text edited since it was shown, changes nothing."""
    async with deps.db.write() as tx:
        user = await touch(deps, tx, who)
        draft = await tx.answers.draft_of(who.id)
        current = draft is not None and draft.message_id == message_id
        if draft is None or not current or text_version(draft.text) != version:
            raise Refused(texts.TYPED_STALE, toast=True, close=True)
        await tx.answers.drop_draft(who.id)
        if action == "send":
            result = await _record(
                deps,
                tx,
                user,
                draft.round_id,
                draft.position,
                draft.text,
                from_button=False,
                message_id=draft.message_id,
            )
            result.edit = Edit(None, ())
            return result
        if action == "edit":
            await tx.users.set_awaiting(who.id, AwaitAnswer(draft.round_id, draft.position))
            reply = texts.TYPED_EDIT_PROMPT
        else:
            reply = texts.TYPED_NOT_SAVED
    return Outcome(replies=[Message(who.id, reply)], toast="", edit=Edit(None, ()))


async def edited(deps: Deps, who: UserInfo, message_id: int, typed: str) -> Outcome:
    """The user edited their message ``message_id``. An unconfirmed draft takes the new text
    and is shown back again; an answer typed in that message is replaced while its round is
    open (and the user is told), and after the reveal or the close the user is told it can
    no longer change. An edit of any other message changes nothing, quietly."""
    async with deps.db.write() as tx:
        user = await touch(deps, tx, who)
        draft = await tx.answers.draft_of(who.id)
        source = await tx.answers.typed_in(who.id, message_id)
    if draft is not None and draft.message_id == message_id:
        return await hold_typed(deps, who, draft.round_id, draft.position, typed, message_id)
    if source is None:
        return Outcome()
    round_id, position = source
    cleaned = typed.strip()
    # Say that the saved answer stands (not "type your answer", as for a new text).
    if not any(ch.isprintable() and not ch.isspace() for ch in cleaned):
        raise Refused(texts.ANSWER_EDIT_EMPTY)
    if len(cleaned) > MAX_OPEN_ANSWER_CHARS:
        raise Refused(texts.ANSWER_EDIT_TOO_LONG.format(n=len(cleaned)))
    async with deps.db.write() as tx:
        round_ = await tx.rounds.get(round_id)
        if round_ is None or round_.pair_id != user.pair_id:
            raise Refused(texts.ANSWER_LOCKED_CLOSED)
        if not await tx.rounds.hold_if_answerable(round_id, deps.now()):
            if round_.status is RoundStatus.REVEALED:
                raise Refused(texts.ANSWER_LOCKED_REVEALED)
            if round_.status is RoundStatus.OPEN:
                await expire_round(deps, tx, round_id)
            raise Refused(texts.ANSWER_LOCKED_CLOSED)
        await tx.answers.save(
            Answer(round_id, position, who.id, cleaned, False, typed=True), deps.now(), message_id
        )
    echo = _short(cleaned, ACK_ECHO_CHARS)
    return Outcome(
        replies=[
            Message(who.id, texts.ANSWER_EDITED.format(answer=echo), carries=(round_.pair_id,))
        ]
    )
