"""Quality gates for the content (``tandem content check`` and ``make test``): the volume and
structure a year of check-ins needs, no near-duplicates, mismatch rules that mean something,
every exercise reachable by the offer rule, and simulations of what pairs would be asked and
offered, with the rules the bot runs (:mod:`bot.domain.journey`,
:mod:`bot.domain.exercises.rotation`).

:func:`problems` returns what fails, one line each (empty: the bank passes);
:func:`simulate_daily`, :func:`simulate_weekly` and :func:`simulate_offers` return the figures
the gates judge.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import combinations

from rapidfuzz import fuzz, process

from bot.domain import journey
from bot.domain.exercises import rotation
from bot.domain.exercises.findings import Findings
from content.loader import ContentBank
from content.schema import (
    BoundaryArea,
    Depth,
    Dimension,
    Gap,
    Occasion,
    Purpose,
    Question,
    Role,
    Tone,
    Trigger,
    WeeklySlot,
)

#: Two question texts at least this similar (rapidfuzz ``token_sort_ratio`` of the lowercased
#: texts, 0–100) are near-duplicates.
NEAR_DUPLICATE = 85
#: Daily (light) questions of the rotation: in all, and per dimension.
DAILY_TOTAL, DAILY_PER_DIMENSION = 330, 27
#: The share of daily questions that are playful, a memory, a dream or a date idea.
LIGHTER_SHARE = 0.20
#: Deep questions per weekly part, and per boundary area in the boundaries part.
DEEP_PER_PART, DEEP_PER_AREA = 52, 13
#: Revisit questions per dimension; pulse questions per dimension.
REVISITS_PER_DIMENSION, PULSES_PER_DIMENSION = 5, 1
#: Exercises per dimension (by first dimension) and purpose.
EXERCISES_BY_PURPOSE = {
    Purpose.MISMATCH: 2,
    Purpose.SKILL: 1,
    Purpose.REPEATED: 1,
    Purpose.BOTH_LOW: 1,
    Purpose.RITUAL: 1,
}
#: Each life-stage pack: light and deep questions, exercises; how many packs.
PACK_SHAPE, PACKS = (20, 6, 3), 6
#: Occasion questions per occasion; programs.
OCCASION_EACH, PROGRAMS = 6, 3
#: The simulations: days of daily rounds without an unplanned repeat (one a day; one a day
#: plus a ``/checkin``), and weeks of weekly rounds.
DAILY_DAYS, CHECKIN_DAYS, WEEKLY_WEEKS = 300, 150, 52
SIM_START = datetime(2027, 3, 1, 18, 0, tzinfo=UTC)
#: The offer simulation: how often a question with a mismatch rule mismatches, how often a
#: concern or giving <-> receiving question shows a shared concern or an imbalance instead;
#: the most offers any exercise may be in over a year; how many simulated years are judged.
MISMATCH_RATE, OTHER_RATE = 1 / 3, 1 / 6
OFFER_MOST, OFFER_SEEDS = 5, 5


@dataclass(frozen=True)
class Simulation:
    """What a simulated pair was asked: ``rounds`` drawn, and the first unplanned repeat (the
    day or week number, counting from 1), None when there was none."""

    rounds: int
    first_repeat: int | None


def _picker(seed: int) -> journey.Picker:
    rng = random.Random(seed)
    return lambda candidates, weights: rng.choices(list(candidates), weights=list(weights))[0]


def _history(
    asked: dict[str, tuple[int, datetime]],
    now: datetime,
    revealed: int,
    mismatches: Sequence[tuple[Dimension, datetime]] = (),
    opted_in: bool = True,
) -> journey.History:
    return journey.History(
        now=now,
        today=now.date(),
        age=now - SIM_START,
        asked=dict(asked),
        revealed=revealed,
        mismatches=mismatches,
        sensitive_ok=opted_in and now - SIM_START >= timedelta(days=28),
    )


def simulate_daily(bank: ContentBank, days: int, per_day: int = 1, seed: int = 1) -> Simulation:
    """A pair that opted in to sensitive questions, answering ``per_day`` daily rounds a day
    for ``days`` days; a repeat of a bank question is unplanned (pulse, revisit and occasion
    questions come back on purpose)."""
    questions = bank.all_questions
    pick = _picker(seed)
    asked: dict[str, tuple[int, datetime]] = {}
    first_repeat = None
    rounds = 0
    for day in range(days):
        for k in range(per_day):
            now = SIM_START + timedelta(days=day, hours=k)
            q = journey.daily(questions, 1, _history(asked, now, rounds), pick)
            count = asked.get(q.id, (0, now))[0]
            if count and q.role is Role.BANK and first_repeat is None:
                first_repeat = day + 1
            asked[q.id] = (count + 1, now)
            rounds += 1
    return Simulation(rounds, first_repeat)


def simulate_weekly(
    bank: ContentBank, weeks: int, seed: int = 1, opted_in: bool = True
) -> Simulation:
    """A pair answering one weekly (deep) round a week for ``weeks`` weeks; ``opted_in``: it
    said yes to sensitive questions (they come from its fifth week), else it never meets one."""
    questions = bank.all_questions
    pick = _picker(seed)
    asked: dict[str, tuple[int, datetime]] = {}
    first_repeat = None
    for week in range(weeks):
        now = SIM_START + timedelta(weeks=week)
        history = _history(asked, now, week, opted_in=opted_in)
        for q in journey.weekly(questions, 1, history, pick):
            count = asked.get(q.id, (0, now))[0]
            if count and first_repeat is None:
                first_repeat = week + 1
            asked[q.id] = (count + 1, now)
    return Simulation(weeks, first_repeat)


def _agreeing(q: Question) -> list[tuple[str, str]]:
    if q.kind == "scale":
        values = [str(v) for v in range(1, 6)]
        if q.mismatch is not None and q.mismatch.measure == "sum":
            return [(v, str(6 - int(v))) for v in values]
        return [(v, v) for v in values]
    if q.kind == "wants":
        return [(v, v) for v in ("less", "same", "more")]
    return [(o.id, o.id) for o in q.options]


def _all_pairs(q: Question) -> list[tuple[str, str]]:
    if q.kind == "scale":
        values = [str(v) for v in range(1, 6)]
    elif q.kind == "wants":
        values = ["less", "same", "more"]
    else:
        values = [o.id for o in q.options]
    return [(a, b) for a in values for b in values]


def _rule_problems(bank: ContentBank) -> list[str]:
    found = []
    for q in bank.questions.values():
        if q.mismatch is None:
            continue
        if not any(q.gap(a, b) is Gap.MISMATCH for a, b in _all_pairs(q)):
            found.append(f"{q.id}: its mismatch rule never fires")
        if any(q.gap(a, b) is Gap.MISMATCH for a, b in _agreeing(q)):
            found.append(f"{q.id}: its mismatch rule fires on answers that agree")
        if Trigger.IMBALANCE in triggers_of(q) and not rotation.pool(bank, q, Trigger.IMBALANCE):
            found.append(f"{q.id}: no exercise for an imbalance (trigger 'imbalance') covers it")
    return found


def triggers_of(q: Question) -> set[Trigger]:
    """The triggers some pair of answers to ``q`` sets off: a mismatch (and so, twice in a
    dimension, ``repeated``), an imbalance both see, a shared concern."""
    pairs = _all_pairs(q)
    found = set()
    if q.mismatch is not None and any(q.gap(a, b) is Gap.MISMATCH for a, b in pairs):
        found |= {Trigger.MISMATCH, Trigger.REPEATED}
    if any(q.imbalance(a, b) for a, b in pairs):
        found.add(Trigger.IMBALANCE)
    if any(q.shared_concern(a, b) for a, b in pairs):
        found.add(Trigger.SHARED_CONCERN)
    return found


def _reachable(bank: ContentBank) -> set[str]:
    """Exercises the offer rule (:mod:`bot.domain.exercises.rotation`) can name: for each
    question and each trigger its answers can set off, the trigger's pool (which the rotation
    goes through, least recently offered first), and the mismatch pool where that tops up a
    pool of fewer than two. Packs are not active yet, so a pack's exercise is reached only
    after its own pack's questions."""
    found: set[str] = set()
    for q in bank.questions.values():
        for trigger in triggers_of(q):
            own = rotation.pool(bank, q, trigger)
            found |= {e.id for e in own}
            if len(own) < rotation.MIN_OPTIONS:
                found |= {e.id for e in rotation.pool(bank, q, Trigger.MISMATCH)}
    return found


