"""Which question a round asks: the least-asked first, focus weighed in; the built-in
follow-up question; taking a parked follow-up for a round being opened.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from bot import texts
from bot.domain.deps import Deps, QuestionPicker
from bot.domain.model import OfferStatus, Pair, RoundKind
from bot.domain.ports import UnitOfWork
from content.schema import Depth, Dimension, Question, ScaleLabels, WeeklySlot

#: A focus dimension's weight in the draw of questions (others weigh 1).
FOCUS_WEIGHT = 3
#: The id of a follow-up question is this prefix and the exercise's dimension.
FOLLOWUP_PREFIX = "followup-"


def random_picker(rng: random.Random | None = None) -> QuestionPicker:
    """A picker choosing uniformly among candidates with ``rng`` (default: system entropy)."""
    chooser = rng or random.SystemRandom()

    def pick(candidates: Sequence[Question]) -> Question:
        return chooser.choice(list(candidates))

    return pick


def is_followup(question_id: str) -> bool:
    """Whether a round's question id is a built-in follow-up question."""
    return question_id.startswith(FOLLOWUP_PREFIX)


def followup_question(question_id: str) -> Question:
    """The built-in follow-up question for ``question_id`` = ``followup-<dimension>``: how the
    agreed exercise went, on a 1–5 scale. Raises KeyError when the id is not that."""
    if not is_followup(question_id):
        raise KeyError(question_id)
    try:
        dimension = Dimension(question_id.removeprefix(FOLLOWUP_PREFIX))
    except ValueError as exc:
        raise KeyError(question_id) from exc
    return Question(
        id=question_id,
        dimension=dimension,
        depth="light",
        kind="scale",
        text=texts.source("FOLLOWUP_QUESTION"),
        scale=ScaleLabels(low=texts.source("FOLLOWUP_LOW"), high=texts.source("FOLLOWUP_HIGH")),
    )


def question(deps: Deps, question_id: str) -> Question:
    """The question a round asked: from the bank, or a built-in follow-up question. Raises
    KeyError for an id that is neither (a question removed from the bank since)."""
    found = deps.content.questions.get(question_id)
    if found is not None:
        return found
    return followup_question(question_id)


async def choose(deps: Deps, tx: UnitOfWork, pair: Pair, kind: RoundKind) -> list[Question]:
    """The questions for a new round of ``kind``: one light question for a daily round, three
    deep ones (needs, boundaries, relationship health) for a weekly round.

    Each comes from those the pair has been asked least often, so nothing repeats until the
    bank is exhausted; the pair's focus dimensions weigh :data:`FOCUS_WEIGHT` times as much in
    the draw, so rotation still reaches every dimension.
    """
    counts = await tx.rounds.question_counts(pair.id)

    def draw(bank: list[Question]) -> Question:
        least = min(counts.get(q.id, 0) for q in bank)
        candidates = [q for q in bank if counts.get(q.id, 0) == least]
        weighted = [
            q for q in candidates for _ in range(FOCUS_WEIGHT if q.dimension in pair.focus else 1)
        ]
        return deps.picker(weighted)

    if kind is RoundKind.DEEP:
        deep = deps.content.questions_of(Depth.DEEP)
        parts = [[q for q in deep if q.dimension.weekly_slot is slot] for slot in WeeklySlot]
        return [draw(part) for part in parts if part]  # the loader ensures all three
    return [draw(deps.content.questions_of(Depth.LIGHT))]


async def take_followup(deps: Deps, tx: UnitOfWork, pair: Pair, offer_id: int) -> Question | None:
    """Claim the follow-up of an agreed offer for a round being opened: the pair stops
    waiting for it, and the offer moves to ``followed`` (decided once). Returns the follow-up
    question, or None when it was already asked or is void."""
    await tx.pairs.take_followup(pair.id, offer_id)
    offer = await tx.offers.get(offer_id)
    if offer is None or offer.pair_id != pair.id:
        return None
    moved = await tx.offers.move(
        offer_id, OfferStatus.AGREED, OfferStatus.FOLLOWED, offer.chosen, deps.now()
    )
    if not moved:
        return None
    return followup_question(f"{FOLLOWUP_PREFIX}{offer.dimension.value}")


async def chosen_title(deps: Deps, tx: UnitOfWork, offer_id: int | None) -> str | None:
    """The title (a message id) of the exercise an offer settled on, if any."""
    if offer_id is None:
        return None
    offer = await tx.offers.get(offer_id)
    if offer is None or not offer.chosen:
        return None
    exercise = deps.content.exercises.get(offer.chosen)
    return exercise.title if exercise is not None else None
