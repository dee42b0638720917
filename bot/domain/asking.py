"""How a question, an answer and an exercise are shown, and what a partner has left to answer.

Everything here builds text in the language in force (see :func:`bot.i18n.speaking`); the
callers switch to the reader's language around it.
"""

from __future__ import annotations

from datetime import datetime

from bot import texts
from bot.domain import callbacks as cb
from bot.domain.deps import Deps
from bot.domain.messages import Button, Keyboard, Message, Style, Styled
from bot.domain.model import Answer, Asked, Round, User
from bot.domain.people import fmt_local, speaking_to, zone_of
from bot.domain.ports import UnitOfWork
from bot.domain.questions import (
    FOLLOWUP_NOT_YET,
    chosen_title,
    is_followup,
    not_yet,
    question,
)
from bot.i18n import gettext as tr
from content.schema import WANTS_VALUES, Exercise, Question

#: Answers by (position, user id).
Given = dict[tuple[int, int], Answer]


def question_message(
    round_id: int,
    position: int,
    asked: Question,
    expires_at: datetime,
    zone: str,
    *,
    chosen: str | None = None,
    total: int = 1,
    followup_title: str | None = None,
) -> tuple[str, Keyboard]:
    """A question as sent (header, text, how to answer, closing time in ``zone``) and its
    buttons; a follow-up question names its exercise (``followup_title``, a msgid)."""
    parts = []
    if is_followup(asked.id):
        parts.append(texts.FOLLOWUP_HEADER)
        if followup_title is not None:
            parts.append(texts.FOLLOWUP_INTRO.format(title=tr(followup_title)))
    elif total > 1:
        parts.append(
            texts.ROUND_HEADER_OF.format(
                n=position + 1, total=total, dimension=tr(asked.dimension.label)
            )
        )
    else:
        parts.append(texts.ROUND_HEADER.format(dimension=tr(asked.dimension.label)))
    parts.append(tr(asked.text))
    if asked.kind == "scale" and asked.scale is not None:
        parts.append(texts.SCALE_HINT.format(low=tr(asked.scale.low), high=tr(asked.scale.high)))
    if asked.kind == "open":
        parts.append(texts.OPEN_HINT)
    parts.append(texts.ROUND_FOOTER.format(until=fmt_local(expires_at, zone)))
    return "\n\n".join(parts), answer_keyboard(round_id, position, asked, chosen)


def answer_keyboard(
    round_id: int, position: int, asked: Question, chosen: str | None = None
) -> Keyboard:
    """The answer buttons of one question (the ``chosen`` value ticked), and "Keep this
    private"; an open question gets "Write my answer" instead."""

    def mark(label: str, value: str) -> str:
        return f"\u2713 {label}" if value == chosen else label

    skip = (Button(mark(texts.BTN_SKIP, cb.SKIP), cb.answer(round_id, position, cb.SKIP)),)
    if asked.kind == "scale":
        row = tuple(
            Button(mark(str(v), str(v)), cb.answer(round_id, position, str(v))) for v in range(1, 6)
        )
        if is_followup(asked.id):  # an honest answer that is no point on the scale
            value = FOLLOWUP_NOT_YET
            later = (
                Button(mark(texts.FOLLOWUP_NOT_YET, value), cb.answer(round_id, position, value)),
            )
            return (row, later, skip)
        return (row, skip)
    if asked.kind == "choice":
        rows = tuple(
            (Button(mark(tr(o.label), o.id), cb.answer(round_id, position, o.id)),)
            for o in asked.options
        )
        return (*rows, skip)
    if asked.kind == "wants":
        row = tuple(
            Button(mark(texts.WANTS_LABELS[v], v), cb.answer(round_id, position, v))
            for v in WANTS_VALUES
        )
        return (row, skip)
    return ((Button(texts.BTN_WRITE, cb.write(round_id, position)),), skip)


def display(asked: Question, value: str | None, skipped: bool) -> str:
    """A stored answer as a reader sees it, in the language in force."""
    if skipped or value is None:
        return texts.PASSED
    if not_yet(asked, value):
        return texts.FOLLOWUP_NOT_YET
    if asked.kind == "scale":
        return texts.SCALE_VALUE.format(value=value)
    if asked.kind == "choice":
        return tr(asked.option_label(value) or value)
    if asked.kind == "wants":
        return str(texts.WANTS_LABELS.get(value, value))
    return value