@dataclass(frozen=True)
class OfferSimulation:
    """What a simulated pair was offered in a year: ``offers`` by trigger, and how many
    offers named each exercise (``counts``)."""

    offers: dict[Trigger, int]
    counts: dict[str, int]

    @property
    def most(self) -> int:
        """The most offers any one exercise was in."""
        return max(self.counts.values(), default=0)


def simulate_offers(bank: ContentBank, days: int = 365, seed: int = 1) -> OfferSimulation:
    """A daily pair (opted in to sensitive questions) answering one round a day for ``days``
    days, questions drawn by :func:`bot.domain.journey.daily`, offers made by
    :func:`bot.domain.exercises.rotation.choose`. Answers are drawn, not written: a question
    with a mismatch rule mismatches with probability :data:`MISMATCH_RATE` (about one round in
    three); otherwise a concern question is a shared concern, and a giving ↔ receiving one an
    imbalance, with :data:`OTHER_RATE`. Mismatch offers feed the revisit questions as in the
    bot."""
    questions = bank.all_questions
    pick = _picker(seed)
    rng = random.Random(seed + 7919)
    asked: dict[str, tuple[int, datetime]] = {}
    offered: dict[str, tuple[int, datetime]] = {}
    earlier: list[Findings] = []
    mismatches: list[tuple[Dimension, datetime]] = []
    by_trigger: Counter[Trigger] = Counter()
    counts: Counter[str] = Counter()
    for day in range(days):
        now = SIM_START + timedelta(days=day)
        recent = [m for m in mismatches if now - m[1] <= journey.REVISIT_UNTIL]
        q = journey.daily(questions, 1, _history(asked, now, day, recent), pick)
        asked[q.id] = (asked.get(q.id, (0, now))[0] + 1, now)
        found = Findings(answered=[q])
        possible = triggers_of(q)
        if Trigger.MISMATCH in possible and rng.random() < MISMATCH_RATE:
            found.mismatched.append(q)
        elif Trigger.SHARED_CONCERN in possible and rng.random() < OTHER_RATE:
            found.shared_concern.append(q)
        elif Trigger.IMBALANCE in possible and rng.random() < OTHER_RATE:
            found.imbalanced.append(q)
        choice = rotation.choose(bank, found, earlier, offered, now)
        earlier.insert(0, found)
        if choice is None:
            continue
        by_trigger[choice.trigger] += 1
        counts.update(choice.options)
        for e in choice.options:
            offered[e] = (offered.get(e, (0, now))[0] + 1, now)
        if choice.trigger in (Trigger.MISMATCH, Trigger.REPEATED):
            mismatches.append((choice.dimension, now))
    return OfferSimulation(dict(by_trigger), dict(counts))


