"""The journey rule (``bot.domain.journey``) simulated day by day over the shipped bank: what
a pair would be asked over months, with the same code the bot runs."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.domain import journey
from bot.domain.journey import History
from content.loader import load_content
from content.schema import Depth, Dimension, Question, Role

START = datetime(2027, 3, 1, 18, 0, tzinfo=UTC)
BANK = list(load_content().questions.values())


@dataclass
class Pair:
    """A simulated pair: what it was asked and when."""

    pair_id: int = 7
    focus: frozenset[Dimension] = frozenset()
    opted_in: bool = True
    asked: dict[str, tuple[int, datetime]] = field(default_factory=dict)
    revealed: int = 0
    mismatches: list[tuple[Dimension, datetime]] = field(default_factory=list)
    log: list[tuple[datetime, Question]] = field(default_factory=list)

    def history(self, now: datetime) -> History:
        return History(
            now=now,
            today=now.date(),
            age=now - START,
            asked=dict(self.asked),
            revealed=self.revealed,
            mismatches=[m for m in self.mismatches if now - m[1] <= journey.REVISIT_UNTIL],
            focus=self.focus,
            sensitive_ok=self.opted_in and now - START >= timedelta(days=28),
        )

    def record(self, now: datetime, questions: Sequence[Question]) -> None:
        for q in questions:
            count = self.asked.get(q.id, (0, now))[0]
            self.asked[q.id] = (count + 1, now)
            self.log.append((now, q))
        self.revealed += 1


def weighted(rng: random.Random) -> journey.Picker:
    """The bot's draw (``random_picker``) with a seeded generator."""
    return lambda candidates, weights: rng.choices(list(candidates), weights=list(weights))[0]


def daily_days(pair: Pair, days: int, per_day: int = 1, seed: int = 1) -> Pair:
    pick = weighted(random.Random(seed))
    for day in range(days):
        for k in range(per_day):
            now = START + timedelta(days=day, hours=k)
            pair.record(now, [journey.daily(BANK, pair.pair_id, pair.history(now), pick)])
    return pair


def bank_counts(pair: Pair) -> Counter[str]:
    return Counter(q.id for _, q in pair.log if q.role is Role.BANK)


def test_focus_brings_its_dimension_about_twice_as_often_across_the_year() -> None:
    # Pair 1: its theme weeks (every 13th week) never bring trust forward.
    focused = daily_days(Pair(pair_id=1, focus=frozenset({Dimension.TRUST})), 365)

    def ratio(since: int) -> float:
        """Trust's questions over the mean of each other topic's, from day ``since`` on."""
        later = START + timedelta(days=since)
        counts = Counter(
            q.dimension for at, q in focused.log if q.role is Role.BANK and at >= later
        )
        others = [counts[d] for d in Dimension if d is not Dimension.TRUST]
        return counts[Dimension.TRUST] / (sum(others) / len(others))

    # Not merely earlier in a cycle (the old rule fell below 1x after day 30): all year long.
    assert 1.7 <= ratio(0) <= 2.3, ratio(0)
    assert 1.6 <= ratio(182) <= 2.4, ratio(182)
    plain = daily_days(Pair(pair_id=1), 365)  # pair 1's theme weeks never bring trust forward
    counts = Counter(q.dimension for _, q in plain.log if q.role is Role.BANK)
    themed = {journey.theme_of(1, timedelta(days=d)) for d in range(365)}
    even = [n for d, n in counts.items() if d not in themed]  # themes come forward on purpose
    assert max(even) - min(even) <= 4, counts


def test_level_three_waits_for_twenty_revealed_check_ins() -> None:
    pair = daily_days(Pair(), 60)
    first_vulnerable = next(
        (i for i, (_, q) in enumerate(pair.log) if q.level == 3 and q.role is Role.BANK), None
    )
    assert any(q.level == 3 for q in BANK if q.depth is Depth.LIGHT and q.rotates)
    assert first_vulnerable is not None and first_vulnerable >= journey.VULNERABLE_AFTER
    early = [q for _, q in pair.log[: journey.GETTING_TO_KNOW] if q.role is Role.BANK]
    assert all(q.level == 1 for q in early)


def test_sensitive_questions_only_for_a_pair_that_opted_in() -> None:
    pair = daily_days(Pair(opted_in=False), 120)
    assert not any(q.sensitive for _, q in pair.log)
    opted = daily_days(Pair(), 120)
    assert not any(q.sensitive for at, q in opted.log if at < START + timedelta(days=28))


def test_a_mismatch_is_revisited_two_to_four_weeks_later_once() -> None:
    pair = Pair()
    pick = weighted(random.Random(3))
    for day in range(45):
        now = START + timedelta(days=day)
        if day == 5:
            pair.mismatches.append((Dimension.TOGETHER_APART, now))
        pair.record(now, [journey.daily(BANK, pair.pair_id, pair.history(now), pick)])
    revisits = [(at, q) for at, q in pair.log if q.role is Role.REVISIT]
    assert len(revisits) == 1
    at, question = revisits[0]
    assert question.dimension is Dimension.TOGETHER_APART
    assert timedelta(days=14) <= at - (START + timedelta(days=5)) <= timedelta(days=28)


def test_pulse_questions_come_back_about_quarterly_and_new_year_once() -> None:
    pair = daily_days(Pair(), 400)
    pulses = [(at, q) for at, q in pair.log if q.role is Role.PULSE]
    assert pulses, "no pulse question came in 400 days"
    by_question: dict[str, list[datetime]] = {}
    for at, q in pulses:
        by_question.setdefault(q.id, []).append(at)
    for question_id, times in by_question.items():
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert all(timedelta(days=90) <= g <= timedelta(days=120) for g in gaps), question_id
    assert len(by_question) == sum(q.role is Role.PULSE for q in BANK)
    new_year = [at for at, q in pair.log if q.occasion is not None]
    assert len(new_year) == 1 and new_year[0].month == 1 and new_year[0].day <= 7


def test_theme_weeks_come_four_times_a_year_each_a_different_dimension() -> None:
    themes = [journey.theme_of(7, timedelta(days=d)) for d in range(0, 364, 7)]
    chosen = [t for t in themes if t is not None]
    assert len(chosen) == 4 and len(set(chosen)) == 4
