"""What one revealed round's answers show: the questions both answered, mismatches by each
question's own rule, shared concerns (both answers at a question's concern end, low or high),
imbalances both partners see (giving ↔ receiving), and per-dimension gaps.

Only for a revealed round (or inside the transaction deciding its reveal): answers are read
here, never shown (DESIGN.md, privacy rule 1). Follow-up answers (how an exercise went) are no
difference between the partners and are left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.domain.asking import Given, round_answers
from bot.domain.deps import Deps
from bot.domain.model import Asked, Pair
from bot.domain.ports import UnitOfWork
from bot.domain.questions import is_followup, question
from content.schema import Dimension, Gap, Question

#: How many earlier revealed rounds the triggers look back on.
LOOK_BACK = 12


@dataclass
class Findings:
    """What one revealed round's answers show (see :func:`findings`)."""

    #: questions both partners answered (a pass on either side leaves a question out)
    answered: list[Question] = field(default_factory=list)
    mismatched: list[Question] = field(default_factory=list)
    #: both answers at the question's concern end (:meth:`Question.shared_concern`)
    shared_concern: list[Question] = field(default_factory=list)
    #: mirrored giving ↔ receiving answers far from the middle (:meth:`Question.imbalance`)
    imbalanced: list[Question] = field(default_factory=list)
    #: per dimension: the largest numeric gap between the partners' answers in this round
    #: (for a ``measure: sum`` question: how far they are from mirroring each other)
    gaps: dict[Dimension, int] = field(default_factory=dict)
    gap_kinds: dict[Dimension, Gap] = field(default_factory=dict)


async def findings(
    deps: Deps,
    tx: UnitOfWork,
    round_id: int,
    pair: Pair,
    answers: tuple[Sequence[Asked], Given] | None = None,
) -> Findings:
    """Mismatches, shared concerns, imbalances and gaps of one revealed round, from both partners'
    answers (a question no longer in the bank is skipped). ``answers``: the round's questions
    and answers (:func:`bot.domain.asking.round_answers`) when the caller read them already."""
    asked, given = answers if answers is not None else await round_answers(tx, round_id)
    return _findings(deps, asked, given, pair)


def _findings(deps: Deps, asked: Sequence[Asked], given: Given, pair: Pair) -> Findings:
    """:func:`findings` of one round's questions and answers."""
    result = Findings()
    for item in asked:
        if is_followup(item.question_id) or pair.user_a is None or pair.user_b is None:
            continue
        try:
            shown = question(deps, item.question_id)
        except KeyError:
            continue
        a = given.get((item.position, pair.user_a))
        b = given.get((item.position, pair.user_b))
        if a is None or b is None or a.skipped or b.skipped:
            continue
        first, second = str(a.value), str(b.value)
        result.answered.append(shown)
        gap = shown.gap(first, second)
        if gap is Gap.MISMATCH:
            result.mismatched.append(shown)
        x, y = shown.numeric(first), shown.numeric(second)
        if x is not None and y is not None:
            dim = shown.dimension
            # A giving <-> receiving question's disagreement is how far the answers are from
            # mirroring each other (its mismatch rule), not their difference.
            mirrored = shown.mismatch is not None and shown.mismatch.measure == "sum"
            apart = abs(x + y - 6) if mirrored else abs(x - y)
            result.gaps[dim] = max(result.gaps.get(dim, 0), apart)
            if gap is Gap.MISMATCH or dim not in result.gap_kinds:
                result.gap_kinds[dim] = gap
        if shown.shared_concern(first, second):
            result.shared_concern.append(shown)
        if shown.imbalance(first, second):
            result.imbalanced.append(shown)
    return result


async def recent_findings(deps: Deps, tx: UnitOfWork, pair: Pair, before: int) -> list[Findings]:
    """Findings of the pair's revealed rounds before round ``before``, newest first (at most
    :data:`LOOK_BACK`: enough for the ``repeated`` window and the closing-gap check)."""
    ids = await tx.rounds.revealed_before(pair.id, before, LOOK_BACK)
    # Two reads for all of them, not two per round (issue 10: up to 24 statements a reveal).
    asked = await tx.rounds.asked_of(ids)
    given = await tx.answers.of_rounds(ids)
    return [
        _findings(
            deps,
            asked.get(i, []),
            {(a.position, a.user_id): a for a in given.get(i, [])},
            pair,
        )
        for i in ids
    ]