def offer_problems(bank: ContentBank, seeds: int = OFFER_SEEDS) -> list[str]:
    """One line when, in any of ``seeds`` simulated years (:func:`simulate_offers`), an
    exercise was offered more than :data:`OFFER_MOST` times."""
    worst = max((simulate_offers(bank, seed=s) for s in range(1, seeds + 1)), key=lambda x: x.most)
    if worst.most <= OFFER_MOST:
        return []
    top = max(worst.counts, key=lambda e: worst.counts[e])
    return [f"exercise offers: {top} offered {worst.most} times in a year (> {OFFER_MOST})"]


def near_duplicates(questions: Sequence[Question]) -> list[tuple[str, str, float]]:
    """Pairs of question ids whose texts score at least :data:`NEAR_DUPLICATE`."""
    texts = [q.text.lower() for q in questions]
    scores = process.cdist(
        texts, texts, scorer=fuzz.token_sort_ratio, score_cutoff=NEAR_DUPLICATE, workers=1
    )
    return [
        (questions[i].id, questions[j].id, float(scores[i][j]))
        for i, j in combinations(range(len(questions)), 2)
        if scores[i][j] >= NEAR_DUPLICATE
    ]


def _count_problems(bank: ContentBank) -> list[str]:
    found = []
    qs = list(bank.questions.values())
    daily = [q for q in qs if q.depth is Depth.LIGHT and q.rotates]
    if len(daily) < DAILY_TOTAL:
        found.append(f"daily questions: {len(daily)} < {DAILY_TOTAL}")
    lighter = sum(q.tone is not Tone.EVERYDAY for q in daily)
    if daily and lighter / len(daily) < LIGHTER_SHARE:
        found.append(f"playful, memory, dream or date questions: {lighter}/{len(daily)}")
    for d in Dimension:
        own = [q for q in daily if q.dimension is d]
        if len(own) < DAILY_PER_DIMENSION:
            found.append(f"{d}: daily questions {len(own)} < {DAILY_PER_DIMENSION}")
        levels = {q.level for q in own}
        if levels != {1, 2, 3}:
            found.append(f"{d}: daily questions cover levels {sorted(levels)}, not 1-3")
        if len({q.kind for q in own}) < 3:
            found.append(f"{d}: daily questions use fewer than three kinds")
        for role, wanted in (
            (Role.REVISIT, REVISITS_PER_DIMENSION),
            (Role.PULSE, PULSES_PER_DIMENSION),
        ):
            n = sum(q.role is role and q.dimension is d and q.pack is None for q in qs)
            if n < wanted:
                found.append(f"{d}: {role} questions {n} < {wanted}")
        exercises = Counter(
            e.purpose for e in bank.exercises.values() if e.dimensions[0] is d and e.pack is None
        )
        for purpose, wanted in EXERCISES_BY_PURPOSE.items():
            if exercises[purpose] < wanted:
                found.append(f"{d}: {purpose} exercises {exercises[purpose]} < {wanted}")
    deep = [q for q in qs if q.depth is Depth.DEEP and q.rotates]
    for slot in WeeklySlot:
        n = sum(q.dimension.weekly_slot is slot for q in deep)
        if n < DEEP_PER_PART:
            found.append(f"weekly part {slot}: deep questions {n} < {DEEP_PER_PART}")
    for area in BoundaryArea:
        n = sum(q.dimension is Dimension.BOUNDARIES and q.area is area for q in deep)
        if n < DEEP_PER_AREA:
            found.append(f"boundaries deep questions on {area}: {n} < {DEEP_PER_AREA}")
    for occasion in Occasion:
        n = sum(q.occasion is occasion for q in qs)
        if n < OCCASION_EACH:
            found.append(f"occasion {occasion}: {n} < {OCCASION_EACH}")
    if len(bank.packs) < PACKS:
        found.append(f"packs: {len(bank.packs)} < {PACKS}")
    light, heavy, ex = PACK_SHAPE
    for pack in bank.packs.values():
        shape = (
            sum(q.depth is Depth.LIGHT for q in pack.questions),
            sum(q.depth is Depth.DEEP for q in pack.questions),
            len(pack.exercises),
        )
        if any(have < want for have, want in zip(shape, PACK_SHAPE, strict=True)):
            found.append(f"pack {pack.id}: {shape} < {(light, heavy, ex)} (light, deep, exercises)")
    if len(bank.programs) < PROGRAMS:
        found.append(f"programs: {len(bank.programs)} < {PROGRAMS}")
    return found


