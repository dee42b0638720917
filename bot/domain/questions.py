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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot import texts
from bot.domain import journey
from bot.domain.deps import Deps, QuestionPicker
from bot.domain.model import OfferStatus, Pair, RoundKind
from bot.domain.ports import UnitOfWork
from content.schema import Dimension, Question, ScaleLabels
from scheduler.zones import zone_info

#: The id of a follow-up question is this prefix and the exercise's dimension.
FOLLOWUP_PREFIX = "followup-"
#: The follow-up's own answer beside its 1–5 scale: the pair has not done the exercise yet.
#: Stored as the answer's value; it is no point on the scale (``Question.numeric`` gives None).
FOLLOWUP_NOT_YET = "notyet"
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


def not_yet(asked: Question, value: str | None) -> bool:
    """Whether ``value`` is a follow-up's "haven't done it yet" (not a scale point)."""
    return value == FOLLOWUP_NOT_YET and is_followup(asked.id)


def followup_question(question_id: str) -> Question:
    """The built-in follow-up question for ``question_id`` = ``followup-<dimension>``: how the
    agreed exercise went, on a 1–5 scale, or "haven't done it yet" (:data:`FOLLOWUP_NOT_YET`,
    its own button, see :func:`bot.domain.asking.answer_keyboard`). Raises KeyError when the
    id is not that."""
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
    past = await pasts_of(deps, tx, [pair.id])
    await forget_past_trip(deps, tx, pair)
    return choose_from(deps, pair, kind, past.get(pair.id, Past()))


async def forget_past_trip(deps: Deps, tx: UnitOfWork, pair: Pair) -> None:
    """Clear the pair's trip once its days are over (its ``after_trip`` window has passed)."""
    if pair.trip is not None and journey.trip_over(pair.trip, _today(deps, pair)):
        await tx.pairs.set_trip(pair.id, None)


def _today(deps: Deps, pair: Pair) -> date:
    return deps.now().astimezone(zone_info(pair.timezone)).date()


@dataclass(frozen=True)
class Past:
    """What the question rule reads of a pair's past (see :class:`journey.History`):
    ``asked`` (question id -> times asked, last asked UTC), ``revealed`` rounds, and
    ``mismatches`` (dimension, UTC instant) of the last :data:`journey.REVISIT_UNTIL`."""

    asked: Mapping[str, tuple[int, datetime]] = field(default_factory=dict)
    revealed: int = 0
    mismatches: Sequence[tuple[Dimension, datetime]] = ()


async def pasts_of(deps: Deps, tx: UnitOfWork, pair_ids: Sequence[int]) -> dict[int, Past]:
    """:class:`Past` of each of these pairs, in three reads for them all (opening a wave
    reads many pairs at once); a pair with no past is missing."""
    now = deps.now()
    asked = await tx.rounds.question_history_of(pair_ids)
    revealed = await tx.rounds.revealed_counts_of(pair_ids)
    mismatches = await tx.offers.mismatches_since_of(pair_ids, now - journey.REVISIT_UNTIL)
    return {
        pair_id: Past(asked.get(pair_id, {}), revealed.get(pair_id, 0), mismatches.get(pair_id, ()))
        for pair_id in {*asked, *revealed, *mismatches}
    }


def choose_from(deps: Deps, pair: Pair, kind: RoundKind, past: Past) -> list[Question]:
    """:func:`choose` given the pair's :class:`Past` (read by the caller); a trip whose days
    are over counts as none (the caller forgets it: :func:`forget_past_trip`)."""
    now = deps.now()
    created = pair.created_at or now
    today = _today(deps, pair)
    trip = pair.trip
    if trip is not None and journey.trip_over(trip, today):
        trip = None
    history = journey.History(
        now=now,
        today=today,
        age=now - created,
        asked=past.asked,
        revealed=past.revealed,
        mismatches=past.mismatches,
        focus=pair.focus,
        sensitive_ok=may_ask_sensitive(pair, now),
        packs=[p for p in pair.packs if p in deps.content.packs],
        anniversary=pair.anniversary,
        trip=trip,
    )
    bank = deps.content.all_questions
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
    asked = (await tx.rounds.question_history_of([pair.id])).get(pair.id, {})
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
    return min(same, key=lambda q: (q.id in avoid, asked.get(q.id, (0,))[0]))


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
