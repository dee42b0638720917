"""The noise on cohort figures keeps its promise (``bot/domain/cohorts/figures.py``, README
"Facilitator guide"): adding or removing one couple changes the chance of every value a
facilitator can see by at most a factor e^epsilon, measured over many draws; without the
noise the same check fails. And the status shows them sensibly, "withheld" where it must."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from random import Random

from bot import texts
from bot.domain.cohorts.figures import (
    EPSILON_PER_FIGURE,
    Figure,
    check_figure,
    cohort_budget,
    geometric_noise,
    topic_figure,
)
from bot.domain.cohorts.reports import Snapshot, status_lines
from bot.sandbox import shipped_content
from tests.unit.conftest import ADMIN, World

K = 5
SEEDS = range(20)
DRAWS_PER_SEED = 3000
#: Values seen fewer times than this (in the likelier of the two worlds) are too rare to
#: compare. Where the bound holds exactly, the rarer world then sees the value about 740 times,
#: so the measured ratio's log has a standard error of about 0.043: TOLERANCE is five of them.
ENOUGH = 2000
TOLERANCE = 1.25

Shown = Callable[[Random], object]


class NoNoise(Random):
    """A generator whose every uniform draw is 0: ``geometric_noise`` then adds nothing, as if
    the noise had been removed."""

    def random(self) -> float:
        return 0.0


def _seen(shown: Shown) -> Counter[object]:
    """How often a facilitator would see each value, over every seed and draw."""
    seen: Counter[object] = Counter()
    for seed in SEEDS:
        rng = Random(seed)
        seen.update(shown(rng) for _ in range(DRAWS_PER_SEED))
    return seen


def _worst_ratio(one: Counter[object], other: Counter[object]) -> float:
    """The largest ratio of the two worlds' chances of one shown value, over values seen often
    enough to compare (infinite when a value seen often in one never appears in the other)."""
    worst = 1.0
    for value in set(one) | set(other):
        high, low = max(one[value], other[value]), min(one[value], other[value])
        if high < ENOUGH:
            continue
        worst = max(worst, math.inf if low == 0 else high / low)
    return worst


def _topic_shown(answers: Mapping[int, bool]) -> Shown:
    return lambda rng: topic_figure(answers, rng).differences()


def _check_shown(answers: Mapping[int, tuple[int, int]]) -> Shown:
    return lambda rng: check_figure(answers, rng).mean(K)


TOPIC = {1: True, 2: False, 3: True, 4: False, 5: False, 6: False}
CHECK = {1: (1, 2), 2: (3, 3), 3: (4, 5), 4: (2, 2), 5: (5, 4), 6: (3, 4)}


def test_one_couple_more_changes_a_topic_figure_by_at_most_e_to_the_epsilon() -> None:
    bound = math.exp(EPSILON_PER_FIGURE)
    without = _seen(_topic_shown(TOPIC))
    for added in (True, False):
        with_couple = _seen(_topic_shown({**TOPIC, 7: added}))
        assert _worst_ratio(without, with_couple) <= bound * TOLERANCE
    # Calibrated, not just noisy: the couple that had a difference moves it nearly the bound.
    assert _worst_ratio(without, _seen(_topic_shown({**TOPIC, 7: True}))) >= bound / TOLERANCE


def test_one_couple_more_changes_a_check_average_by_at_most_e_to_the_epsilon() -> None:
    bound = math.exp(EPSILON_PER_FIGURE)
    without = _seen(_check_shown(CHECK))
    for extreme in ((5, 5), (1, 1)):  # the couple that moves the average the most
        with_couple = _seen(_check_shown({**CHECK, 7: extreme}))
        assert _worst_ratio(without, with_couple) <= bound * TOLERANCE
        assert _worst_ratio(without, with_couple) > 1.2  # the couple is not invisible either


def test_without_the_noise_one_couple_is_plain_to_see() -> None:
    bound = math.exp(EPSILON_PER_FIGURE)
    quiet = NoNoise()
    topic = Counter(_topic_shown(TOPIC)(quiet) for _ in range(ENOUGH))
    topic_more = Counter(_topic_shown({**TOPIC, 7: True})(quiet) for _ in range(ENOUGH))
    assert _worst_ratio(topic, topic_more) > bound * TOLERANCE
    check = Counter(_check_shown(CHECK)(quiet) for _ in range(ENOUGH))
    check_more = Counter(_check_shown({**CHECK, 7: (5, 5)})(quiet) for _ in range(ENOUGH))
    assert _worst_ratio(check, check_more) > bound * TOLERANCE


def test_shown_figures_are_sensible_numbers() -> None:
    rng = Random(3)
    for _ in range(2000):
        assert topic_figure(TOPIC, rng).differences() >= 0
        mean = check_figure(CHECK, rng).mean(K)
        assert 1.0 <= mean <= 5.0 and round(mean, 1) == mean
    draws = [geometric_noise(rng, 1.0, 1) for _ in range(20000)]
    assert abs(sum(draws) / len(draws)) < 0.05  # centred on the true value


def test_the_guide_states_the_shipped_programs_budget() -> None:
    content = shipped_content()
    budget = cohort_budget(content, content.programs["interdependence-6w"])
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    guide = readme.split("## Facilitator guide")[1].split("\n## ")[0]
    stated = re.search(r"ε = (\d+(?:\.\d+)?) for the shipped", guide)
    assert stated is not None and float(stated.group(1)) == budget
    assert f"ε = {EPSILON_PER_FIGURE:g} per figure" in guide


async def test_the_status_says_withheld_beside_the_figures_it_shows(world: World) -> None:
    deps = world.deps
    program = deps.content.programs["interdependence-6w"]
    pairs = frozenset({11, 12, 13, 14})
    snapshot = Snapshot(
        0,
        {},
        {
            "trust": Figure(pairs, alike=False, count=-2),  # noise took it below 0
            "conflict": Figure(pairs, alike=False, count=3),
            "boundaries": Figure(pairs, alike=True, count=4),  # every couple alike
            "support": Figure(frozenset({11, 12}), alike=False, count=2),  # fewer than K
        },
        {},
    )
    async with deps.db.write() as tx:
        cohort = await tx.cohorts.create(
            name="Spring group",
            program_id=program.id,
            start_date=date(2026, 3, 9),
            checkin_days=(0, 2),
            timezone="Europe/Berlin",
            session_weekday=None,
            session_time=None,
            token_hash="0" * 64,
            created_by=ADMIN,
            now=deps.now(),
        )
        await tx.cohorts.save_snapshot(cohort.id, 0, snapshot.to_json(), deps.now())
        lines = await status_lines(deps, tx, cohort, program, 1, ADMIN)
    figures = lines[lines.index(texts.STATUS_AGGREGATES.format(week=1, k=3)) + 1 :]
    assert figures == [
        texts.STATUS_TOPIC_LINE.format(topic="Handling conflict", n=3),
        texts.STATUS_TOPIC_LINE.format(topic="Trust", n=0),
        texts.STATUS_TOPIC_WITHHELD.format(topic="Boundaries"),
        texts.STATUS_TOPIC_WITHHELD.format(topic="Mutual support"),
        texts.STATUS_NOISE.format(budget="25"),
    ]