def simulations(bank: ContentBank) -> list[tuple[str, Simulation, int]]:
    """The repeat simulations: (label, result, the number of days or weeks that must pass
    without an unplanned repeat). The weekly one runs twice: a pair that never says yes to
    sensitive questions must not meet a repeat within the year either."""
    return [
        ("daily pair", simulate_daily(bank, DAILY_DAYS), DAILY_DAYS),
        ("daily pair with /checkin", simulate_daily(bank, CHECKIN_DAYS, per_day=2), CHECKIN_DAYS),
        ("weekly pair", simulate_weekly(bank, WEEKLY_WEEKS), WEEKLY_WEEKS),
        (
            "weekly pair without sensitive questions",
            simulate_weekly(bank, WEEKLY_WEEKS, opted_in=False),
            WEEKLY_WEEKS,
        ),
    ]


def repeat_problems(results: Sequence[tuple[str, Simulation, int]]) -> list[str]:
    """One line per simulation that met an unplanned repeat."""
    return [
        f"{label}: a question repeats at {sim.first_repeat} (< {limit})"
        for label, sim, limit in results
        if sim.first_repeat is not None
    ]


def problems(bank: ContentBank, simulate: bool = True) -> list[str]:
    """Every gate the bank fails, one line each (empty when it passes). ``simulate``: also run
    the repeat simulations (:func:`simulations`, a second or two) and the offer simulation
    (:func:`offer_problems`)."""
    found = _count_problems(bank)
    duplicates = near_duplicates(list(bank.questions.values()))
    found += [f"near-duplicates: {a} / {b} ({s:.0f})" for a, b, s in duplicates]
    found += _rule_problems(bank)
    unreachable = set(bank.exercises) - _reachable(bank)
    found += [f"exercise {e}: no path offers it" for e in sorted(unreachable)]
    if simulate:
        found += repeat_problems(simulations(bank)) + offer_problems(bank)
    return found
