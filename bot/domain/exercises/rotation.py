"""Which exercises follow a reveal: the trigger that applies, and two or three exercises
chosen by rotation, least recently offered first.

A pure rule over the content bank, one round's :class:`Findings`, the pair's recent findings and
its offer history (no storage, no clock of its own), so the bot
(:func:`bot.domain.exercises.offers.after_reveal`) and the content gate's simulation
(:func:`bot.domain.gates.simulate_offers`) run the same code.

Triggers, the first that applies wins (one offer a round):

1. ``repeated``: a question mismatched and its dimension also mismatched in at least one of
   the pair's previous :data:`REPEAT_WINDOW` − 1 rounds: a deeper exercise;
2. ``mismatch``: a question's answers pulled apart by its rule;
3. ``imbalance``: mirrored giving ↔ receiving answers far from the middle
   (:meth:`content.schema.Question.imbalance`): a rebalancing exercise;
4. ``both_low`` (:attr:`Trigger.SHARED_CONCERN`): both answers at the question's concern end,
   low or high (:meth:`content.schema.Question.shared_concern`): something to do jointly.

**The pool** for a trigger after a question: every exercise covering the question's dimension
and meant for that trigger (``Exercise.triggers``), except those whose ``not_after`` names the
question. An exercise of a life-stage pack joins only after a question of its own pack (so a
pair without the pack never meets it). For any trigger but ``mismatch``, the question's
mismatch pool follows as a top-up, used only when the trigger's own pool runs short.

**The rotation** orders a pool by when each exercise was last offered to this pair: never
first, then the longest ago. Among equally fresh exercises (never offered, or offered together
in one offer) the question's own ``mismatch.exercises`` come first: the author chose them for
that question's wording, so they fit it best, and a pair's first offer after a question is the
one written for it; then the fewer offers, then an exercise whose first dimension is the
question's (a home exercise before a generalist), then file order. An exercise offered
:data:`CAP` times within :data:`WINDOW` goes behind every other candidate of both pools. The
first two come; a third only when it is of the trigger's own pool, has rested :data:`REST` and
is below the cap.

Why these figures: a daily pair with a mismatch in about one round in three gets about 100 to
140 offers a year, and the bank has about 70 exercises. Pure "least recently offered" let a
generalist exercise (one covering many dimensions) come up six or seven times a year; the cap
and a third option only after four months keep every exercise at five or fewer, measured over
twenty simulated years (``tests/unit/test_rotation.py``, :func:`bot.domain.gates.simulate_offers`)
while about one offer in five still names three.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.domain.exercises.findings import Findings
from content.loader import ContentBank
from content.schema import Dimension, Exercise, Question, Trigger

#: Rounds looked at for the ``repeated`` trigger (this one included), and how many of them
#: must have mismatched in the dimension.
REPEAT_WINDOW = 4
REPEAT_MIN = 2
#: An offer names this many exercises, and a third one only when it has rested this long.
MIN_OPTIONS, MAX_OPTIONS = 2, 3
REST = timedelta(days=120)
#: An exercise offered this often within :data:`WINDOW` goes behind every other candidate.
CAP = 5
WINDOW = timedelta(days=365)

#: For each exercise id offered to the pair within :data:`WINDOW`: how many offers named it
#: there, and when the newest was made (aware UTC). An exercise not in it counts as never.
Offered = Mapping[str, tuple[int, datetime]]

_NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Choice:
    """An offer to make: its ``trigger``, the ``question`` that led to it, and the exercise
    ids to offer (two or three; one only when the bank has no more)."""

    trigger: Trigger
    question: Question
    options: tuple[str, ...]

    @property
    def dimension(self) -> Dimension:
        """The dimension the offer is about (the question's)."""
        return self.question.dimension


def pool(bank: ContentBank, question: Question, trigger: Trigger) -> list[Exercise]:
    """The exercises that may follow ``question`` by ``trigger``, in file order: covering its
    dimension, meant for the trigger, not excluded by ``not_after``; a pack's exercise only
    after its own pack's questions (``ContentBank.exercises_after``)."""
    return bank.exercises_after(question, trigger)


def ranked(candidates: Sequence[Exercise], question: Question, offered: Offered) -> list[Exercise]:
    """``candidates`` least recently offered first (never offered before all); ties (see the
    module docstring): the question's own ``mismatch.exercises``, fewer offers, a home
    exercise of the question's dimension, file order."""
    named = set(question.mismatch.exercises) if question.mismatch else set()

    def key(item: tuple[int, Exercise]) -> tuple[datetime, bool, int, bool, int]:
        index, exercise = item
        count, last = offered.get(exercise.id, (0, _NEVER))
        home = exercise.dimensions[0] is question.dimension
        return (last, exercise.id not in named, count, not home, index)

    return [e for _, e in sorted(enumerate(candidates), key=key)]


def _options(
    bank: ContentBank,
    question: Question,
    trigger: Trigger,
    offered: Offered,
    now: datetime,
) -> tuple[str, ...]:
    """Two or three exercise ids for ``trigger`` after ``question`` (see the module
    docstring): the trigger's pool, then the mismatch pool to top it up, each least recently
    offered first, exercises at :data:`CAP` behind all others."""
    order = ranked(pool(bank, question, trigger), question, offered)
    if trigger is not Trigger.MISMATCH:
        more = ranked(pool(bank, question, Trigger.MISMATCH), question, offered)
        order += [e for e in more if e not in order]

    def capped(e: Exercise) -> bool:
        return offered.get(e.id, (0, _NEVER))[0] >= CAP

    order = [e for e in order if not capped(e)] + [e for e in order if capped(e)]
    chosen = order[:MIN_OPTIONS]
    if len(order) > MIN_OPTIONS:
        third = order[MIN_OPTIONS]
        count, last = offered.get(third.id, (0, _NEVER))
        if count < CAP and now - last >= REST and trigger in third.triggers:
            chosen.append(third)
    return tuple(e.id for e in chosen)


def choose(
    bank: ContentBank,
    found: Findings,
    earlier: Sequence[Findings],
    offered: Offered,
    now: datetime,
) -> Choice | None:
    """The offer after a round whose findings are ``found``, or None.

    ``earlier``: the findings of the pair's previous revealed rounds, newest first (only the
    first :data:`REPEAT_WINDOW` − 1 count). ``offered``: the pair's offer history. ``now``:
    aware UTC. See the module docstring for the
    order of triggers, the pools and the rotation.
    """
    window = earlier[: REPEAT_WINDOW - 1]
    for asked in found.mismatched:
        dim = asked.dimension
        times = 1 + sum(1 for f in window if any(q.dimension is dim for q in f.mismatched))
        if times >= REPEAT_MIN:
            deeper = _options(bank, asked, Trigger.REPEATED, offered, now)
            if deeper:
                return Choice(Trigger.REPEATED, asked, deeper)
    for trigger, questions in (
        (Trigger.MISMATCH, found.mismatched),
        (Trigger.IMBALANCE, found.imbalanced),
        (Trigger.SHARED_CONCERN, found.shared_concern),
    ):
        for asked in questions:
            options = _options(bank, asked, trigger, offered, now)
            if options:
                return Choice(trigger, asked, options)
    return None
