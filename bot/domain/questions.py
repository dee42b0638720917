"""Which question a round asks: the least-asked first, focus weighed in; sensitive questions
only when the pair may be asked them; the built-in follow-up question; taking a parked
follow-up for a round being opened.

A sensitive question (``Question.sensitive``: privacy, money, saying no, whose voice counts)
could put pressure on someone or be used against them. It is asked only when both partners
privately said yes (``/deeper``) and the pair has existed for :data:`SENSITIVE_AFTER`; focus
never weighs it more; a program week that lists one asks a stand-in instead until then
(DESIGN.md, privacy rule 8).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot import texts
from bot.domain import journey
from bot.domain.deps import Deps, QuestionPicker
from bot.domain.model import OfferStatus, Pair, RoundKind
from bot.domain.ports import UnitOfWork
from content.schema import Dimension, Question, ScaleLabels

#: The id of a follow-up question is this prefix and the exercise's dimension.
FOLLOWUP_PREFIX = "followup-"
#: Sensitive questions never come in a pair's first four weeks.
SENSITIVE_AFTER = timedelta(days=28)


def may_ask_sensitive(pair: Pair, now: datetime) -> bool:
    """Whether ``pair`` may be asked sensitive questions at ``now``: both partners said yes and
    the pair was formed at least :data:`SENSITIVE_AFTER` ago."""
    return (
        pair.both_opted_in
        and pair.created_at is not None
        and now - pair.created_at >= SENSITIVE_AFTER
    )


def random_picker(rng: random.Random | None = None) -> QuestionPicker:
    """A picker drawing among candidates by their weights with ``rng`` (default: system
    entropy)."""
    chooser = rng or random.SystemRandom()

    def pick(candidates: Sequence[Question], weights: Sequence[float]) -> Question:
        return chooser.choices(list(candidates), weights=list(weights))[0]

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
    deep ones (needs, boundaries, relationship health) for a weekly round, by the rule in
    :mod:`bot.domain.journey` (occasions: trips, the anniversary, the new year; revisits after a
    mismatch, quarterly pulse questions, the active life-stage packs' questions every other
    daily round, then the rotation: nothing repeats while an eligible question is unasked,
    focus dimensions about twice as often, level 3 after 20 revealed check-ins). A trip whose
    days are over is forgotten here (the pair's ``trip`` cleared).

    Sensitive questions are eligible only when :func:`may_ask_sensitive`, and then never
    weighed up by focus beyond their dimension's share (they join the rotation as they are
    reached, asked no more often than the least-asked other question).
    """
    now = deps.now()
    asked = await tx.rounds.question_history(pair.id)
    revealed = await tx.rounds.revealed_count([pair.id])
    mismatches = await tx.offers.mismatches_since(pair.id, now - journey.REVISIT_UNTIL)
    created = pair.created_at or now
    today = now.astimezone(ZoneInfo(pair.timezone)).date()
    trip = pair.trip
    if trip is not None and journey.trip_over(trip, today):
        await tx.pairs.set_trip(pair.id, None)  # a past trip is forgotten
        trip = None
    history = journey.History(
        now=now,
        today=today,
        age=now - created,
        asked=asked,
        revealed=revealed,
        mismatches=mismatches,
        focus=pair.focus,
        sensitive_ok=may_ask_sensitive(pair, now),
        packs=[p for p in pair.packs if p in deps.content.packs],
        anniversary=pair.anniversary,
        trip=trip,
    )
    bank = list(deps.content.questions.values())
    if kind is RoundKind.DEEP:
        return journey.weekly(bank, pair.id, history, deps.picker)
    return [journey.daily(bank, pair.id, history, deps.picker)]


async def stand_in(
    deps: Deps, tx: UnitOfWork, pair: Pair, wanted: Question, avoid: Sequence[str] = ()
) -> Question:
    """``wanted`` if the pair may be asked it now; for a sensitive question the pair may not be
    asked yet, a non-sensitive one of the same dimension and depth: the least asked, preferring
    those not in ``avoid`` (the rest of a program week), in file order."""
    if not wanted.sensitive or may_ask_sensitive(pair, deps.now()):
        return wanted
    counts = await tx.rounds.question_counts(pair.id)
    same = [
        q
        for q in deps.content.questions.values()
        if not q.sensitive
        and q.dimension is wanted.dimension
        and q.depth is wanted.depth
        and q.rotates
    ]
    if not same:  # the loader refuses such a bank; any plain question of the depth will do
        same = [q for q in deps.content.questions_of(wanted.depth) if not q.sensitive]
    return min(same, key=lambda q: (q.id in avoid, counts.get(q.id, 0)))


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