def partner_label(name: str) -> str:
    """The partner's label beside their answer: their name, unless it would read as the
    reader's own label ("You"), then "Your partner"."""
    return texts.REVEAL_PARTNER if name.casefold() == texts.REVEAL_YOU.casefold() else name


def add_answers(
    out: Styled, shown: Question, mine: Answer, theirs: Answer, other_name: str
) -> None:
    """Both partners' answers to one revealed question, for the reader (``mine``) and their
    partner (``other_name``), appended to ``out``.

    A pass is symmetric (DESIGN.md, privacy rule 7): when either partner kept the question
    private, neither answer is shown, only that it stays private, the same words for both.
    Names are bold and a typed answer is quoted (entities beside the text, which nothing typed
    can produce), so one partner's words can never be laid out as the other's."""
    if mine.skipped or theirs.skipped:
        out.add(texts.KEPT_PRIVATE, Style.ITALIC)
        return
    other_name = partner_label(other_name)
    my_text = display(shown, mine.value, mine.skipped)
    their_text = display(shown, theirs.value, theirs.skipped)
    if shown.kind == "open":
        out.add(texts.REVEAL_YOU, Style.BOLD).add("\n").add(my_text, Style.QUOTE).add("\n")
        out.add(other_name, Style.BOLD).add("\n").add(their_text, Style.QUOTE)
        return
    out.add(texts.REVEAL_YOU, Style.BOLD).add(f": {my_text}\n")
    out.add(other_name, Style.BOLD).add(f": {their_text}")


def valid_value(asked: Question, value: str, from_button: bool) -> bool:
    """Whether ``value`` answers ``asked``: a scale digit (for a follow-up also
    :data:`FOLLOWUP_NOT_YET`), a known option or wants value by button; free text only for an
    open question, only typed."""
    if asked.kind == "scale":
        return from_button and (value in {"1", "2", "3", "4", "5"} or not_yet(asked, value))
    if asked.kind in ("choice", "wants"):
        return from_button and asked.option_label(value) is not None
    return not from_button


def exercise_text(exercise: Exercise, *, why: bool = True) -> str:
    """An exercise as plain text in the language in force: title line, why it helps (unless
    ``why`` is False: the offer showed it already), numbered steps."""
    steps = "\n".join(f"{i}. {tr(step)}" for i, step in enumerate(exercise.steps, start=1))
    header = texts.EXERCISE_HEADER.format(
        title=tr(exercise.title),
        kind=texts.EXERCISE_KINDS[exercise.kind.value],
        minutes=exercise.minutes,
    )
    if not why:
        return "\n\n".join([header, steps])
    return "\n\n".join([header, texts.EXERCISE_WHY.format(why=tr(exercise.why)), steps])


async def round_answers(tx: UnitOfWork, round_id: int) -> tuple[list[Asked], Given]:
    """A round's questions (by position) and its answers by (position, user id). Only for a
    revealed round, or inside the transaction that decides a reveal (privacy rule 1)."""
    asked = await tx.rounds.asked(round_id)
    given = {(a.position, a.user_id): a for a in await tx.answers.of_round(round_id)}
    return asked, given


async def left_to_answer(tx: UnitOfWork, round_id: int, user_id: int) -> int:
    """How many of the round's questions ``user_id`` has not answered yet."""
    asked = await tx.rounds.asked(round_id)
    done = await tx.answers.positions(round_id, user_id)
    return sum(1 for a in asked if a.position not in done)


async def unanswered(
    deps: Deps, tx: UnitOfWork, round_: Round, user: User
) -> list[tuple[int, Question, Message]]:
    """(position, question, question message in the user's language) for each question of an
    open round that ``user`` has not answered yet, in order."""
    asked = await tx.rounds.asked(round_.id)
    done = await tx.answers.positions(round_.id, user.id)
    title = await chosen_title(deps, tx, round_.offer_id)
    result = []
    for item in asked:
        if item.position in done:
            continue
        shown = question(deps, item.question_id)
        with speaking_to(user):
            text, keyboard = question_message(
                round_.id,
                item.position,
                shown,
                round_.expires_at,
                zone_of(deps, user),
                total=len(asked),
                followup_title=title,
            )
        message = Message(user.id, text, keyboard, asks=(round_.id, item.position))
        result.append((item.position, shown, message))
    return result


async def unanswered_messages(
    deps: Deps, tx: UnitOfWork, round_: Round, user: User
) -> list[Message]:
    """The question messages of an open round that ``user`` has not answered yet."""
    return [message for _, _, message in await unanswered(deps, tx, round_, user)]
