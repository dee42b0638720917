"""What ``/insights`` counts, like with like (issue 11): pure rules over answers both partners
gave in revealed rounds, no storage.

A scale question's numbers mean different things from one question to the next (in
boundaries, 5 is "a long while to recharge" in one and "easy to say no" in another), so the
figures keep them apart, by the question's ``polarity`` and mismatch ``measure``
(:mod:`content.schema`):

* **levels** (:attr:`Figures.mine`, :attr:`Figures.theirs`): each partner's average over the
  dimension's questions with polarity ``high`` or ``low``; a ``low`` answer is turned round
  (6 − v), so higher always reads as more of what the dimension names;
* **preferences** (:attr:`Figures.preferences`): questions of taste (polarity ``none``, or
  none given) never enter an average; only how far apart the two answered, |a − b|;
* **seen apart** (:attr:`Figures.seen_apart`): a giving ↔ receiving question (``measure:
  sum``) has each partner place the same reality from their own side, so mirrored answers
  agree: the figure is |a + b − 6| (0 when both see who gives what the same way), whatever its
  polarity, never in an average nor as a gap;
* **trend** (:func:`trends`): each pulse question (``role: pulse``, asked about quarterly) as a
  line of both partners' answers, oldest first, turned round like a level.

Only answers both partners gave count (a pass on either side leaves the question out, as the
reveal does); the caller reads revealed rounds only (DESIGN.md, privacy rule 1). Follow-up
questions (how an exercise went) are no difference between the partners and are left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from statistics import mean

from bot.domain.deps import TrendPoint
from bot.domain.questions import is_followup
from content.schema import Dimension, Gap, Polarity, Question, Role

#: The sum of two mirrored answers on a 1–5 scale (1 "mostly me" mirrors 5 "mostly my partner").
MIRROR = 6


@dataclass(frozen=True)
class Both:
    """One question both partners answered in a revealed round: its stored values (``mine``
    is the reader's) and, where the caller read it, when the round was revealed (aware UTC;
    a trend needs it)."""

    question: Question
    mine: str
    theirs: str
    at: datetime | None = None


@dataclass
class Figures:
    """One dimension's answers over the window, sorted by what they can mean (see the module
    docstring); each list holds one number per question both answered."""

    mine: list[int] = field(default_factory=list)
    theirs: list[int] = field(default_factory=list)
    level_gaps: list[int] = field(default_factory=list)
    preference_gaps: list[int] = field(default_factory=list)
    mirror_gaps: list[int] = field(default_factory=list)

    @property
    def level_mine(self) -> float | None:
        """The reader's average level (1–5, higher: more of the dimension), or None."""
        return mean(self.mine) if self.mine else None

    @property
    def level_theirs(self) -> float | None:
        """The partner's average level (1–5), or None."""
        return mean(self.theirs) if self.theirs else None

    @property
    def level_gap(self) -> float | None:
        """How far apart the two reported levels were per question, on average (0–4)."""
        return mean(self.level_gaps) if self.level_gaps else None

    @property
    def preferences(self) -> float | None:
        """How far apart the two answered questions of taste, on average (0–4), or None."""
        return mean(self.preference_gaps) if self.preference_gaps else None

    @property
    def seen_apart(self) -> float | None:
        """How far from mirroring each other the giving ↔ receiving answers were, on average
        (|a + b − 6|, 0–4), or None."""
        return mean(self.mirror_gaps) if self.mirror_gaps else None


def is_mirrored(question: Question) -> bool:
    """Whether ``question`` is a giving ↔ receiving one whose answers mirror when the partners
    agree (its mismatch rule measures ``sum``)."""
    return question.mismatch is not None and question.mismatch.measure == "sum"


def level(question: Question, value: int) -> int | None:
    """``value`` (1–5) as a level of ``question``'s dimension: as given for polarity ``high``,
    turned round (6 − value) for ``low``; None for a question of taste (polarity ``none`` or
    missing) and for a giving ↔ receiving one, which never enter an average."""
    if is_mirrored(question):
        return None
    if question.polarity is Polarity.HIGH:
        return value
    if question.polarity is Polarity.LOW:
        return MIRROR - value
    return None


def _scale(item: Both) -> tuple[int, int] | None:
    """Both answers of a scale question as numbers, or None (another kind, a follow-up, a
    value that is not 1–5)."""
    question = item.question
    if question.kind != "scale" or is_followup(question.id):
        return None
    x, y = question.numeric(item.mine), question.numeric(item.theirs)
    return None if x is None or y is None else (x, y)


def tally(answered: Iterable[Both]) -> dict[Dimension, Figures]:
    """The figures of each dimension with at least one scale question both answered."""
    found: dict[Dimension, Figures] = {}
    for item in answered:
        numbers = _scale(item)
        if numbers is None:
            continue
        x, y = numbers
        figures = found.setdefault(item.question.dimension, Figures())
        if is_mirrored(item.question):
            figures.mirror_gaps.append(abs(x + y - MIRROR))
            continue
        mine, theirs = level(item.question, x), level(item.question, y)
        if mine is None or theirs is None:
            figures.preference_gaps.append(abs(x - y))
            continue
        figures.mine.append(mine)
        figures.theirs.append(theirs)
        figures.level_gaps.append(abs(mine - theirs))
    return found


def mismatches(answered: Iterable[Both]) -> int:
    """How many answered questions mismatched by their own rule (:meth:`Question.gap`, as the
    reveal decides an exercise offer)."""
    return sum(
        1
        for item in answered
        if not is_followup(item.question.id)
        and item.question.gap(item.mine, item.theirs) is Gap.MISMATCH
    )


def trends(answered: Iterable[Both], least: int = 2) -> dict[Dimension, tuple[TrendPoint, ...]]:
    """Per dimension, its pulse answers as points, oldest first; only dimensions with at least
    ``least`` of them (one point is no line). A pulse question without a polarity of ``high``
    or ``low`` has no line."""
    points: dict[Dimension, list[TrendPoint]] = {}
    for item in answered:
        numbers = _scale(item)
        if numbers is None or item.question.role is not Role.PULSE or item.at is None:
            continue
        mine, theirs = level(item.question, numbers[0]), level(item.question, numbers[1])
        if mine is None or theirs is None:
            continue
        points.setdefault(item.question.dimension, []).append(TrendPoint(item.at, mine, theirs))
    return {
        dimension: tuple(sorted(found, key=lambda p: p.at))
        for dimension, found in points.items()
        if len(found) >= least
    }
